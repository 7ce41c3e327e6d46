package promote_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// A retried call whose first attempt succeeded finds every tag at its
// target and succeeds with nothing moved, whatever its precondition said.
func TestRetryConverges(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		opts func(d1, d2 digest.Digest) []promote.Option
	}{
		{"expect current", func(d1, d2 digest.Digest) []promote.Option { return []promote.Option{promote.ExpectCurrent(d1)} }},
		{"expect absent", func(d1, d2 digest.Digest) []promote.Option { return []promote.Option{promote.ExpectAbsent()} }},
		{"no precondition", func(d1, d2 digest.Digest) []promote.Option { return nil }},
	}
	for _, tt := range tests {
		for _, backend := range []string{"swapper", "plain"} {
			t.Run(tt.name+"/"+backend, func(t *testing.T) {
				mem, d1, d2 := fixture(t)
				var reg promote.Registry = mem
				if backend == "plain" {
					reg = plainRegistry{mem}
				}
				src := ref(t, "r.test/team/app:1.1.0")
				// The first attempt lands; its answer is lost, so the job
				// runs the same call again.
				require.NoError(t, mem.Tag(ctx, ref(t, "r.test/team/app:prod"), d2))
				rec, err := promote.Promote(ctx, reg, src, "prod", tt.opts(d1, d2)...)
				require.NoError(t, err)
				assert.Empty(t, rec.Moved())
				assert.Equal(t, []promote.TagChange{{Tag: "prod", Digest: d2, Previous: d2}}, rec.Tags)
			})
		}
	}
}

func TestRollbackTwiceConverges(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"swapper", "plain"} {
		t.Run(backend, func(t *testing.T) {
			mem, d1, d2 := fixture(t)
			var reg promote.Registry = mem
			if backend == "plain" {
				reg = deleterRegistry{mem}
			}
			require.NoError(t, mem.Tag(ctx, ref(t, "r.test/team/app:prod"), d1))
			rec, err := promote.Publish(ctx, reg, ref(t, "r.test/team/app:1.1.0"), []string{"prod", "edge"})
			require.NoError(t, err)
			require.Equal(t, []string{"prod", "edge"}, rec.Moved())

			first, err := promote.Rollback(ctx, reg, rec)
			require.NoError(t, err)
			assert.Equal(t, []string{"prod", "edge"}, first.Moved())

			second, err := promote.Rollback(ctx, reg, rec)
			require.NoError(t, err, "a rollback already done is done")
			assert.Empty(t, second.Moved())
			assert.Len(t, second.Tags, 2)

			got, err := mem.Resolve(ctx, ref(t, "r.test/team/app:prod"))
			require.NoError(t, err)
			assert.Equal(t, d1, got.Digest)
			_, err = mem.Resolve(ctx, ref(t, "r.test/team/app:edge"))
			assert.ErrorIs(t, err, promote.ErrNotFound)
			_ = d2
		})
	}
}

// deleterRegistry hides the fake's TagSwapper but keeps TagDeleter.
type deleterRegistry struct{ *memory.Registry }

func (d deleterRegistry) SwapTag() {} // shadows the fake's SwapTag with another signature

// racingRegistry lets another writer move a tag between the operation's
// read and its write, once per tag.
type racingRegistry struct {
	*memory.Registry
	t      testing.TB
	moveTo map[string]digest.Digest // tag -> where the other writer puts it
}

func (r *racingRegistry) Resolve(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, error) {
	desc, err := r.Registry.Resolve(ctx, ref)
	if d, ok := r.moveTo[ref.Tag()]; ok && !ref.IsPinned() {
		delete(r.moveTo, ref.Tag())
		require.NoError(r.t, r.Registry.Tag(ctx, ref, d))
	}
	return desc, err
}

// A Publish racing another writer records the digest its swap actually
// replaced, so rolling the record back restores the other writer's image.
func TestRecordPreviousIsWhatTheSwapReplaced(t *testing.T) {
	ctx := context.Background()
	mem, d1, d2 := fixture(t)
	ds, err := mem.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.2.0"}})
	require.NoError(t, err)
	d3 := ds[0]
	require.NoError(t, mem.Tag(ctx, ref(t, "r.test/team/app:prod"), d1))
	race := &racingRegistry{Registry: mem, t: t, moveTo: map[string]digest.Digest{"prod": d3}}

	rec, err := promote.Publish(ctx, race, ref(t, "r.test/team/app:1.1.0"), []string{"prod"})
	require.NoError(t, err)
	require.Len(t, rec.Tags, 1)
	assert.Equal(t, promote.TagChange{Tag: "prod", Digest: d2, Previous: d3, Moved: true, Basis: promote.BasisSwap}, rec.Tags[0],
		"the record names the other writer's digest, not the stale read")

	back, err := promote.Rollback(ctx, mem, rec)
	require.NoError(t, err)
	assert.Equal(t, []string{"prod"}, back.Moved())
	got, err := mem.Resolve(ctx, ref(t, "r.test/team/app:prod"))
	require.NoError(t, err)
	assert.Equal(t, d3, got.Digest)
}

func TestPromoteRacingWithExpectation(t *testing.T) {
	ctx := context.Background()
	mem, d1, d2 := fixture(t)
	ds, err := mem.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.2.0"}})
	require.NoError(t, err)
	require.NoError(t, mem.Tag(ctx, ref(t, "r.test/team/app:prod"), d1))
	race := &racingRegistry{Registry: mem, t: t, moveTo: map[string]digest.Digest{"prod": ds[0]}}

	rec, err := promote.Promote(ctx, race, ref(t, "r.test/team/app:1.1.0"), "prod", promote.ExpectCurrent(d1))
	require.ErrorIs(t, err, promote.ErrPreconditionFailed, "the other writer won; ours must not overwrite it")
	assert.Empty(t, rec.Moved())
	got, err := mem.Resolve(ctx, ref(t, "r.test/team/app:prod"))
	require.NoError(t, err)
	assert.Equal(t, ds[0], got.Digest)
	_ = d2
}

// lossyRegistry applies writes and then loses their answers.
type lossyRegistry struct {
	*memory.Registry
	lose error
}

func (l lossyRegistry) Tag(ctx context.Context, ref reference.Reference, d digest.Digest) error {
	if err := l.Registry.Tag(ctx, ref, d); err != nil {
		return err
	}
	return l.lose
}

func (l lossyRegistry) DeleteTag(ctx context.Context, ref reference.Reference) error {
	if err := l.Registry.DeleteTag(ctx, ref); err != nil {
		return err
	}
	return l.lose
}

func (l lossyRegistry) SwapTag() {} // hide the fake's atomic swap

// refusingRegistry refuses every write with err, changing nothing.
type refusingRegistry struct {
	*memory.Registry
	err error
}

func (r refusingRegistry) Tag(context.Context, reference.Reference, digest.Digest) error {
	return r.err
}

func (r refusingRegistry) SwapTag() {}

func TestLostAnswerIsCheckedBeforeRecording(t *testing.T) {
	ctx := context.Background()
	reset := &netErr{syscall.ECONNRESET}
	tests := []struct {
		name      string
		reg       func(*memory.Registry) promote.Registry
		wantErr   error
		wantMoved bool
		wantBasis promote.Basis
	}{
		{"applied, answer lost", func(m *memory.Registry) promote.Registry { return lossyRegistry{m, reset} }, nil, true, promote.BasisReadBack},
		{"not applied, connection lost", func(m *memory.Registry) promote.Registry { return refusingRegistry{m, reset} }, syscall.ECONNRESET, false, ""},
		{"refused", func(m *memory.Registry) promote.Registry { return refusingRegistry{m, promote.ErrDenied} }, promote.ErrDenied, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem, _, d2 := fixture(t)
			rec, err := promote.Promote(ctx, tt.reg(mem), ref(t, "r.test/team/app:1.1.0"), "prod")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Len(t, rec.Tags, 1)
			assert.Equal(t, tt.wantMoved, rec.Tags[0].Moved)
			assert.Equal(t, tt.wantBasis, rec.Tags[0].Basis)
			got, rerr := mem.Resolve(ctx, ref(t, "r.test/team/app:prod"))
			if tt.wantMoved {
				require.NoError(t, rerr)
				assert.Equal(t, d2, got.Digest, "the record says moved and the registry agrees")
			} else {
				assert.ErrorIs(t, rerr, promote.ErrNotFound, "the record says not moved and the registry agrees")
			}
		})
	}
}

func TestDeleteAnsweringNotFoundOnRetryIsDone(t *testing.T) {
	ctx := context.Background()
	mem, _, d2 := fixture(t)
	rec, err := promote.Promote(ctx, mem, ref(t, "r.test/team/app:1.1.0"), "edge")
	require.NoError(t, err)
	// The DELETE lands, its answer is lost, and the retry answers 404.
	lossy := lossyRegistry{mem, promote.ErrNotFound}
	back, err := promote.Rollback(ctx, lossy, rec)
	require.NoError(t, err)
	assert.Equal(t, []promote.TagChange{{Tag: "edge", Previous: d2, Moved: true, Basis: promote.BasisReadBack}}, back.Tags)
	_, err = mem.Resolve(ctx, ref(t, "r.test/team/app:edge"))
	assert.ErrorIs(t, err, promote.ErrNotFound)
}

type netErr struct{ errno syscall.Errno }

func (e *netErr) Error() string { return "write tcp: " + e.errno.Error() }
func (e *netErr) Unwrap() error { return e.errno }
