//go:build unix

package memory_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock measures the CPU time the process spends, all threads
// included (the garbage collector too), which shared or loaded machines
// disturb far less than wall-clock time. Stop and Start bracket setup
// work, as b.StopTimer and b.StartTimer do.
type cpuClock struct {
	since, total time.Duration
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() *cpuClock { return &cpuClock{since: processCPU()} }

func (c *cpuClock) Stop()  { c.total += processCPU() - c.since }
func (c *cpuClock) Start() { c.since = processCPU() }

// report adds the CPU time per operation as the metric "cpu-ns/op".
func (c *cpuClock) report(b *testing.B) {
	c.Stop()
	if b.N > 0 {
		b.ReportMetric(float64(c.total)/float64(b.N), "cpu-ns/op")
	}
}
