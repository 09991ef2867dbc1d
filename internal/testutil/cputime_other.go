//go:build !unix

package testutil

// CPUTime returns 0: the process's CPU time is read with getrusage, on
// Unix only.
func CPUTime() int64 { return 0 }
