package promote_test

import (
	"context"
	"fmt"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// Three workspaces were built from ubuntu:20.04 and one from ubuntu:latest;
// since then 20.04 received a patch and 22.04 became latest.
func ExampleCheckFleet() {
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "library/ubuntu", Content: "20.04.5"},                                  // 20.04 when built
		memory.Image{Repository: "library/ubuntu", Tags: []string{"20.04"}, Content: "20.04.6"},         // 20.04 now
		memory.Image{Repository: "library/ubuntu", Tags: []string{"20.10"}, Content: "20.10"},           // a newer line
		memory.Image{Repository: "library/ubuntu", Tags: []string{"22.04", "latest"}, Content: "22.04"}, // latest now
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	var builds []policy.Build
	for range 3 {
		builds = append(builds, policy.Build{Ref: reference.MustParse("ubuntu:20.04"), Digest: ds[0]})
	}
	builds = append(builds, policy.Build{Ref: reference.MustParse("ubuntu:latest"), Digest: ds[3]})

	decisions, err := promote.CheckFleet(context.Background(), reg, builds, promote.FleetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range decisions {
		fmt.Printf("%-8s %-16s %s\n", d.Tag, d.Action, d.Outcome)
	}
	fmt.Println("resolves:", reg.Calls(memory.OpResolve))
	// Output:
	// 20.04    rebuild          tag-republished
	// 20.04    rebuild          tag-republished
	// 20.04    rebuild          tag-republished
	// latest   none             up-to-date
	// resolves: 2
}
