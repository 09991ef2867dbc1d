//go:build !unix

package flows

// cpuTime returns 0: the process's CPU time is read with getrusage, on
// Unix only.
func cpuTime() int64 { return 0 }
