package remote_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// New with the credentials `docker login` stored. Pass "" to read the
// user's own ~/.docker/config.json (or $DOCKER_CONFIG/config.json); this
// example reads a sample file instead. Constructing the Registry does not
// contact the registry: credentials are looked up on the first request
// that needs them.
func ExampleNew() {
	reg, err := remote.New("registry.example.com",
		remote.WithDockerConfig("testdata/docker-config.json"),
		remote.WithUserAgent("release-bot/1.4"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("backend for", reg.Host())

	// A reference on another registry is refused before any request, so
	// credentials never travel to a host they were not meant for.
	_, err = reg.Resolve(context.Background(), reference.MustParse("ghcr.io/team/app:1.2.3"))
	fmt.Println(err)
	// Output:
	// backend for registry.example.com
	// remote: resolve "ghcr.io/team/app:1.2.3": the reference is on registry "ghcr.io"; this backend serves "registry.example.com"
}

// Promotion against a real registry: the remote Registry is a
// promote.Registry like any other. (This example talks to a registry, so
// it is compiled but not run.)
func ExampleRegistry_promote() {
	reg, err := remote.New("registry.example.com", remote.WithDockerConfig(""))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	app := reference.MustParse("registry.example.com/team/app:1.4.2")
	current, err := reg.Resolve(ctx, reference.MustParse("registry.example.com/team/app:production"))
	if err != nil {
		log.Fatal(err)
	}
	rec, err := promote.Promote(ctx, reg, app, "production", promote.ExpectCurrent(current.Digest))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("moved:", rec.Moved())
}

// Retag puts a whole tag set on one manifest with one GET, one HEAD per
// tag and one PUT per tag that moves. Here the registry is the in-memory
// fake served over HTTP on a loopback address, as in a test suite.
func ExampleRegistry_Retag() {
	fake := memory.New()
	ds, err := fake.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"2.4.0", "2.4", "2", "latest"}, Content: "2.4.0"},
		memory.Image{Repository: "team/app", Tags: []string{"2.4.1"}, Content: "2.4.1"},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	reg, err := remote.New(host, remote.WithPlainHTTPLoopback())
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := reference.MustParse(host + "/team/app").WithDigest(ds[1])
	if err != nil {
		fmt.Println(err)
		return
	}
	rec, err := reg.Retag(context.Background(), src, "2.4.1", "2.4", "2", "latest")
	if err != nil {
		fmt.Println(err) // a *promote.PartialError says which tags moved
		return
	}
	for _, t := range rec.Tags {
		fmt.Printf("%-6s moved: %t\n", t.Tag, t.Moved)
	}
	// Output:
	// 2.4.1  moved: false
	// 2.4    moved: true
	// 2      moved: true
	// latest moved: true
}
