package memory_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
)

// TestTagIndexAgainstAModel creates, moves and deletes random tags in two
// repositories, and checks every resolve and every page of the listing
// against a plain map and a sorted slice.
func TestTagIndexAgainstAModel(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "team/a", Content: "one"},
		memory.Image{Repository: "team/a", Content: "two"},
		memory.Image{Repository: "team/b", Content: "one"},
		memory.Image{Repository: "team/b", Content: "two"},
	)
	require.NoError(t, err)
	digests := map[string][]digest.Digest{"team/a": ds[:2], "team/b": ds[2:]}
	model := map[string]map[string]digest.Digest{"team/a": {}, "team/b": {}}
	rng := rand.New(rand.NewPCG(7, 7))

	for step := range 5000 {
		repo := []string{"team/a", "team/b"}[rng.IntN(2)]
		tag := "t" + strconv.Itoa(rng.IntN(300))
		r := ref(t, "registry.test/"+repo+":"+tag)
		if rng.IntN(3) == 0 {
			err := reg.DeleteTag(ctx, r)
			if _, ok := model[repo][tag]; ok {
				require.NoError(t, err, "step %d", step)
				delete(model[repo], tag)
			} else {
				require.ErrorIs(t, err, promote.ErrNotFound, "step %d", step)
			}
		} else {
			d := digests[repo][rng.IntN(2)]
			require.NoError(t, reg.Tag(ctx, r, d), "step %d", step)
			model[repo][tag] = d
		}
		if step%250 != 0 {
			continue
		}
		for repo, tags := range model {
			want := slices.Sorted(func(yield func(string) bool) {
				for tag := range tags {
					if !yield(tag) {
						return
					}
				}
			})
			var got []string
			cursor := ""
			for {
				page, err := reg.Tags(ctx, ref(t, "registry.test/"+repo), cursor, 7)
				require.NoError(t, err)
				got = append(got, page.Tags...)
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			require.Equal(t, want, got, "listing of %s at step %d", repo, step)
			for i := range 300 {
				tag := "t" + strconv.Itoa(i)
				desc, err := reg.Resolve(ctx, ref(t, "registry.test/"+repo+":"+tag))
				if d, ok := tags[tag]; ok {
					require.NoError(t, err)
					assert.Equal(t, d, desc.Digest, "%s:%s at step %d", repo, tag, step)
				} else if !errors.Is(err, promote.ErrNotFound) {
					t.Fatalf("%s:%s at step %d: want not found, got %v", repo, tag, step, err)
				}
			}
		}
	}
}
