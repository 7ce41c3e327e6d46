package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// The fake hands out its repositories as oras-go targets, so promote.Copy
// can move images into and out of it.
var (
	_ promote.ContentProvider = (*Registry)(nil)
	_ oras.GraphTarget        = (*target)(nil)
	_ registry.Mounter        = (*target)(nil)
	_ registry.ReferrerLister = (*target)(nil)
)

// ContentTarget returns the repository repo names (matched by path, as
// everywhere in the fake; its tag and digest are ignored) as an oras-go
// target: Fetch, Exists and Push of manifests and blobs, Resolve and Tag
// of tags, Predecessors and Referrers through the fake's referrers index,
// and Mount of a blob from another repository of this registry. Its calls
// count, log and fail under injected faults like the registry's other
// operations: reads of manifests as OpFetch, existence checks and resolves
// as OpResolve, blob reads and writes as OpBlob, manifest writes as
// OpPushManifest and tagging as OpTag.
func (r *Registry) ContentTarget(repo reference.Reference) (oras.GraphTarget, error) {
	if repo.IsZero() {
		return nil, errors.New("memory: content target: empty repository reference")
	}
	return &target{r: r, repo: repo.Repository()}, nil
}

type target struct {
	r    *Registry
	repo string
}

// isManifestMediaType reports the media types the fake stores as
// manifests rather than blobs.
func isManifestMediaType(mt string) bool {
	switch mt {
	case ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex, mediaTypeDockerManifest, mediaTypeDockerList:
		return true
	}
	return false
}

// orasError makes a not-found error of the fake match oras-go's
// errdef.ErrNotFound as well, which oras-go tests for.
func orasError(err error) error {
	if err != nil && errors.Is(err, promote.ErrNotFound) && !errors.Is(err, errdef.ErrNotFound) {
		return &notFoundBoth{err}
	}
	return err
}

type notFoundBoth struct{ err error }

func (e *notFoundBoth) Error() string   { return e.err.Error() }
func (e *notFoundBoth) Unwrap() []error { return []error{e.err, errdef.ErrNotFound} }

// Fetch returns the manifest or blob desc names.
func (t *target) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if isManifestMediaType(desc.MediaType) {
		m, err := t.r.resolve(ctx, OpFetch, t.repo, string(desc.Digest))
		if err != nil {
			return nil, orasError(err)
		}
		return io.NopCloser(bytes.NewReader(m.data)), nil
	}
	data, err := t.r.getBlob(ctx, t.repo, desc.Digest)
	if err != nil {
		return nil, orasError(err)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Exists reports whether the repository holds the manifest or blob desc
// names.
func (t *target) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	var err error
	if isManifestMediaType(desc.MediaType) {
		_, err = t.r.resolve(ctx, OpResolve, t.repo, string(desc.Digest))
	} else {
		_, err = t.r.getBlob(ctx, t.repo, desc.Digest)
	}
	if errors.Is(err, promote.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Push stores a manifest or blob after checking it against desc.
func (t *target) Push(ctx context.Context, desc ocispec.Descriptor, content io.Reader) error {
	limit := t.r.UploadLimits().MaxBlobSize
	if isManifestMediaType(desc.MediaType) {
		limit = maxManifestSize
	}
	if desc.Size < 0 || desc.Size > limit {
		return fmt.Errorf("memory: push %s of %d bytes: want 0..%d bytes", desc.Digest, desc.Size, limit)
	}
	data, err := io.ReadAll(io.LimitReader(content, desc.Size+1))
	if err != nil {
		return fmt.Errorf("memory: push %s: reading content: %w", desc.Digest, err)
	}
	if int64(len(data)) != desc.Size {
		return fmt.Errorf("memory: push %s: content has %d bytes, the descriptor says %d", desc.Digest, len(data), desc.Size)
	}
	if err := verify(desc.Digest, data); err != nil {
		return err
	}
	if !isManifestMediaType(desc.MediaType) {
		return t.r.putBlob(ctx, t.repo, desc.Digest, data)
	}
	_, _, err = t.r.putManifest(ctx, t.repo, "", desc.Digest, desc.MediaType, data)
	return orasError(err)
}

// Resolve returns the descriptor of the manifest a tag or digest names.
func (t *target) Resolve(ctx context.Context, ref string) (ocispec.Descriptor, error) {
	m, err := t.r.resolve(ctx, OpResolve, t.repo, ref)
	if err != nil {
		return ocispec.Descriptor{}, orasError(err)
	}
	return m.desc, nil
}

// Tag points tag at the manifest desc names.
func (t *target) Tag(ctx context.Context, desc ocispec.Descriptor, tag string) error {
	if err := reference.ValidateTag(tag); err != nil {
		return fmt.Errorf("memory: tag %q in repository %q: %w", tag, t.repo, err)
	}
	return orasError(t.r.setTag(ctx, t.repo, tag, desc.Digest, nil))
}

// Predecessors returns the referrers of the manifest desc names; none
// when the repository does not exist (yet).
func (t *target) Predecessors(ctx context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	out, err := t.r.referrers(ctx, t.repo, desc.Digest, "")
	var nu *nameUnknownError
	if errors.As(err, &nu) {
		return nil, nil
	}
	return out, orasError(err)
}

// Referrers calls fn once with the referrers of desc, filtered by
// artifactType when it is not empty.
func (t *target) Referrers(ctx context.Context, desc ocispec.Descriptor, artifactType string, fn func([]ocispec.Descriptor) error) error {
	out, err := t.r.referrers(ctx, t.repo, desc.Digest, artifactType)
	var nu *nameUnknownError
	if errors.As(err, &nu) {
		return nil
	}
	if err != nil {
		return orasError(err)
	}
	if len(out) == 0 {
		return nil
	}
	return fn(out)
}

// Mount takes the blob from repository from of this registry, or, when
// it is not there, stores what getContent returns.
func (t *target) Mount(ctx context.Context, desc ocispec.Descriptor, from string, getContent func() (io.ReadCloser, error)) error {
	ok, err := t.r.mountBlob(ctx, t.repo, from, desc.Digest)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	rc, err := getContent()
	if err != nil {
		return err
	}
	defer rc.Close()
	return t.Push(ctx, desc, rc)
}
