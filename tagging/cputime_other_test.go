//go:build !unix

package tagging

import "time"

// processCPU is not measured on this platform; benchmarks then report no
// CPU time metric.
func processCPU() time.Duration { return 0 }
