//go:build unix

package tagging

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the test process has used, user and
// system, all threads (the garbage collector's included). On a shared
// machine it grows only while the process runs, unlike the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
