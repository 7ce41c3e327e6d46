package promote_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

var fixedTime = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedTime }

func ref(t testing.TB, s string) reference.Reference {
	t.Helper()
	r, err := reference.Parse(s)
	require.NoError(t, err)
	return r
}

// fixture seeds team/app with builds 1.0.0 and 1.1.0 and returns their digests.
func fixture(t testing.TB) (*memory.Registry, digest.Digest, digest.Digest) {
	t.Helper()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"1.0.0"}},
		memory.Image{Repository: "team/app", Tags: []string{"1.1.0"}},
	)
	require.NoError(t, err)
	return reg, ds[0], ds[1]
}

func TestPublish(t *testing.T) {
	ctx := context.Background()
	reg, d1, d2 := fixture(t)
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:1.1"), d1))
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:1"), d2))
	reg.ResetEvents()

	rec, err := promote.Publish(ctx, reg, ref(t, "r.test/team/app:1.1.0"), []string{"1.1", "1", "latest", "1"}, promote.WithClock(clock))
	require.NoError(t, err)
	assert.Equal(t, promote.Record{
		Operation:  "publish",
		Repository: "r.test/team/app",
		Source:     "r.test/team/app:1.1.0",
		Digest:     d2,
		Tags: []promote.TagChange{
			{Tag: "1.1", Digest: d2, Previous: d1, Moved: true, Basis: promote.BasisSwap},
			{Tag: "1", Digest: d2, Previous: d2},
			{Tag: "latest", Digest: d2, Moved: true, Basis: promote.BasisSwap},
		},
		Time: fixedTime,
	}, rec)
	assert.Equal(t, []string{"1.1", "latest"}, rec.Moved())
	assert.Empty(t, rec.Failed())
	assert.Len(t, reg.Events(), 2, "the tag already at the digest is not written")

	// Running it again writes nothing.
	reg.ResetEvents()
	rec, err = promote.Publish(ctx, reg, ref(t, "r.test/team/app:1.1.0"), []string{"1.1", "1", "latest"})
	require.NoError(t, err)
	assert.Empty(t, rec.Moved())
	assert.Empty(t, reg.Events())
	assert.False(t, rec.Time.IsZero(), "default clock")
}

func TestPublishPartialFailure(t *testing.T) {
	ctx := context.Background()
	reg, d1, d2 := fixture(t)
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:stable"), d1))
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:v1"), d1))
	require.NoError(t, reg.SetImmutable(memory.Rule{Tags: []string{"stable"}}))

	rec, err := promote.Publish(ctx, reg, ref(t, "r.test/team/app@"+d2.String()),
		[]string{"latest", "stable", "v1", "edge", "-bad"}, promote.WithImmutablePatterns("v*"))
	require.Error(t, err)
	var pe *promote.PartialError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, []string{"latest", "edge"}, pe.Moved)
	assert.Equal(t, []string{"stable", "v1", "-bad"}, pe.Failed)
	assert.ErrorIs(t, err, promote.ErrTagImmutable)
	assert.ErrorIs(t, err, reference.ErrInvalidTag)
	assert.Contains(t, err.Error(), `"stable"`)
	assert.Equal(t, []string{"latest", "edge"}, rec.Moved())
	assert.Equal(t, []string{"stable", "v1", "-bad"}, rec.Failed())
	for _, tc := range rec.Tags {
		if tc.Tag == "v1" {
			assert.Equal(t, d1, tc.Previous)
			assert.Contains(t, tc.Error, "immutable")
		}
	}
	// The record says what happened in JSON too.
	data, err := json.Marshal(rec)
	require.NoError(t, err)
	var back promote.Record
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, rec.Moved(), back.Moved())
	assert.Equal(t, rec.Failed(), back.Failed())
}

func TestPublishErrors(t *testing.T) {
	ctx := context.Background()
	reg, _, _ := fixture(t)
	boom := errors.New("boom")
	tests := []struct {
		name  string
		reg   promote.Registry
		src   string
		tags  []string
		opts  []promote.Option
		fault *memory.Fault
		want  error
	}{
		{name: "missing source", reg: reg, src: "r.test/team/app:9.9.9", tags: []string{"x"}, want: promote.ErrNotFound},
		{name: "no tags", reg: reg, src: "r.test/team/app:1.0.0"},
		{name: "bad pattern", reg: reg, src: "r.test/team/app:1.0.0", tags: []string{"x"}, opts: []promote.Option{promote.WithImmutablePatterns("[")}},
		{name: "precondition on a set", reg: reg, src: "r.test/team/app:1.0.0", tags: []string{"x"}, opts: []promote.Option{promote.ExpectAbsent()}},
		{name: "nil registry", src: "r.test/team/app:1.0.0", tags: []string{"x"}},
		{name: "tag write fails", reg: reg, src: "r.test/team/app:1.0.0", tags: []string{"x"}, fault: &memory.Fault{Op: memory.OpTag, Err: boom}, want: boom},
		{name: "read of current fails", reg: reg, src: "r.test/team/app:1.0.0", tags: []string{"x"}, fault: &memory.Fault{Op: memory.OpResolve, After: 1, Err: promote.ErrUnauthorized}, want: promote.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				reg.InjectFault(*tt.fault)
				defer reg.ClearFaults()
			}
			_, err := promote.Publish(ctx, tt.reg, ref(t, tt.src), tt.tags, tt.opts...)
			require.Error(t, err)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := promote.Publish(cancelled, reg, ref(t, "r.test/team/app:1.0.0"), []string{"x"})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestPromote(t *testing.T) {
	ctx := context.Background()
	reg, d1, d2 := fixture(t)
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:production"), d1))

	tests := []struct {
		name      string
		src       string
		channel   string
		opts      []promote.Option
		want      error
		moved     bool
		prev      digest.Digest
		finalProd digest.Digest
	}{
		{name: "create staging", src: "r.test/team/app:1.1.0", channel: "staging", moved: true},
		{name: "staging again is a no-op", src: "r.test/team/app:1.1.0", channel: "staging", prev: d2},
		{name: "stale expectation", src: "r.test/team/app:staging", channel: "production", opts: []promote.Option{promote.ExpectCurrent(d2)}, want: promote.ErrPreconditionFailed, prev: d1, finalProd: d1},
		{name: "expect absent but present", src: "r.test/team/app:staging", channel: "production", opts: []promote.Option{promote.ExpectAbsent()}, want: promote.ErrPreconditionFailed, prev: d1, finalProd: d1},
		{name: "protected channel", src: "r.test/team/app:staging", channel: "production", opts: []promote.Option{promote.WithImmutable(func(tag string) bool { return tag == "production" })}, want: promote.ErrTagImmutable, prev: d1, finalProd: d1},
		{name: "by digest with expectation", src: "r.test/team/app@" + d2.String(), channel: "production", opts: []promote.Option{promote.ExpectCurrent(d1)}, moved: true, prev: d1, finalProd: d2},
		{name: "missing source", src: "r.test/team/app:nope", channel: "production", want: promote.ErrNotFound, finalProd: d2},
		{name: "invalid channel", src: "r.test/team/app:1.0.0", channel: "no/slash", want: reference.ErrInvalidTag, finalProd: d2},
		{name: "invalid expectation", src: "r.test/team/app:1.0.0", channel: "production", opts: []promote.Option{promote.ExpectCurrent("sha256:short")}, want: digest.ErrDigestInvalidLength, finalProd: d2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := promote.Promote(ctx, reg, ref(t, tt.src), tt.channel, tt.opts...)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			} else {
				require.NoError(t, err)
			}
			if len(rec.Tags) == 1 {
				assert.Equal(t, tt.moved, rec.Tags[0].Moved)
				assert.Equal(t, tt.prev, rec.Tags[0].Previous)
				assert.Equal(t, tt.want != nil, rec.Tags[0].Error != "")
			} else {
				assert.False(t, tt.moved)
			}
			if tt.finalProd != "" {
				desc, err := reg.Resolve(ctx, ref(t, "r.test/team/app:production"))
				require.NoError(t, err)
				assert.Equal(t, tt.finalProd, desc.Digest)
			}
		})
	}
}

// plainRegistry hides the optional interfaces of the fake.
type plainRegistry struct{ promote.Registry }

func TestPromoteWithoutSwapper(t *testing.T) {
	ctx := context.Background()
	reg, d1, d2 := fixture(t)
	plain := plainRegistry{reg}
	_, err := promote.Promote(ctx, plain, ref(t, "r.test/team/app:1.0.0"), "prod", promote.ExpectAbsent())
	require.NoError(t, err)
	_, err = promote.Promote(ctx, plain, ref(t, "r.test/team/app:1.1.0"), "prod", promote.ExpectCurrent(d2))
	assert.ErrorIs(t, err, promote.ErrPreconditionFailed)
	rec, err := promote.Promote(ctx, plain, ref(t, "r.test/team/app:1.1.0"), "prod", promote.ExpectCurrent(d1))
	require.NoError(t, err)
	assert.Equal(t, []string{"prod"}, rec.Moved())
}

func TestRollbackFromRecord(t *testing.T) {
	ctx := context.Background()
	reg, d1, d2 := fixture(t)
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:1"), d1))
	rec, err := promote.Publish(ctx, reg, ref(t, "r.test/team/app:1.1.0"), []string{"1", "latest", "1.1.0"}, promote.WithClock(clock))
	require.NoError(t, err)

	back, err := promote.Rollback(ctx, reg, rec, promote.WithClock(clock))
	require.NoError(t, err)
	assert.Equal(t, "rollback", back.Operation)
	assert.Equal(t, "publish at 2026-11-23T12:00:00Z", back.Source)
	assert.Equal(t, []promote.TagChange{
		{Tag: "1", Digest: d1, Previous: d2, Moved: true, Basis: promote.BasisSwap},
		{Tag: "latest", Previous: d2, Moved: true, Basis: promote.BasisRead},
	}, back.Tags)
	assert.Empty(t, back.Digest, "rollback sent tags to different places")
	desc, err := reg.Resolve(ctx, ref(t, "r.test/team/app:1"))
	require.NoError(t, err)
	assert.Equal(t, d1, desc.Digest)
	_, err = reg.Resolve(ctx, ref(t, "r.test/team/app:latest"))
	assert.ErrorIs(t, err, promote.ErrNotFound, "a tag the publish created is removed")

	// Rolling back the rollback restores the publish.
	again, err := promote.Rollback(ctx, reg, back)
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "latest"}, again.Moved())
	assert.Equal(t, d2, again.Digest)

	// Rolling back a record whose tags moved since refuses to clobber them.
	_, err = promote.Promote(ctx, reg, ref(t, "r.test/team/app:1.0.0"), "latest")
	require.NoError(t, err)
	stale, err := promote.Rollback(ctx, reg, again)
	var pe *promote.PartialError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, []string{"1"}, pe.Moved)
	assert.Equal(t, []string{"latest"}, pe.Failed)
	assert.ErrorIs(t, err, promote.ErrPreconditionFailed)
	assert.Equal(t, []string{"latest"}, stale.Failed())
}

func TestRollbackErrors(t *testing.T) {
	ctx := context.Background()
	reg, d1, d2 := fixture(t)
	_, err := promote.Rollback(ctx, reg, promote.Record{Repository: "not a name"})
	assert.ErrorIs(t, err, reference.ErrInvalidFormat)

	created := promote.Record{Operation: "promote", Repository: "r.test/team/app", Digest: d2,
		Tags: []promote.TagChange{{Tag: "edge", Digest: d2, Moved: true}}}
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:edge"), d2))
	_, err = promote.Rollback(ctx, plainRegistry{reg}, created)
	assert.ErrorIs(t, err, promote.ErrUnsupported, "deleting needs a TagDeleter")
	_, err = promote.Rollback(ctx, reg, created, promote.WithImmutablePatterns("edge"))
	assert.ErrorIs(t, err, promote.ErrTagImmutable)

	moved := promote.Record{Operation: "promote", Repository: "r.test/team/app", Digest: d2,
		Tags: []promote.TagChange{{Tag: "edge", Digest: d2, Previous: d1, Moved: true}}}
	_, err = promote.Rollback(ctx, reg, moved, promote.WithImmutablePatterns("e*"))
	assert.ErrorIs(t, err, promote.ErrTagImmutable)
	_, err = promote.Rollback(ctx, reg, moved, promote.WithImmutablePatterns("["))
	assert.Error(t, err)

	nothing, err := promote.Rollback(ctx, reg, promote.Record{Repository: "r.test/team/app", Tags: []promote.TagChange{{Tag: "x"}}})
	require.NoError(t, err)
	assert.Empty(t, nothing.Tags)
}

func TestRollbackTo(t *testing.T) {
	ctx := context.Background()
	reg, d1, d2 := fixture(t)
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:production"), d2))
	rec, err := promote.RollbackTo(ctx, reg, ref(t, "r.test/team/app:1.0.0"), "production", promote.ExpectCurrent(d2))
	require.NoError(t, err)
	assert.Equal(t, "rollback", rec.Operation)
	assert.Equal(t, d1, rec.Digest)
	assert.Equal(t, []promote.TagChange{{Tag: "production", Digest: d1, Previous: d2, Moved: true, Basis: promote.BasisSwap}}, rec.Tags)
}

func TestPin(t *testing.T) {
	ctx := context.Background()
	reg, d1, d2 := fixture(t)
	require.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/app:latest"), d2))
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"r.test/team/app:1.0.0", "r.test/team/app:1.0.0@" + d1.String(), nil},
		{"r.test/team/app", "r.test/team/app:latest@" + d2.String(), nil},
		{"r.test/team/app:1.0.0@" + d2.String(), "r.test/team/app:1.0.0@" + d1.String(), nil},
		{"r.test/team/app@" + d2.String(), "r.test/team/app@" + d2.String(), nil},
		{"r.test/team/app@" + digest.FromString("gone").String(), "", promote.ErrNotFound},
		{"r.test/team/app:9", "", promote.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := promote.Pin(ctx, reg, ref(t, tt.in))
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
			assert.True(t, got.IsPinned())
		})
	}
	_, err := promote.Pin(ctx, nil, ref(t, "r.test/team/app"))
	assert.Error(t, err)
	_, err = promote.Pin(ctx, reg, reference.Reference{})
	assert.Error(t, err)
}

func TestAllTagsStopsOnRepeatedCursor(t *testing.T) {
	_, err := promote.AllTags(context.Background(), loopRegistry{}, ref(t, "r.test/team/app"))
	assert.ErrorContains(t, err, "twice")
}

type loopRegistry struct{ promote.Registry }

func (loopRegistry) Tags(context.Context, reference.Reference, string, int) (promote.TagPage, error) {
	return promote.TagPage{Tags: []string{"a"}, Next: "same"}, nil
}

func TestErrorsRender(t *testing.T) {
	rl := &promote.RateLimitError{RetryAfter: 3 * time.Second, Message: "slow down"}
	assert.Equal(t, "rate limited: retry after 3s: slow down", rl.Error())
	assert.ErrorIs(t, rl, promote.ErrRateLimited)
	assert.Equal(t, "rate limited", (&promote.RateLimitError{}).Error())
	pe := &promote.PartialError{Op: "publish", Repository: "r/a", Failed: []string{"x"}, Err: errors.Join(errors.New("one"), errors.New("two"))}
	assert.Equal(t, `promote: publish "r/a": 1 tag(s) failed ["x"], moved []: one; two`, pe.Error())
}

func TestNoPanicOnEmptyInput(t *testing.T) {
	ctx := context.Background()
	reg, _, _ := fixture(t)
	moved := promote.Record{Repository: "r.test/team/app", Tags: []promote.TagChange{{Tag: "x", Digest: digest.FromString("x"), Moved: true}}}
	tests := []struct {
		name string
		call func() error
	}{
		{"publish nil registry", func() error {
			_, err := promote.Publish(ctx, nil, ref(t, "r.test/team/app:1.0.0"), []string{"x"})
			return err
		}},
		{"publish zero source", func() error { _, err := promote.Publish(ctx, reg, reference.Reference{}, []string{"x"}); return err }},
		{"promote nil registry", func() error { _, err := promote.Promote(ctx, nil, ref(t, "r.test/team/app:1.0.0"), "x"); return err }},
		{"promote zero source", func() error { _, err := promote.Promote(ctx, reg, reference.Reference{}, "x"); return err }},
		{"promote empty channel", func() error { _, err := promote.Promote(ctx, reg, ref(t, "r.test/team/app:1.0.0"), ""); return err }},
		{"rollback nil registry", func() error { _, err := promote.Rollback(ctx, nil, moved); return err }},
		{"rollback empty record", func() error { _, err := promote.Rollback(ctx, reg, promote.Record{}); return err }},
		{"rollback to zero", func() error { _, err := promote.RollbackTo(ctx, reg, reference.Reference{}, "x"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotPanics(t, func() { assert.Error(t, tt.call()) })
		})
	}
}
