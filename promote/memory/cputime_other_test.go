//go:build !unix

package memory_test

import "testing"

type cpuClock struct{}

func startCPU() *cpuClock { return &cpuClock{} }

func (*cpuClock) Stop()  {}
func (*cpuClock) Start() {}

// report does nothing where process CPU time is not available.
func (*cpuClock) report(*testing.B) {}
