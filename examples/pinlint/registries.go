package main

import (
	"context"
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// connectRemote returns the registry of a real run: a router that sends
// each reference to the registry its host names, with the docker config's
// credentials, over plain HTTP only for loopback hosts and those given.
func connectRemote(plainHTTP []string) (promote.Registry, error) {
	opts := []remote.RouterOption{remote.RouteDefaults(remote.WithDockerConfig(""), remote.WithPlainHTTPLoopback(), remote.WithUserAgent("imagetags-pinlint"))}
	for _, h := range plainHTTP {
		opts = append(opts, remote.RouteHost(h, remote.WithPlainHTTP()))
	}
	return remote.NewRouter(opts...)
}

// demoOnly is the seeded in-memory demo registry, reachable only under
// demo.Host: a reference on any other host is refused, so a real
// manifest never gets a digest the demo invented.
type demoOnly struct{ promote.Registry }

func openDemo() (promote.Registry, error) {
	reg, _, err := demo.Seed()
	if err != nil {
		return nil, err
	}
	return demoOnly{reg}, nil
}

func (d demoOnly) check(ref reference.Reference) error {
	if ref.Registry() != demo.Host {
		return fmt.Errorf("--demo resolves only images on %s, the demo registry, and %s is on %s; run without --demo to resolve it on %s",
			demo.Host, ref.Familiar(), ref.Registry(), ref.Registry())
	}
	return nil
}

func (d demoOnly) Resolve(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, error) {
	if err := d.check(ref); err != nil {
		return ocispec.Descriptor{}, err
	}
	return d.Registry.Resolve(ctx, ref)
}

func (d demoOnly) Tag(ctx context.Context, ref reference.Reference, dg digest.Digest) error {
	if err := d.check(ref); err != nil {
		return err
	}
	return d.Registry.Tag(ctx, ref, dg)
}

func (d demoOnly) Tags(ctx context.Context, repo reference.Reference, cursor string, limit int) (promote.TagPage, error) {
	if err := d.check(repo); err != nil {
		return promote.TagPage{}, err
	}
	return d.Registry.Tags(ctx, repo, cursor, limit)
}
