//go:build unix

package testutil

import "syscall"

// CPUTime returns the process's CPU time (user and system, all threads)
// in nanoseconds: the figure benchmarks report beside ns/op, which on a
// busy machine also counts the time other processes had the cores.
func CPUTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
