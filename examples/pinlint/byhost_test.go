package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// opener returns the registry serving one host; plainHTTP is true when
// the user asked for plain HTTP to that host with --plain-http.
type opener func(host string, plainHTTP bool) (promote.Registry, error)

// byHost is a promote.Registry that sends each reference to the registry
// an opener gives for its host (tests use it to stand in-memory registries
// in for real hosts), opened on first use and kept for the run. A registry
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
