package promote

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

// DeriveAgainst derives the tag set of a build against the tags its
// repositories have now: it lists every tag of each repository in repos
// (following all pages), adds them to f.ExistingTags, and calls
// tagging.Derive. So a 2.4.2 hotfix published after 2.5.0 moves 2.4, but
// never 2 or latest backwards, without the caller passing the tags by
// hand. With several repositories (mirrors of one image on several
// registries) the tags of all of them count, so every mirror gets the same
// set and a tag moves only where the build is the newest of its line in
// all of them.
//
// A repository the registry does not know yet (ErrNotFound) has no tags,
// which is the first release of a new repository. Any other listing
// failure, including a listing cut short, returns the error and no set:
// a set derived from part of the tags could move a tag backwards. f is not
// modified.
func DeriveAgainst(ctx context.Context, r Registry, f tagging.Facts, s tagging.Scheme, repos ...reference.Reference) (tagging.Set, error) {
	if r == nil {
		return tagging.Set{}, errNilRegistry
	}
	if len(repos) == 0 {
		return tagging.Set{}, errors.New("promote: derive: no repository to read the tags of")
	}
	existing := slices.Clip(f.ExistingTags)
	for _, repo := range repos {
		if repo.IsZero() {
			return tagging.Set{}, errors.New("promote: derive: empty repository reference")
		}
		tags, err := AllTags(ctx, r, repo.NameOnly())
		switch {
		case errors.Is(err, ErrNotFound) && len(tags) == 0:
			continue // a new repository
		case errors.Is(err, ErrNotFound):
			// Gone between two pages: deriving from the first pages alone
			// could move latest or a rolling tag backwards.
			return tagging.Set{}, fmt.Errorf("promote: list the tags of %s before deriving: the listing broke off after %d tags: %w", repo.Name(), len(tags), err)
		case err != nil:
			return tagging.Set{}, fmt.Errorf("promote: list the tags of %s before deriving: %w", repo.Name(), err)
		}
		existing = append(existing, tags...)
	}
	f.ExistingTags = existing
	return tagging.Derive(f, s)
}
