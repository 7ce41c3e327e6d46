package memory_test

import (
	"context"
	"fmt"

	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// Seeded names are normalized as references are, so an image seeded as
// "ubuntu" is found by "ubuntu:22.04" and listed under "library/ubuntu".
func ExampleImage_names() {
	ctx := context.Background()
	reg := memory.New()
	if _, err := reg.Seed(memory.Image{Repository: "ubuntu", Tags: []string{"22.04"}}); err != nil {
		fmt.Println(err)
		return
	}
	desc, err := reg.Resolve(ctx, reference.MustParse("ubuntu:22.04"))
	fmt.Println(desc.MediaType, err)
	page, _ := reg.Tags(ctx, reference.MustParse("docker.io/library/ubuntu"), "", 0)
	fmt.Println(page.Tags)

	_, err = reg.Seed(memory.Image{Repository: "ubuntu:22.04"})
	fmt.Println(err != nil)
	// Output:
	// application/vnd.oci.image.manifest.v1+json <nil>
	// [22.04]
	// true
}
