package remote_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/imagetags/imagetags/promote"
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
// tag and one PUT per tag that moves. (Compiled, not run.)
func ExampleRegistry_Retag() {
	reg, err := remote.New("ghcr.io", remote.WithDockerConfig(""))
	if err != nil {
		log.Fatal(err)
	}
	src := reference.MustParse("ghcr.io/team/app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
	rec, err := reg.Retag(context.Background(), src, "2.4.1", "2.4", "2", "latest")
	if err != nil {
		log.Fatal(err) // a *promote.PartialError says which tags moved
	}
	for _, t := range rec.Tags {
		fmt.Println(t.Tag, t.Previous, "->", t.Digest, "moved:", t.Moved)
	}
}
