package remote_test

import (
	"context"
	"testing"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// BenchmarkRouterResolve measures what routing adds to a call: the same
// Resolve on the in-memory fake, directly and through a Router whose
// backend for the host already exists.
func BenchmarkRouterResolve(b *testing.B) {
	fake := memory.New()
	if _, err := fake.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0"}}); err != nil {
		b.Fatal(err)
	}
	router, err := remote.NewRouter(remote.RouteBackend("registry.example.com", fake))
	if err != nil {
		b.Fatal(err)
	}
	ref := reference.MustParse("registry.example.com/team/app:1.0")
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		reg  promote.Registry
	}{{"direct", fake}, {"router", router}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.reg.Resolve(ctx, ref); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
