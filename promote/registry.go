package promote

import (
	"context"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/reference"
)

// Registry is what this package needs from an OCI registry.
//
// Implementations wrap the package's sentinel errors, so that callers can
// test for ErrNotFound and the others with errors.Is, and return
// ctx.Err() (or an error wrapping it) once ctx is done. They must be safe
// for concurrent use.
type Registry interface {
	// Resolve returns the descriptor (media type, digest and size) of the
	// manifest ref names. A pinned reference resolves by its digest and
	// ignores its tag; otherwise ref.TagOrLatest() is resolved. A missing
	// repository, tag or manifest gives an error matching ErrNotFound.
	Resolve(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, error)

	// Tag points the tag of ref at the manifest d, which must already be in
	// ref's repository (ErrNotFound otherwise). ref must carry a tag; its
	// digest, if any, is ignored. Moving a tag the registry protects gives
	// ErrTagImmutable. Tagging a manifest with the tag it already has
	// succeeds.
	Tag(ctx context.Context, ref reference.Reference, d digest.Digest) error

	// Tags returns one page of the tags of repo's repository (its tag and
	// digest are ignored) in the registry's order. cursor is "" for the
	// first page and the previous page's Next after that; it is opaque,
	// not necessarily a tag name. limit caps the page size; zero or less
	// lets the registry choose.
	Tags(ctx context.Context, repo reference.Reference, cursor string, limit int) (TagPage, error)
}

// TagPage is one page of a tag listing.
type TagPage struct {
	// Tags on this page; the slice is the caller's to keep.
	Tags []string
	// Next is the cursor for the following page, or "" on the last page.
	Next string
}

// TagDeleter is implemented by registries that can remove a tag without
// deleting the manifest it points at.
type TagDeleter interface {
	// DeleteTag removes the tag of ref. A missing tag gives ErrNotFound; a
	// protected one ErrTagImmutable.
	DeleteTag(ctx context.Context, ref reference.Reference) error
}

// ManifestFetcher is implemented by registries that can return a
// manifest's bytes, for reading an index's platform children or an image's
// annotations.
type ManifestFetcher interface {
	// FetchManifest returns the descriptor and raw bytes of the manifest ref
	// names, resolved as by Registry.Resolve. The bytes are the caller's to
	// keep and hash to the descriptor's digest.
	FetchManifest(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, []byte, error)
}

// TagSwapper is implemented by registries that can move a tag atomically
// only if it still points where the caller last saw it. Promote uses it for
// its expected-digest precondition; without it the check and the write are
// two calls, and a writer in between can slip through.
type TagSwapper interface {
	// SwapTag points the tag of ref at d if it currently points at old, or
	// does not exist when old is "". Otherwise it fails with an error
	// matching ErrPreconditionFailed and changes nothing.
	SwapTag(ctx context.Context, ref reference.Reference, old, d digest.Digest) error
}

// AllTags lists every tag of repo's repository by following Tags pages
// until the last. It stops with an error when a page repeats its cursor,
// so a faulty backend cannot loop forever.
func AllTags(ctx context.Context, r Registry, repo reference.Reference) ([]string, error) {
	if r == nil {
		return nil, errNilRegistry
	}
	var all []string
	cursor := ""
	seen := map[string]bool{}
	for {
		page, err := r.Tags(ctx, repo, cursor, 0)
		if err != nil {
			return all, err
		}
		all = append(all, page.Tags...)
		if page.Next == "" {
			return all, nil
		}
		if seen[page.Next] {
			return all, &cursorLoopError{repo: repo.Name(), cursor: page.Next}
		}
		seen[page.Next] = true
		cursor = page.Next
	}
}

type cursorLoopError struct{ repo, cursor string }

func (e *cursorLoopError) Error() string {
	return "promote: listing tags of " + e.repo + ": registry returned cursor " + e.cursor + " twice"
}
