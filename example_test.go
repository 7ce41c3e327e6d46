package imagetags_test

import (
	"context"
	"fmt"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

// Build once, tag many: derive a release's tag set and publish it on the
// digest the build pushed.
func Example() {
	set, err := tagging.Derive(tagging.Facts{Version: "v2.4.1", Commit: "a3f2c8d91e44"}, tagging.DefaultScheme())
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "acme/payment-api", Content: "2.4.1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	build, err := reference.MustParse("registry.example.com/acme/payment-api").WithDigest(ds[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	rec, err := promote.Publish(context.Background(), reg, build, set.Names())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.Moved())
	// Output:
	// [2.4.1 2.4 2 sha-a3f2c8d latest]
}

// Tell a workspace built from ubuntu:20.04 that its tag received a patch.
func Example_rebuild() {
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "library/ubuntu", Content: "20.04.5"},
		memory.Image{Repository: "library/ubuntu", Tags: []string{"20.04"}, Content: "20.04.6"},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	workspace := policy.Build{Ref: reference.MustParse("ubuntu:20.04"), Digest: ds[0]}
	decisions, err := promote.CheckFleet(context.Background(), reg, []policy.Build{workspace}, promote.FleetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(decisions[0].Action, decisions[0].Outcome)
	// Output:
	// rebuild tag-republished
}
