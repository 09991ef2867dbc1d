//go:build !unix

package infer

import "time"

// cpuTime is zero where getrusage is missing (the cpu-ns metrics read 0).
func cpuTime() time.Duration { return 0 }
