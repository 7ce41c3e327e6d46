package remote_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// Copy an image from one registry to another over the OCI Distribution
// API. Both registries here are in-memory fakes on loopback ports; with
// real ones, only the hosts and credentials change.
func ExampleRegistry_ContentTarget() {
	staging, prod := memory.New(), memory.New()
	if _, err := staging.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.4.2"}}); err != nil {
		fmt.Println(err)
		return
	}
	backend := func(fake *memory.Registry) (*remote.Registry, string, func()) {
		srv := httptest.NewServer(fake.Handler())
		host := strings.TrimPrefix(srv.URL, "http://")
		reg, err := remote.New(host, remote.WithPlainHTTPLoopback())
		if err != nil {
			panic(err)
		}
		return reg, host, srv.Close
	}
	src, srcHost, stop1 := backend(staging)
	defer stop1()
	dst, dstHost, stop2 := backend(prod)
	defer stop2()

	rec, err := promote.Copy(context.Background(),
		src, reference.MustParse(srcHost+"/team/app:1.4.2"),
		dst, reference.MustParse(dstHost+"/team/app:production"),
		promote.CopyOptions{}, promote.ExpectAbsent())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("manifests sent:", rec.Content.ManifestsSent())
	fmt.Println("blobs sent:", rec.Content.BlobsSent())
	fmt.Println("moved:", rec.Moved())
	// Output:
	// manifests sent: 1
	// blobs sent: 2
	// moved: [production]
}
