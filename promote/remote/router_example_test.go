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

// NewRouter for a fleet on several registries: every reference goes to the
// registry its host names, with the user's docker login for each. Here one
// host is a local registry (the in-memory fake over HTTP, reached in plain
// HTTP because it is on a loopback address) and another is served by the
// fake directly.
func ExampleNewRouter() {
	local := memory.New()
	if _, err := local.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.4.0", "stable"}}); err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(local.Handler())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	internal := memory.New()
	if _, err := internal.Seed(memory.Image{Repository: "ops/agent", Tags: []string{"2.0"}}); err != nil {
		fmt.Println(err)
		return
	}

	router, err := remote.NewRouter(
		remote.RouteDefaults(remote.WithDockerConfig("testdata/docker-config.json"), remote.WithPlainHTTPLoopback()),
		remote.RouteBackend("registry.internal", internal),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, s := range []string{host + "/team/app", "registry.internal/ops/agent"} {
		tags, err := promote.AllTags(ctx, router, reference.MustParse(s))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(strings.TrimPrefix(s, host), tags)
	}
	fmt.Println(len(router.Hosts()), "backends")
	// Output:
	// /team/app [1.4.0 stable]
	// registry.internal/ops/agent [2.0]
	// 2 backends
}

// RouteOnly keeps a run on the hosts it is meant for: a reference on any
// other host is refused before a request leaves the process.
func ExampleRouteOnly() {
	router, err := remote.NewRouter(
		remote.RouteBackend("registry.example.com", memory.New()),
		remote.RouteOnly("registry.example.com"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = router.Resolve(context.Background(), reference.MustParse("ghcr.io/acme/app:1.0"))
	fmt.Println(err)
	// Output:
	// registry host "ghcr.io" is not served here (allowed: registry.example.com)
}
