package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// opener returns the registry serving one host; plainHTTP is true when
// the user asked for plain HTTP to that host with --plain-http.
type opener func(host string, plainHTTP bool) (promote.Registry, error)

// openRemote reaches host over the OCI Distribution API with the
// credentials of the user's docker config, as docker pull would; plain
// HTTP only for a loopback host such as localhost:5000, or when asked.
func openRemote(host string, plainHTTP bool) (promote.Registry, error) {
	opts := []remote.Option{remote.WithDockerConfig(""), remote.WithPlainHTTPLoopback(), remote.WithUserAgent("imagetags-pinlint")}
	if plainHTTP {
		opts = append(opts, remote.WithPlainHTTP())
	}
	return remote.New(host, opts...)
}

// byHost is a promote.Registry that sends each reference to the registry
// of its own host, opened on first use and kept for the run. A registry
// that could not be opened gives the same error for every reference on
// its host. It is safe for concurrent use.
type byHost struct {
	open  opener
	plain map[string]bool // hosts to reach over plain HTTP
	mu    sync.Mutex
	regs  map[string]promote.Registry
	errs  map[string]error
}

func newByHost(open opener, plainHTTP ...string) *byHost {
	b := &byHost{open: open, plain: map[string]bool{}, regs: map[string]promote.Registry{}, errs: map[string]error{}}
	for _, h := range plainHTTP {
		b.plain[h] = true
	}
	return b
}

func (b *byHost) registry(ref reference.Reference) (promote.Registry, error) {
	host := ref.Registry()
	b.mu.Lock()
	defer b.mu.Unlock()
	if r, ok := b.regs[host]; ok {
		return r, nil
	}
	if err, ok := b.errs[host]; ok {
		return nil, err
	}
	r, err := b.open(host, b.plain[host])
	if err != nil {
		err = fmt.Errorf("registry %s: %w", host, err)
		b.errs[host] = err
		return nil, err
	}
	b.regs[host] = r
	return r, nil
}

func (b *byHost) Resolve(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, error) {
	r, err := b.registry(ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return r.Resolve(ctx, ref)
}

func (b *byHost) Tag(ctx context.Context, ref reference.Reference, d digest.Digest) error {
	r, err := b.registry(ref)
	if err != nil {
		return err
	}
	return r.Tag(ctx, ref, d)
}

func (b *byHost) Tags(ctx context.Context, repo reference.Reference, cursor string, limit int) (promote.TagPage, error) {
	r, err := b.registry(repo)
	if err != nil {
		return promote.TagPage{}, err
	}
	return r.Tags(ctx, repo, cursor, limit)
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
