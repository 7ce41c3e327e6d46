package promote

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

// DeriveAgainst derives the tag set of a build against the tags repo's
// repository has now: it lists every tag (following all pages), adds them
// to f.ExistingTags, and calls tagging.Derive. So a 2.4.2 hotfix published
// after 2.5.0 moves 2.4, but never 2 or latest backwards, without the
// caller passing the tags by hand.
//
// A repository the registry does not know yet (ErrNotFound) has no tags,
// which is the first release of a new repository. Any other listing
// failure, including a listing cut short, returns the error and no set:
// a set derived from part of the tags could move a tag backwards. f is not
// modified.
func DeriveAgainst(ctx context.Context, r Registry, repo reference.Reference, f tagging.Facts, s tagging.Scheme) (tagging.Set, error) {
	if r == nil {
		return tagging.Set{}, errNilRegistry
	}
	if repo.IsZero() {
		return tagging.Set{}, errors.New("promote: derive: empty repository reference")
	}
	tags, err := AllTags(ctx, r, repo.NameOnly())
	if err != nil && !errors.Is(err, ErrNotFound) {
		return tagging.Set{}, fmt.Errorf("promote: list the tags of %s before deriving: %w", repo.Name(), err)
	}
	if errors.Is(err, ErrNotFound) {
		tags = nil
	}
	f.ExistingTags = append(slices.Clip(f.ExistingTags), tags...)
	return tagging.Derive(f, s)
}
