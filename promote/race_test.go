package promote_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
)

// TestConcurrentPromotersOneWinsEachRound starts many promoters at once, all
// expecting the channel where it stood at the start of the round and each
// promoting a different build. Exactly one must win; every other record
// must say the precondition failed; no update may be lost.
func TestConcurrentPromotersOneWinsEachRound(t *testing.T) {
	const promoters, rounds = 8, 25
	ctx := context.Background()
	reg := memory.New()
	images := []memory.Image{{Repository: "team/app", Tags: []string{"production"}, Content: "base"}}
	for r := range rounds {
		for p := range promoters {
			images = append(images, memory.Image{Repository: "team/app", Content: fmt.Sprintf("round %d promoter %d", r, p)})
		}
	}
	ds, err := reg.Seed(images...)
	require.NoError(t, err)
	repo := ref(t, "r.test/team/app")
	channel := ref(t, "r.test/team/app:production")
	current := ds[0]

	for r := range rounds {
		type result struct {
			rec promote.Record
			err error
		}
		results := make([]result, promoters)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for p := range promoters {
			src, err := repo.WithDigest(ds[1+r*promoters+p])
			require.NoError(t, err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				rec, err := promote.Promote(ctx, reg, src, "production", promote.ExpectCurrent(current))
				results[p] = result{rec, err}
			}()
		}
		close(start)
		wg.Wait()

		var winner digest.Digest
		wins := 0
		for p, res := range results {
			require.Len(t, res.rec.Tags, 1, "round %d promoter %d", r, p)
			tc := res.rec.Tags[0]
			if res.err == nil {
				wins++
				winner = res.rec.Digest
				assert.True(t, tc.Moved)
				assert.Equal(t, current, tc.Previous)
				continue
			}
			assert.ErrorIs(t, res.err, promote.ErrPreconditionFailed, "round %d promoter %d", r, p)
			assert.False(t, tc.Moved)
			assert.Contains(t, tc.Error, "precondition failed", "the loser's record says why")
			assert.Contains(t, tc.Error, "expected it at "+current.String())
		}
		require.Equal(t, 1, wins, "round %d", r)
		desc, err := reg.Resolve(ctx, channel)
		require.NoError(t, err)
		require.Equal(t, winner, desc.Digest, "round %d: the winner's write stands", r)
		current = winner
	}

	writes := 0
	for _, e := range reg.Events() {
		if e.Op == memory.OpTag && e.Tag == "production" {
			writes++
		}
	}
	assert.Equal(t, rounds, writes, "one write per round, no lost or extra updates")
}
