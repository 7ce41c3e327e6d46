package promote_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// stagingRegistry seeds a two-platform build of team/app, as a CI
// pipeline would have pushed it to a staging registry.
func stagingRegistry() (*memory.Registry, digest.Digest) {
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{
		Repository: "team/app", Tags: []string{"1.4.2"}, Content: "app 1.4.2",
		Platforms: []ocispec.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}},
	})
	if err != nil {
		panic(err)
	}
	return reg, ds[0]
}

// Copy a build from the staging registry to the production registry and
// point production at it there, only if production does not exist yet.
// The digest at the destination is the digest at the source; running the
// copy again sends nothing.
func ExampleCopy() {
	ctx := context.Background()
	staging, _ := stagingRegistry()
	prod := memory.New()
	from := reference.MustParse("registry.staging.example/team/app:1.4.2")
	to := reference.MustParse("registry.prod.example/team/app:production")

	rec, err := promote.Copy(ctx, staging, from, prod, to, promote.CopyOptions{}, promote.ExpectAbsent())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.Content.Summary())
	fmt.Println("moved:", rec.Moved())
	got, _ := prod.Resolve(ctx, to)
	fmt.Println("same digest:", got.Digest == rec.Digest)

	again, _ := promote.Copy(ctx, staging, from, prod, to, promote.CopyOptions{})
	fmt.Println(again.Content.Summary())
	fmt.Println("moved:", again.Moved())
	// Output:
	// sent 3 manifest(s) and 4 blob(s) (5707 bytes), mounted 0 blob(s) (0 bytes), 0 already present, 0 referrer(s)
	// moved: [production]
	// same digest: true
	// sent 0 manifest(s) and 0 blob(s) (0 bytes), mounted 0 blob(s) (0 bytes), 1 already present, 0 referrer(s)
	// moved: []
}

// A promotion manifest lists digests and the tags they must carry in
// production. The plan says what would change, for review; Apply does it,
// requiring each tag to be where the plan saw it.
func ExamplePromotionManifest_Plan() {
	ctx := context.Background()
	staging, d := stagingRegistry()
	prod := memory.New()
	regs := promote.HostMap{"registry.staging.example": staging, "registry.prod.example": prod}

	doc := `{
	  "source": "registry.staging.example/team",
	  "destinations": ["registry.prod.example/team"],
	  "images": [{"name": "app", "digests": {"` + d.String() + `": ["1.4.2", "production"]}}]
	}`
	m, err := promote.ParsePromotionManifest([]byte(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := m.Plan(ctx, regs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(abbreviate(plan.String()))

	recs, err := plan.Apply(ctx, regs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("moved:", recs[0].Moved())

	again, _ := m.Plan(ctx, regs)
	fmt.Println("nothing left to do:", again.Empty())
	// Output:
	// registry.staging.example/team/app@sha256:… -> registry.prod.example/team/app
	//   + copy image with 0 referrer(s)
	//   + 1.4.2: create
	//   + production: create
	// moved: [1.4.2 production]
	// nothing left to do: true
}

// A plan serialises to JSON, to attach to a pull request or keep with the
// release.
func ExamplePlan_json() {
	plan := promote.Plan{Images: []promote.PlannedImage{{
		Source:      "registry.staging.example/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Destination: "registry.prod.example/team/app",
		Digest:      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Present:     true,
		Tags:        []promote.PlannedTag{{Tag: "production", Action: promote.TagInPlace, Current: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
	}}}
	out, _ := json.MarshalIndent(plan.Images[0].Tags, "", "  ")
	fmt.Println(string(out))
	fmt.Println("empty:", plan.Empty())
	// Output:
	// [
	//   {
	//     "tag": "production",
	//     "action": "in-place",
	//     "current": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	//   }
	// ]
	// empty: true
}

var hexDigest = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// abbreviate shortens every digest in s, for stable example output.
func abbreviate(s string) string { return hexDigest.ReplaceAllString(s, "sha256:…") }
