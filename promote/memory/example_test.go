package memory_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

func Example() {
	ctx := context.Background()
	reg := memory.New()
	digests, err := reg.Seed(memory.Image{
		Repository:  "team/app",
		Tags:        []string{"1.2.3", "1.2", "latest"},
		Labels:      map[string]string{ocispec.AnnotationVersion: "1.2.3"},
		Annotations: map[string]string{ocispec.AnnotationRevision: "a3f2c8d"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Code under test uses the fake as any promote.Registry.
	rec, err := promote.Promote(ctx, reg, reference.MustParse("registry.test/team/app:1.2.3"), "production")
	fmt.Println(rec.Moved(), err)

	// The test asserts on what was written.
	for _, e := range reg.Events() {
		fmt.Println(e.Seq, e.Op, e.Repository, e.Tag, e.Digest == digests[0])
	}
	fmt.Println("resolves:", reg.Calls(memory.OpResolve))
	// Output:
	// [production] <nil>
	// 1 tag team/app production true
	// resolves: 2
}

func ExampleRegistry_Seed() {
	ctx := context.Background()
	reg := memory.New()
	digests, _ := reg.Seed(memory.Image{
		Repository: "team/app",
		Tags:       []string{"2.0"},
		Platforms: []ocispec.Platform{
			{OS: "linux", Architecture: "amd64"},
			{OS: "linux", Architecture: "arm64", Variant: "v8"},
		},
	})
	desc, _ := reg.Resolve(ctx, reference.MustParse("registry.test/team/app:2.0"))
	fmt.Println(desc.MediaType, desc.Digest == digests[0])
	// Output:
	// application/vnd.oci.image.index.v1+json true
}

func ExampleRegistry_SetImmutable() {
	ctx := context.Background()
	reg := memory.New()
	ds, _ := reg.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"1.0.0", "latest"}},
		memory.Image{Repository: "team/app", Tags: []string{"1.1.0"}},
	)
	// Like ECR's IMMUTABLE_WITH_EXCLUSION: every tag but latest is fixed.
	_ = reg.SetImmutable(memory.Rule{Repositories: []string{"team/app"}, Exclude: []string{"latest"}})

	err := reg.Tag(ctx, reference.MustParse("registry.test/team/app:1.0.0"), ds[1])
	fmt.Println(errors.Is(err, promote.ErrTagImmutable))
	err = reg.Tag(ctx, reference.MustParse("registry.test/team/app:latest"), ds[1])
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

func ExampleRegistry_InjectFault() {
	ctx := context.Background()
	reg := memory.New()
	_, _ = reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0.0"}})

	// The second tag write fails, so a publish moves one tag of two.
	reg.InjectFault(memory.Fault{Op: memory.OpTag, After: 1, Times: 1, Err: promote.ErrDenied})
	rec, err := promote.Publish(ctx, reg, reference.MustParse("registry.test/team/app:1.0.0"), []string{"1.0", "1"})
	fmt.Println("moved:", rec.Moved(), "failed:", rec.Failed())
	fmt.Println(errors.Is(err, promote.ErrDenied))

	// Re-running converges.
	rec, err = promote.Publish(ctx, reg, reference.MustParse("registry.test/team/app:1.0.0"), []string{"1.0", "1"})
	fmt.Println("moved:", rec.Moved(), err)
	// Output:
	// moved: [1.0] failed: [1]
	// true
	// moved: [1] <nil>
}

func ExampleRegistry_Handler() {
	reg := memory.New()
	_, _ = reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"a", "b", "c"}})
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()

	// Any OCI client works; here, plain net/http.
	resp, err := http.Get(srv.URL + "/v2/team/app/tags/list?n=2")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Link"))
	fmt.Println(string(body))
	// Output:
	// 200 </v2/team/app/tags/list?last=b&n=2>; rel="next"
	// {"name":"team/app","tags":["a","b"]}
}
