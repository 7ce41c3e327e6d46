package memory_test

import (
	"context"
	"fmt"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// The fake offers its repositories as oras-go targets, so promote.Copy
// moves images between two fakes as between two registries, and its
// call counts show what the copy did.
func ExampleRegistry_ContentTarget() {
	ctx := context.Background()
	staging, prod := memory.New(), memory.New()
	if _, err := staging.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.4.2"}}); err != nil {
		fmt.Println(err)
		return
	}
	from := reference.MustParse("staging.example/team/app:1.4.2")
	to := reference.MustParse("prod.example/team/app:1.4.2")
	for range 2 {
		rec, err := promote.Copy(ctx, staging, from, prod, to, promote.CopyOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("sent %d, present %d, moved %v\n", len(rec.Content.Sent), len(rec.Content.Present), rec.Moved())
	}
	fmt.Println("manifest writes at prod:", prod.Calls(memory.OpPushManifest))
	// Output:
	// sent 3, present 0, moved [1.4.2]
	// sent 0, present 1, moved []
	// manifest writes at prod: 1
}
