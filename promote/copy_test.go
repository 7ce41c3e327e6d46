package promote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"oras.land/oras-go/v2"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// Artifact types of the referrers the tests attach.
const (
	sigType  = "application/vnd.dev.cosign.artifact.sig.v1+json"
	sbomType = "application/spdx+json"
)

// signedImage seeds repo with a two-platform index tagged 1.0.0 and
// attaches a signature and an SBOM to it through the referrers API. It
// returns the index descriptor and the two referrer digests.
func signedImage(t testing.TB, reg *memory.Registry, repo string) (ocispec.Descriptor, []digest.Digest) {
	t.Helper()
	ds, err := reg.Seed(memory.Image{
		Repository: repo, Tags: []string{"1.0.0"}, Content: "signed " + repo,
		Platforms: []ocispec.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}},
	})
	require.NoError(t, err)
	idx, err := reg.Resolve(context.Background(), reference.MustParse("r.test/"+repo+"@"+ds[0].String()))
	require.NoError(t, err)
	sig := attach(t, reg, repo, idx, sigType, `{"critical":{"image":{"docker-manifest-digest":"`+idx.Digest.String()+`"}}}`)
	sbom := attach(t, reg, repo, idx, sbomType, `{"spdxVersion":"SPDX-2.3","name":"`+repo+`"}`)
	return idx, []digest.Digest{sig, sbom}
}

// attach pushes an artifact manifest of artifactType with one layer
// holding payload and subject as its subject, and returns its digest.
func attach(t testing.TB, reg *memory.Registry, repo string, subject ocispec.Descriptor, artifactType, payload string) digest.Digest {
	t.Helper()
	ctx := context.Background()
	tg, err := reg.ContentTarget(reference.MustParse("r.test/" + repo))
	require.NoError(t, err)
	push := func(mt string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mt, Digest: digest.FromBytes(data), Size: int64(len(data))}
		require.NoError(t, tg.Push(ctx, d, bytes.NewReader(data)))
		return d
	}
	cfg := push(ocispec.MediaTypeEmptyJSON, []byte("{}"))
	layer := push(artifactType, []byte(payload))
	sub := ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	m, err := json.Marshal(ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: artifactType,
		Config:       cfg,
		Layers:       []ocispec.Descriptor{layer},
		Subject:      &sub,
	})
	require.NoError(t, err)
	return push(ocispec.MediaTypeImageManifest, m).Digest
}

// referrersOf lists the digests reg shows as referrers of d in repo.
func referrersOf(t testing.TB, reg promote.Registry, repo reference.Reference, d ocispec.Descriptor) []digest.Digest {
	t.Helper()
	tg, err := reg.(promote.ContentProvider).ContentTarget(repo)
	require.NoError(t, err)
	refs, err := tg.Predecessors(context.Background(), d)
	require.NoError(t, err)
	var out []digest.Digest
	for _, r := range refs {
		out = append(out, r.Digest)
	}
	return out
}

// fetchAll returns the bytes of every manifest reachable from d in repo of
// reg, keyed by digest.
func manifestBytes(t testing.TB, reg *memory.Registry, repo string, d digest.Digest) []byte {
	t.Helper()
	_, data, err := reg.FetchManifest(context.Background(), reference.MustParse("r.test/"+repo+"@"+d.String()))
	require.NoError(t, err)
	return data
}

func digestsOf(cs []promote.Content) []digest.Digest {
	out := []digest.Digest{}
	for _, c := range cs {
		out = append(out, c.Digest)
	}
	return out
}

func TestCopyBetweenMemoryRegistries(t *testing.T) {
	ctx := context.Background()
	src, dst := memory.New(), memory.New()
	idx, refs := signedImage(t, src, "team/app")
	from := ref(t, "staging.test/team/app:1.0.0")
	to := ref(t, "prod.test/team/app:production")

	rec, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{}, promote.WithClock(clock), promote.ExpectAbsent())
	require.NoError(t, err)
	assert.Equal(t, "copy", rec.Operation)
	assert.Equal(t, "prod.test/team/app", rec.Repository)
	assert.Equal(t, idx.Digest, rec.Digest)
	assert.Equal(t, []promote.TagChange{{Tag: "production", Digest: idx.Digest, Moved: true, Basis: promote.BasisSwap}}, rec.Tags)
	assert.True(t, rec.Content.Complete)
	// index + 2 platform manifests + 2 referrer manifests; 2 configs + 2
	// layers + the empty config + 2 referrer layers.
	assert.Equal(t, 5, rec.Content.ManifestsSent(), rec.Content.Summary())
	assert.Equal(t, 7, rec.Content.BlobsSent(), rec.Content.Summary())
	assert.Empty(t, rec.Content.Mounted)
	require.Len(t, rec.Content.Referrers, 2)
	for _, r := range rec.Content.Referrers {
		assert.Equal(t, idx.Digest, r.Subject)
		assert.Contains(t, refs, r.Digest)
	}

	// Same digests, same bytes.
	got, err := dst.Resolve(ctx, ref(t, "prod.test/team/app:production"))
	require.NoError(t, err)
	assert.Equal(t, idx.Digest, got.Digest)
	for _, d := range append([]digest.Digest{idx.Digest}, refs...) {
		assert.Equal(t, manifestBytes(t, src, "team/app", d), manifestBytes(t, dst, "team/app", d), "manifest %s", d)
	}
	assert.ElementsMatch(t, refs, referrersOf(t, dst, ref(t, "prod.test/team/app"), idx))

	// A re-run copies nothing and writes nothing.
	dst.ResetEvents()
	again, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{}, promote.WithClock(clock))
	require.NoError(t, err)
	assert.Empty(t, again.Content.Sent)
	assert.Empty(t, again.Content.Mounted)
	assert.Equal(t, []promote.TagChange{{Tag: "production", Digest: idx.Digest, Previous: idx.Digest}}, again.Tags)
	assert.ElementsMatch(t, append([]digest.Digest{idx.Digest}, refs...), digestsOf(again.Content.Present))
	assert.Empty(t, dst.Events(), "a re-run writes nothing")

	// The record serialises with the content block.
	data, err := json.Marshal(rec)
	require.NoError(t, err)
	var back promote.CopyRecord
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, rec, back)
	assert.Contains(t, string(data), `"content":{"sent":[`)
}

func TestCopySameRegistryMounts(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	idx, refs := signedImage(t, reg, "staging/app")
	rec, err := promote.Copy(ctx, reg, ref(t, "r.test/staging/app@"+idx.Digest.String()), reg, ref(t, "r.test/prod/app:1.0.0"), promote.CopyOptions{})
	require.NoError(t, err)
	assert.Equal(t, 0, rec.Content.BlobsSent(), "every blob is mounted: %s", rec.Content.Summary())
	assert.Len(t, rec.Content.Mounted, 7)
	assert.Equal(t, 5, rec.Content.ManifestsSent())
	assert.ElementsMatch(t, refs, referrersOf(t, reg, ref(t, "r.test/prod/app"), idx))
}

func TestCopyRefusesBeforeSending(t *testing.T) {
	ctx := context.Background()
	src, dst := memory.New(), memory.New()
	idx, _ := signedImage(t, src, "team/app")
	other, err := dst.Seed(memory.Image{Repository: "team/app", Tags: []string{"production", "1.0.0"}, Content: "older"})
	require.NoError(t, err)
	dst.ResetEvents()
	from := ref(t, "s.test/team/app@"+idx.Digest.String())

	tests := []struct {
		name string
		to   string
		opts []promote.Option
		is   error
		msg  string
	}{
		{"expect absent", "d.test/team/app:production", []promote.Option{promote.ExpectAbsent()}, promote.ErrPreconditionFailed, "expected it to be absent"},
		{"expect other", "d.test/team/app:production", []promote.Option{promote.ExpectCurrent(idx.Digest)}, promote.ErrPreconditionFailed, "found it at " + other[0].String()},
		{"immutable", "d.test/team/app:1.0.0", []promote.Option{promote.WithImmutablePatterns("[0-9]*")}, promote.ErrTagImmutable, "refusing to move it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := promote.Copy(ctx, src, from, dst, ref(t, tt.to), promote.CopyOptions{}, tt.opts...)
			require.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.msg)
			require.Len(t, rec.Tags, 1)
			assert.False(t, rec.Tags[0].Moved)
			assert.Empty(t, rec.Content.Sent)
			assert.Empty(t, dst.Events(), "nothing written")
		})
	}
}

func TestCopyInputErrors(t *testing.T) {
	ctx := context.Background()
	src := memory.New()
	idx, _ := signedImage(t, src, "team/app")
	from := ref(t, "s.test/team/app@"+idx.Digest.String())
	tests := []struct {
		name string
		dst  promote.Registry
		to   string
		opts []promote.Option
		msg  string
	}{
		{"digest destination", memory.New(), "d.test/team/app@" + idx.Digest.String(), nil, "not a digest"},
		{"expect without tag", memory.New(), "d.test/team/app", []promote.Option{promote.ExpectAbsent()}, "has none"},
		{"no content provider", tagOnly{memory.New()}, "d.test/team/app:x", nil, "does not implement ContentProvider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := promote.Copy(ctx, src, from, tt.dst, ref(t, tt.to), promote.CopyOptions{}, tt.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	_, err := promote.Copy(ctx, src, ref(t, "s.test/team/app:missing"), memory.New(), ref(t, "d.test/team/app"), promote.CopyOptions{})
	require.ErrorIs(t, err, promote.ErrNotFound)
}

// tagOnly hides every optional interface of a registry.
type tagOnly struct{ promote.Registry }

func TestCopyFaultThenRerun(t *testing.T) {
	ctx := context.Background()
	src, dst := memory.New(), memory.New()
	idx, refs := signedImage(t, src, "team/app")
	// The third blob write at the destination fails: part of the image
	// is there, the rest is not.
	dst.InjectFault(memory.Fault{Op: memory.OpBlob, After: 4, Times: 1, Err: promote.ErrDenied})
	from := ref(t, "s.test/team/app:1.0.0")
	to := ref(t, "d.test/team/app:production")
	rec, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{Concurrency: 1})
	require.ErrorIs(t, err, promote.ErrDenied)
	var refused *promote.RefusedError
	require.ErrorAs(t, err, &refused)
	assert.Equal(t, "destination", refused.Side)
	assert.Equal(t, "d.test", refused.Host)
	assert.Contains(t, err.Error(), "before the failure the destination confirmed: sent")
	assert.Contains(t, err.Error(), "copy s.test/team/app:1.0.0@"+idx.Digest.String()+" to d.test/team/app:", "the error names the image and its digest")
	assert.False(t, rec.Content.Complete)
	require.Len(t, rec.Tags, 1)
	assert.False(t, rec.Tags[0].Moved, "no tag is set when the copy failed")
	assert.Contains(t, rec.Tags[0].Error, "not set: the image did not arrive completely")
	assert.Equal(t, []string{"production"}, rec.Failed())

	// What the record says arrived is exactly what the destination holds.
	tg, err := dst.ContentTarget(ref(t, "d.test/team/app"))
	require.NoError(t, err)
	for _, c := range rec.Content.Sent {
		ok, err := tg.Exists(ctx, ocispec.Descriptor{MediaType: c.MediaType, Digest: c.Digest, Size: c.Size})
		require.NoError(t, err)
		assert.True(t, ok, "%s is recorded as sent", c.Digest)
	}
	var stored int
	for _, e := range dst.Events() {
		if e.Op == memory.OpBlob || e.Op == memory.OpPushManifest {
			stored++
		}
	}
	assert.Equal(t, len(rec.Content.Sent), stored, "every stored item is in the record")

	dst.ClearFaults()
	again, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{Concurrency: 1})
	require.NoError(t, err)
	assert.True(t, again.Content.Complete)
	for _, c := range again.Content.Sent {
		assert.NotContains(t, digestsOf(rec.Content.Sent), c.Digest, "nothing sent twice")
	}
	assert.Equal(t, 12, len(rec.Content.Sent)+len(again.Content.Sent), "together the runs sent the whole image once")
	assert.ElementsMatch(t, refs, referrersOf(t, dst, ref(t, "d.test/team/app"), idx))
	assert.Equal(t, []string{"production"}, again.Moved())
}

func TestCopyCosignTagsAndNoReferrers(t *testing.T) {
	ctx := context.Background()
	src := memory.New()
	idx, _ := signedImage(t, src, "team/app")
	sigTag := "sha256-" + idx.Digest.Encoded() + ".sig"
	legacy, err := src.Seed(memory.Image{Repository: "team/app", Tags: []string{sigTag}, Content: "legacy signature"})
	require.NoError(t, err)

	dst := memory.New()
	rec, err := promote.Copy(ctx, src, ref(t, "s.test/team/app:1.0.0"), dst, ref(t, "d.test/team/app"), promote.CopyOptions{NoReferrers: true, CosignTags: true})
	require.NoError(t, err)
	assert.Empty(t, rec.Content.Referrers)
	assert.Equal(t, []promote.TagChange{{Tag: sigTag, Digest: legacy[0], Moved: true, Basis: promote.BasisRead}}, rec.Content.LegacyTags)
	assert.Empty(t, referrersOf(t, dst, ref(t, "d.test/team/app"), idx), "referrers left behind")
	got, err := dst.Resolve(ctx, ref(t, "d.test/team/app:"+sigTag))
	require.NoError(t, err)
	assert.Equal(t, legacy[0], got.Digest)

	// A destination whose legacy tag points elsewhere keeps it.
	other := memory.New()
	_, err = other.Seed(memory.Image{Repository: "team/app", Tags: []string{sigTag}, Content: "someone else's"})
	require.NoError(t, err)
	rec, err = promote.Copy(ctx, src, ref(t, "s.test/team/app:1.0.0"), other, ref(t, "d.test/team/app"), promote.CopyOptions{CosignTags: true})
	require.ErrorIs(t, err, promote.ErrPreconditionFailed)
	require.Len(t, rec.Content.LegacyTags, 1)
	assert.False(t, rec.Content.LegacyTags[0].Moved)
	assert.True(t, strings.Contains(rec.Content.LegacyTags[0].Error, "left alone"))
}

func TestCopyOverHTTP(t *testing.T) {
	// Both ends of the copy can be reached through the fake's Go targets
	// while other clients use its HTTP handler; the handler sees the
	// copied image.
	src, dst := memory.New(), memory.New()
	idx, _ := signedImage(t, src, "team/app")
	srv := httptest.NewServer(dst.Handler())
	defer srv.Close()
	_, err := promote.Copy(context.Background(), src, ref(t, "s.test/team/app:1.0.0"), dst, ref(t, "d.test/team/app:1.0.0"), promote.CopyOptions{})
	require.NoError(t, err)
	resp, err := srv.Client().Head(srv.URL + "/v2/team/app/manifests/1.0.0")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, idx.Digest.String(), resp.Header.Get("Docker-Content-Digest"))
}

func TestCopyLeavesForeignLayersAndRollsBack(t *testing.T) {
	ctx := context.Background()
	src, dst := memory.New(), memory.New()
	foreignData := []byte("windows base layer")
	foreign := ocispec.Descriptor{MediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Digest: digest.FromBytes(foreignData), Size: int64(len(foreignData)),
		URLs: []string{"https://mcr.example/layer"}}
	// The fake checks that a manifest's layers are present, so both ends
	// hold the foreign layer; the copy must still not send it.
	for _, reg := range []*memory.Registry{src, dst} {
		tg, err := reg.ContentTarget(ref(t, "r.test/team/win"))
		require.NoError(t, err)
		require.NoError(t, tg.Push(ctx, foreign, bytes.NewReader(foreignData)))
	}
	st, err := src.ContentTarget(ref(t, "r.test/team/win"))
	require.NoError(t, err)
	push := func(mt string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mt, Digest: digest.FromBytes(data), Size: int64(len(data))}
		require.NoError(t, st.Push(ctx, d, bytes.NewReader(data)))
		return d
	}
	cfg := push(ocispec.MediaTypeImageConfig, []byte(`{"os":"windows","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}`))
	own := push(ocispec.MediaTypeImageLayer, []byte("app layer"))
	m, err := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: cfg, Layers: []ocispec.Descriptor{foreign, own}})
	require.NoError(t, err)
	man := push(ocispec.MediaTypeImageManifest, m)
	dst.ResetEvents()

	rec, err := promote.Copy(ctx, src, ref(t, "s.test/team/win@"+man.Digest.String()), dst, ref(t, "d.test/team/win:1.0"), promote.CopyOptions{})
	require.NoError(t, err)
	assert.Equal(t, []digest.Digest{foreign.Digest}, digestsOf(rec.Content.NotCopied))
	assert.NotContains(t, digestsOf(rec.Content.Sent), foreign.Digest)
	assert.NotContains(t, digestsOf(rec.Content.Present), foreign.Digest, "not even looked at")
	assert.ElementsMatch(t, []digest.Digest{cfg.Digest, own.Digest, man.Digest}, digestsOf(rec.Content.Sent))
	assert.Contains(t, rec.Content.Summary(), "1 non-distributable layer(s) not copied")

	// The tag part of a copy record rolls back like any record.
	back, err := promote.Rollback(ctx, dst, rec.Record)
	require.NoError(t, err)
	assert.Equal(t, []string{"1.0"}, back.Moved())
	_, err = dst.Resolve(ctx, ref(t, "d.test/team/win:1.0"))
	require.ErrorIs(t, err, promote.ErrNotFound)
}

// cancellingRegistry is a fake whose content target cancels the copy's
// context right after the n-th push landed, as when an operator presses
// Ctrl-C while an upload's answer is on its way.
type cancellingRegistry struct {
	*memory.Registry
	cancel context.CancelFunc
	n      int
}

func (r *cancellingRegistry) ContentTarget(repo reference.Reference) (oras.GraphTarget, error) {
	tg, err := r.Registry.ContentTarget(repo)
	return &cancellingTarget{GraphTarget: tg, r: r}, err
}

type cancellingTarget struct {
	oras.GraphTarget
	r      *cancellingRegistry
	pushes int
}

func (t *cancellingTarget) Push(ctx context.Context, d ocispec.Descriptor, content io.Reader) error {
	if err := t.GraphTarget.Push(ctx, d, content); err != nil {
		return err
	}
	t.pushes++
	if t.pushes == t.r.n {
		t.r.cancel()
		return ctx.Err()
	}
	return nil
}

func TestCopyCancelledListsUnconfirmed(t *testing.T) {
	src := memory.New()
	signedImage(t, src, "team/app")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dst := &cancellingRegistry{Registry: memory.New(), cancel: cancel, n: 3}
	rec, err := promote.Copy(ctx, src, ref(t, "s.test/team/app:1.0.0"), dst, ref(t, "d.test/team/app"), promote.CopyOptions{Concurrency: 1})
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, rec.Content.Complete)
	require.Len(t, rec.Content.Unconfirmed, 1, "the upload whose answer the cancellation cut off")
	assert.Len(t, rec.Content.Sent, 2)
	tg, err := dst.Registry.ContentTarget(ref(t, "d.test/team/app"))
	require.NoError(t, err)
	u := rec.Content.Unconfirmed[0]
	ok, err := tg.Exists(context.Background(), ocispec.Descriptor{MediaType: u.MediaType, Digest: u.Digest, Size: u.Size})
	require.NoError(t, err)
	assert.True(t, ok, "it did land; the record does not claim either way")
}
