package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/registry"
	orasremote "oras.land/oras-go/v2/registry/remote"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// The backend hands out its repositories as oras-go targets, so
// promote.Copy can move images between registries.
var (
	_ promote.ContentProvider = (*Registry)(nil)
	_ oras.GraphTarget        = (*target)(nil)
	_ registry.Mounter        = (*target)(nil)
	_ registry.ReferrerLister = (*target)(nil)
)

// ContentTarget returns the repository repo names (its tag and digest are
// ignored) as an oras-go target speaking the OCI Distribution API with
// this Registry's credentials, retries and transport. A reference on
// another host is refused.
//
// The target finds referrers through the referrers API, and through the
// referrers tag schema (a sha256-<hex> tag holding an index) when the
// registry answers that it has no such API. Pushing a manifest with a
// subject to a registry that does not index it (its answer has no
// OCI-Subject header) updates the tag-schema index at the destination;
// the previous index is left in place, never deleted. Errors are *Error
// values that match the promote sentinels, as for the other operations.
//
// Calls that read or write metadata (Exists, Resolve, Tag, Referrers) are
// bounded like the backend's other calls. Fetch, Push and Mount move
// content, which may take long for a large layer: they have no call
// deadline of their own, only the per-attempt answer timeout and the
// caller's context.
func (r *Registry) ContentTarget(repo reference.Reference) (oras.GraphTarget, error) {
	if repo.IsZero() {
		return nil, errors.New("remote: content target: empty repository reference")
	}
	if repo.Registry() != r.host {
		return nil, fmt.Errorf("remote: content target %q: the reference is on registry %q; this backend serves %q", repo.Name(), repo.Registry(), r.host)
	}
	return &target{r: r, name: repo.Name(), repo: &orasremote.Repository{
		Client:           r.client,
		Reference:        registry.Reference{Registry: r.host, Repository: repo.Repository()},
		PlainHTTP:        r.plain,
		MaxMetadataBytes: MaxManifestSize,
		SkipReferrersGC:  true,
	}}, nil
}

type target struct {
	r    *Registry
	name string
	repo *orasremote.Repository
}

// targetError is an *Error that also unwraps to the error oras-go
// returned, so that oras-go's graph copy still recognises its own
// conditions (content already there, a manifest missing its children).
// Its text is the *Error's, scrubbed of credentials.
type targetError struct {
	public error
	raw    error
}

func (e *targetError) Error() string   { return e.public.Error() }
func (e *targetError) Unwrap() []error { return []error{e.public, e.raw} }

func (t *target) fail(op, subject string, err error, st *callState) error {
	if err == nil {
		return nil
	}
	return &targetError{public: t.r.wrap(op, t.name+subject, err, st), raw: err}
}

// Fetch reads the manifest or blob desc names.
func (t *target) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	ctx, st := t.r.beginTransfer(ctx)
	rc, err := t.repo.Fetch(ctx, desc)
	return rc, t.fail("fetch", "@"+desc.Digest.String(), err, st)
}

// Exists reports whether the repository holds desc, with one HEAD.
func (t *target) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	ctx, st, cancel := t.r.begin(ctx)
	defer cancel()
	ok, err := t.repo.Exists(ctx, desc)
	return ok, t.fail("exists", "@"+desc.Digest.String(), err, st)
}

// Push uploads a manifest or blob.
func (t *target) Push(ctx context.Context, desc ocispec.Descriptor, content io.Reader) error {
	ctx, st := t.r.beginTransfer(ctx)
	return t.fail("push", "@"+desc.Digest.String(), t.repo.Push(ctx, desc, content), st)
}

// Resolve returns the descriptor of the manifest a tag or digest names.
func (t *target) Resolve(ctx context.Context, ref string) (ocispec.Descriptor, error) {
	ctx, st, cancel := t.r.begin(ctx)
	defer cancel()
	desc, err := t.repo.Resolve(ctx, ref)
	return desc, t.fail("resolve", refSuffix(ref), err, st)
}

// Tag points tag at the manifest desc names.
func (t *target) Tag(ctx context.Context, desc ocispec.Descriptor, tag string) error {
	ctx, st, cancel := t.r.begin(ctx)
	defer cancel()
	return t.fail("tag", ":"+tag, t.repo.Tag(ctx, desc, tag), st)
}

// Predecessors lists the referrers of desc.
func (t *target) Predecessors(ctx context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	ctx, st, cancel := t.r.begin(ctx)
	defer cancel()
	out, err := t.repo.Predecessors(ctx, desc)
	return out, t.fail("list referrers", "@"+desc.Digest.String(), err, st)
}

// Referrers lists the referrers of desc page by page.
func (t *target) Referrers(ctx context.Context, desc ocispec.Descriptor, artifactType string, fn func([]ocispec.Descriptor) error) error {
	ctx, st, cancel := t.r.begin(ctx)
	defer cancel()
	return t.fail("list referrers", "@"+desc.Digest.String(), t.repo.Referrers(ctx, desc, artifactType, fn), st)
}

// Mount asks the registry to take the blob from repository from, and
// uploads what getContent returns when it cannot.
func (t *target) Mount(ctx context.Context, desc ocispec.Descriptor, from string, getContent func() (io.ReadCloser, error)) error {
	ctx, st := t.r.beginTransfer(ctx)
	return t.fail("mount", "@"+desc.Digest.String(), t.repo.Mount(ctx, desc, from, getContent), st)
}

// beginTransfer starts a call that moves content: its own retry budget
// and response state, as begin, but no call deadline, which would cut a
// large layer short. Each attempt still waits for an answer at most the
// request timeout once its body is sent, and the caller's context bounds
// the whole.
func (r *Registry) beginTransfer(ctx context.Context) (context.Context, *callState) {
	ctx, st := withCallState(ctx)
	return context.WithValue(ctx, retryBudgetKey{}, &retryBudget{start: time.Now()}), st
}

func refSuffix(ref string) string {
	for i := 0; i < len(ref); i++ {
		if ref[i] == ':' {
			return "@" + ref
		}
	}
	return ":" + ref
}
