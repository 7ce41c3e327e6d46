package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// The fake implements the Registry interface and every optional one.
var (
	_ promote.Registry        = (*Registry)(nil)
	_ promote.TagDeleter      = (*Registry)(nil)
	_ promote.ManifestFetcher = (*Registry)(nil)
	_ promote.TagSwapper      = (*Registry)(nil)
)

// DefaultPageSize is the page size of Tags when the caller gives no limit.
const DefaultPageSize = 100

// refKey returns the repository path and the tag or digest that ref names.
// The registry host of ref is ignored: the fake is one registry.
func refKey(ref reference.Reference) (string, string) {
	if ref.IsPinned() {
		return ref.Repository(), string(ref.Digest())
	}
	return ref.Repository(), ref.TagOrLatest()
}

// Resolve returns the descriptor of the manifest ref names, matched by
// repository path (the registry host is ignored).
func (r *Registry) Resolve(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, error) {
	if ref.HasTag() && !ref.IsPinned() {
		// The canonical form ends in "repository:tag", which is the key of
		// the tag index: one lookup, no allocation.
		// begin, spelled out: this is the hottest path of the fake.
		r.calls[opResolveIndex].Add(1)
		if err := ctx.Err(); err != nil {
			return ocispec.Descriptor{}, err
		}
		if r.hasFaults.Load() {
			if err := r.fault(OpResolve, ref.Repository()); err != nil {
				return ocispec.Descriptor{}, err
			}
		}
		if m := r.tags.get(ref.String()[len(ref.Registry())+1:]); m != nil {
			return m.desc, nil
		}
		m, err := r.find(ref.Repository(), ref.Tag())
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		return m.desc, nil
	}
	key := string(ref.Digest())
	if key == "" {
		key = ref.TagOrLatest()
	}
	m, err := r.resolve(ctx, OpResolve, ref.Repository(), key)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return m.desc, nil
}

// FetchManifest returns the descriptor and a copy of the bytes of the
// manifest ref names.
func (r *Registry) FetchManifest(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, []byte, error) {
	repo, key := refKey(ref)
	m, err := r.resolve(ctx, OpFetch, repo, key)
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	return m.desc, slices.Clone(m.data), nil
}

// Tag points the tag of ref at manifest d of the same repository.
func (r *Registry) Tag(ctx context.Context, ref reference.Reference, d digest.Digest) error {
	if !ref.HasTag() {
		return fmt.Errorf("memory: tag %s: reference has no tag", ref)
	}
	return r.setTag(ctx, ref.Repository(), ref.Tag(), d, nil)
}

// SwapTag points the tag of ref at d only if it points at old now (or
// does not exist, when old is ""), as one atomic step.
func (r *Registry) SwapTag(ctx context.Context, ref reference.Reference, old, d digest.Digest) error {
	if !ref.HasTag() {
		return fmt.Errorf("memory: swap tag %s: reference has no tag", ref)
	}
	return r.setTag(ctx, ref.Repository(), ref.Tag(), d, &old)
}

// DeleteTag removes the tag of ref, leaving the manifest in place.
func (r *Registry) DeleteTag(ctx context.Context, ref reference.Reference) error {
	if !ref.HasTag() {
		return fmt.Errorf("memory: delete tag %s: reference has no tag", ref)
	}
	return r.deleteTag(ctx, ref.Repository(), ref.Tag())
}

// Tags returns one page of the repository's tags in lexical order. limit
// zero or less means DefaultPageSize. Cursors are opaque strings that only
// this registry understands.
func (r *Registry) Tags(ctx context.Context, repo reference.Reference, cursor string, limit int) (promote.TagPage, error) {
	last := ""
	if cursor != "" {
		var err error
		if last, err = decodeCursor(cursor); err != nil {
			return promote.TagPage{}, err
		}
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	tags, more, err := r.listTags(ctx, repo.Repository(), last, limit)
	if err != nil {
		return promote.TagPage{}, err
	}
	page := promote.TagPage{Tags: tags}
	if more {
		page.Next = encodeCursor(tags[len(tags)-1])
	}
	return page, nil
}
