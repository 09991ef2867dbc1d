//go:build unix

package flows

import "syscall"

// cpuTime returns the process's CPU time (user and system, all threads)
// in nanoseconds: the figure to compare on a busy machine, where wall time
// (ns/op) also counts the time other processes had the cores.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
