package memory_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// TestConcurrentUse mixes every kind of call from many goroutines; run
// with -race it checks the lock-free read path against the writers.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"a"}},
		memory.Image{Repository: "team/app", Tags: []string{"b"}},
	)
	require.NoError(t, err)
	h := reg.Handler()
	const workers, iterations = 8, 200
	tags := make([]reference.Reference, 5)
	for i := range tags {
		tags[i] = ref(t, fmt.Sprintf("r.test/team/app:t%d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*iterations)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range iterations {
				tag := tags[i%5]
				switch (w + i) % 6 {
				case 0:
					if err := reg.Tag(ctx, tag, ds[i%2]); err != nil {
						errs <- err
					}
				case 1:
					if _, err := reg.Resolve(ctx, tag); err != nil && !assert.ErrorIs(t, err, promote.ErrNotFound) {
						errs <- err
					}
				case 2:
					if err := reg.DeleteTag(ctx, tag); err != nil && !assert.ErrorIs(t, err, promote.ErrNotFound) {
						errs <- err
					}
				case 3:
					if _, err := promote.AllTags(ctx, reg, tag); err != nil {
						errs <- err
					}
				case 4:
					if rec := do(h, "GET", "/v2/team/app/manifests/a", nil, nil); rec.Code != http.StatusOK {
						errs <- fmt.Errorf("GET manifest: %d", rec.Code)
					}
				case 5:
					if _, err := reg.Seed(memory.Image{Repository: fmt.Sprintf("team/w%d", w), Tags: []string{"x"}}); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every logged write has a distinct, gapless sequence number.
	for i, e := range reg.Events() {
		assert.Equal(t, i+1, e.Seq)
	}
}
