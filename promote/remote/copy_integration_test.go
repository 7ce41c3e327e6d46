package remote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/registry"
	orasremote "oras.land/oras-go/v2/registry/remote"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/promote/remote/internal/regtest"
	"github.com/imagetags/imagetags/reference"
)

// wire records the requests a backend sends and the statuses it gets.
type wire struct {
	mu   sync.Mutex
	reqs []wireReq
	// lose, when set, picks requests whose answer is dropped after the
	// registry handled them, as when a connection breaks on the way back.
	lose func(*http.Request) bool
}

type wireReq struct {
	method, path string
	query        map[string][]string
	status       int
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	w.mu.Lock()
	w.reqs = append(w.reqs, wireReq{req.Method, req.URL.Path, req.URL.Query(), status})
	lose := w.lose
	w.mu.Unlock()
	if err == nil && lose != nil && lose(req) {
		resp.Body.Close()
		return nil, errLostAnswer
	}
	return resp, err
}

var errLostAnswer = errors.New("connection reset on the way back (test)")

// uploads returns how many times each blob digest was uploaded (the PUT
// that completes an upload names it), and the digests mounted (a POST
// with mount= answered 201).
func (w *wire) uploads() (map[string]int, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sent := map[string]int{}
	var mounted []string
	for _, r := range w.reqs {
		if !strings.Contains(r.path, "/blobs/uploads") {
			continue
		}
		if d := r.query["digest"]; r.method == http.MethodPut && len(d) == 1 && r.status == http.StatusCreated {
			sent[d[0]]++
		}
		if m := r.query["mount"]; r.method == http.MethodPost && len(m) == 1 && r.status == http.StatusCreated {
			mounted = append(mounted, m[0])
		}
	}
	return sent, mounted
}

func (w *wire) count(method, pathPart string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, r := range w.reqs {
		if r.method == method && strings.Contains(r.path, pathPart) {
			n++
		}
	}
	return n
}

// summary counts requests by method and endpoint kind.
func (w *wire) summary() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for _, r := range w.reqs {
		kind := "other"
		for _, k := range []string{"/manifests/", "/blobs/uploads", "/blobs/", "/referrers/", "/tags/list"} {
			if strings.Contains(r.path, k) {
				kind = strings.Trim(k, "/")
				break
			}
		}
		out[r.method+" "+kind]++
	}
	return out
}

func (w *wire) reset() {
	w.mu.Lock()
	w.reqs = nil
	w.mu.Unlock()
}

// signedIndex seeds repo of a fresh fake with a two-platform index tagged
// 1.0.0 and attaches a signature and an SBOM to it through the referrers
// API.
func signedIndex(t *testing.T, repo string) (*memory.Registry, ocispec.Descriptor, []digest.Digest) {
	t.Helper()
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{
		Repository: repo, Tags: []string{"1.0.0"}, Content: "copy " + repo,
		Platforms: []ocispec.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}},
	})
	require.NoError(t, err)
	name := reference.MustParse("staging.test/" + repo)
	idx, err := reg.Resolve(ctx, reference.MustParse(name.String()+"@"+ds[0].String()))
	require.NoError(t, err)
	tg, err := reg.ContentTarget(name)
	require.NoError(t, err)
	push := func(mt string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mt, Digest: digest.FromBytes(data), Size: int64(len(data))}
		require.NoError(t, tg.Push(ctx, d, bytes.NewReader(data)))
		return d
	}
	var refs []digest.Digest
	for _, a := range []struct{ typ, payload string }{
		{"application/vnd.dev.cosign.artifact.sig.v1+json", `{"signed":"` + idx.Digest.String() + `"}`},
		{"application/spdx+json", `{"spdxVersion":"SPDX-2.3","name":"` + repo + `"}`},
	} {
		cfg := push(ocispec.MediaTypeEmptyJSON, []byte("{}"))
		layer := push(a.typ, []byte(a.payload))
		sub := idx
		m, err := json.Marshal(ocispec.Manifest{
			Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
			ArtifactType: a.typ, Config: cfg, Layers: []ocispec.Descriptor{layer}, Subject: &sub,
		})
		require.NoError(t, err)
		refs = append(refs, push(ocispec.MediaTypeImageManifest, m).Digest)
	}
	return reg, idx, refs
}

// listed returns the referrers of subject that reg lists in repo.
func listed(t *testing.T, reg promote.ContentProvider, repo string, subject ocispec.Descriptor) []digest.Digest {
	t.Helper()
	tg, err := reg.ContentTarget(ref(t, repo))
	require.NoError(t, err)
	rs, err := tg.Predecessors(context.Background(), subject)
	require.NoError(t, err)
	var out []digest.Digest
	for _, r := range rs {
		out = append(out, r.Digest)
	}
	return out
}

func wireBackend(t *testing.T, host string) (*remote.Registry, *wire) {
	t.Helper()
	w := &wire{}
	reg, err := remote.New(host, remote.WithPlainHTTPLoopback(), remote.WithTransport(w), remote.WithRetry(fastRetry))
	require.NoError(t, err)
	return reg, w
}

// TestIntegrationCopy copies a signed multi-platform index from the
// in-memory registry into the registry under test over HTTP: the fake's
// own handler, which has the referrers API, and CNCF distribution, which
// has not, so the referrers arrive through the tag schema there.
func TestIntegrationCopy(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		path := regtest.Repository(t, "copy")
		src, idx, refs := signedIndex(t, path)
		dst, w := wireBackend(t, tg.Host)
		to := ref(t, tg.Host+"/"+path+":production")

		rec, err := promote.Copy(ctx, src, ref(t, "staging.test/"+path+":1.0.0"), dst, to, promote.CopyOptions{}, promote.ExpectAbsent())
		require.NoError(t, err)
		assert.True(t, rec.Content.Complete)
		assert.Equal(t, []string{"production"}, rec.Moved())
		assert.Equal(t, 5, rec.Content.ManifestsSent(), rec.Content.Summary())
		assert.Equal(t, 7, rec.Content.BlobsSent(), rec.Content.Summary())
		t.Logf("first copy: %d requests to the destination: %v", len(w.reqs), w.summary())
		sent, mounted := w.uploads()
		assert.Empty(t, mounted, "another registry cannot mount")
		assert.Len(t, sent, 7, "seven distinct blobs: two configs, two layers, the shared empty config, two payloads")
		for d, n := range sent {
			assert.Equal(t, 1, n, "blob %s uploaded once", d)
		}

		got, err := dst.Resolve(ctx, to)
		require.NoError(t, err)
		assert.Equal(t, idx.Digest, got.Digest, "the same digest at the destination")
		for _, d := range refs {
			_, data, err := dst.FetchManifest(ctx, ref(t, tg.Host+"/"+path+"@"+d.String()))
			require.NoError(t, err)
			assert.Equal(t, d, digest.FromBytes(data), "referrer %s byte for byte", d)
		}
		assert.ElementsMatch(t, refs, listed(t, dst, tg.Host+"/"+path, idx))
		schema, err := dst.Resolve(ctx, ref(t, tg.Host+"/"+path+":sha256-"+idx.Digest.Encoded()))
		if tg.Memory != nil {
			require.ErrorIs(t, err, promote.ErrNotFound, "a registry with the referrers API needs no tag-schema index")
		} else {
			require.NoError(t, err, "distribution has no referrers API: the tag-schema index is written")
			assert.Equal(t, ocispec.MediaTypeImageIndex, schema.MediaType)
		}

		// A re-run sends nothing.
		w.reset()
		again, err := promote.Copy(ctx, src, ref(t, "staging.test/"+path+":1.0.0"), dst, to, promote.CopyOptions{}, promote.ExpectCurrent(idx.Digest))
		require.NoError(t, err)
		assert.Empty(t, again.Content.Sent)
		assert.Empty(t, again.Moved())
		t.Logf("re-run: %d requests to the destination: %v", len(w.reqs), w.summary())
		assert.Zero(t, w.count(http.MethodPut, "/"), "no PUT on a re-run")
		assert.Zero(t, w.count(http.MethodPost, "/"), "no upload on a re-run")
	})
}

// TestIntegrationCopyMountsOnSameRegistry copies between two repositories
// of the registry under test: every blob is mounted, none uploaded.
func TestIntegrationCopyMountsOnSameRegistry(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		staging := regtest.Repository(t, "copy-staging")
		prod := regtest.Repository(t, "copy-prod")
		src, idx, refs := signedIndex(t, staging)
		reg, w := wireBackend(t, tg.Host)
		// Put the image on the registry under test first.
		_, err := promote.Copy(ctx, src, ref(t, "staging.test/"+staging+":1.0.0"), reg, ref(t, tg.Host+"/"+staging+":1.0.0"), promote.CopyOptions{})
		require.NoError(t, err)
		w.reset()

		rec, err := promote.Copy(ctx, reg, ref(t, tg.Host+"/"+staging+"@"+idx.Digest.String()), reg, ref(t, tg.Host+"/"+prod+":1.0.0"), promote.CopyOptions{})
		require.NoError(t, err)
		sent, mounted := w.uploads()
		assert.Empty(t, sent, "no blob uploaded within one registry")
		assert.Len(t, mounted, 7)
		assert.Equal(t, 0, rec.Content.BlobsSent(), rec.Content.Summary())
		assert.Len(t, rec.Content.Mounted, 7)
		assert.ElementsMatch(t, refs, listed(t, reg, tg.Host+"/"+prod, idx))
	})
}

// TestIntegrationCopyFaults cuts a copy off with a 503 that outlasts the
// retries, or with connections dropped on every manifest PUT, and checks
// that the record names exactly what arrived and that a re-run completes.
func TestIntegrationCopyFaults(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		tests := []struct {
			name  string
			fault regtest.Fault
		}{
			{"503 on blob uploads midway", regtest.Fault{Kind: regtest.Status, Status: 503, Method: http.MethodPut, Path: "/blobs/uploads/"}},
			{"lost connection on manifest PUTs", regtest.Fault{Kind: regtest.Reset, Method: http.MethodPut, Path: "/manifests/"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := testContext(t)
				path := regtest.Repository(t, "copy-fault")
				src, idx, refs := signedIndex(t, path)
				proxy := regtest.NewProxy(t, tg.Host)
				dst, w := wireBackend(t, proxy.Host)
				from := ref(t, "staging.test/"+path+":1.0.0")
				to := ref(t, proxy.Host+"/"+path+":production")

				// Let the first two blobs through, then fail.
				first := remoteCopyFirstBlobs(t, ctx, src, from, dst, proxy.Host+"/"+path)
				proxy.Add(tt.fault)
				rec, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{Concurrency: 1})
				require.Error(t, err)
				assert.Contains(t, err.Error(), "destination registry "+proxy.Host)
				assert.False(t, rec.Content.Complete)
				assert.Empty(t, rec.Moved(), "no tag moves after a failed copy")
				assert.NotZero(t, proxy.Hits())

				// Every item the record lists is at the destination.
				dt, err := dst.ContentTarget(ref(t, proxy.Host+"/"+path))
				require.NoError(t, err)
				for _, c := range append(rec.Content.Sent, rec.Content.Present...) {
					ok, err := dt.Exists(ctx, ocispec.Descriptor{MediaType: c.MediaType, Digest: c.Digest, Size: c.Size})
					require.NoError(t, err)
					assert.True(t, ok, "%s recorded as arrived", c.Digest)
				}

				proxy.Clear()
				w.reset()
				again, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{Concurrency: 1})
				require.NoError(t, err)
				assert.True(t, again.Content.Complete)
				assert.Equal(t, []string{"production"}, again.Moved())
				sent, _ := w.uploads()
				for _, c := range rec.Content.Sent {
					assert.Zero(t, sent[c.Digest.String()], "%s arrived in the first run and is not sent again", c.Digest)
				}
				for _, d := range first {
					assert.Zero(t, sent[d.String()], "%s was there before and is not sent", d)
				}
				assert.ElementsMatch(t, refs, listed(t, dst, proxy.Host+"/"+path, idx))
			})
		}
	})
}

// remoteCopyFirstBlobs puts the first platform's config and layer at the
// destination, so that the faulty copy starts midway, and returns their
// digests.
func remoteCopyFirstBlobs(t *testing.T, ctx context.Context, src *memory.Registry, from reference.Reference, dst *remote.Registry, repo string) []digest.Digest {
	t.Helper()
	_, data, err := src.FetchManifest(ctx, from)
	require.NoError(t, err)
	var idx ocispec.Index
	require.NoError(t, json.Unmarshal(data, &idx))
	_, data, err = src.FetchManifest(ctx, reference.MustParse(from.Name()+"@"+idx.Manifests[0].Digest.String()))
	require.NoError(t, err)
	var m ocispec.Manifest
	require.NoError(t, json.Unmarshal(data, &m))
	st, err := src.ContentTarget(from)
	require.NoError(t, err)
	dt, err := dst.ContentTarget(ref(t, repo))
	require.NoError(t, err)
	var out []digest.Digest
	for _, b := range []ocispec.Descriptor{m.Config, m.Layers[0]} {
		rc, err := st.Fetch(ctx, b)
		require.NoError(t, err)
		require.NoError(t, dt.Push(ctx, b, rc))
		rc.Close()
		out = append(out, b.Digest)
	}
	return out
}

func digestsOf(cs []promote.Content) []digest.Digest {
	out := []digest.Digest{}
	for _, c := range cs {
		out = append(out, c.Digest)
	}
	return out
}

// TestIntegrationCopyIndexesUnlistedReferrer starts from a destination
// that holds a referrer without listing it (a copy cut off between
// pushing the referrer and updating the tag-schema index): the next copy
// notices and gets it indexed.
func TestIntegrationCopyIndexesUnlistedReferrer(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		path := regtest.Repository(t, "copy-unlisted")
		src, idx, refs := signedIndex(t, path)
		dst, _ := wireBackend(t, tg.Host)
		from := ref(t, "staging.test/"+path+":1.0.0")
		to := ref(t, tg.Host+"/"+path)
		_, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{NoReferrers: true})
		require.NoError(t, err)

		// Push the signature with a client that never indexes referrers.
		raw := &orasremote.Repository{Reference: registry.Reference{Registry: tg.Host, Repository: path}, PlainHTTP: true, Client: http.DefaultClient}
		require.NoError(t, raw.SetReferrersCapability(true))
		st, err := src.ContentTarget(from)
		require.NoError(t, err)
		require.NoError(t, oras.CopyGraph(ctx, st, raw, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: refs[0], Size: manifestSize(t, src, from, refs[0])}, oras.DefaultCopyGraphOptions))
		if tg.Memory == nil {
			require.Empty(t, listed(t, dst, to.Name(), idx), "distribution does not list a referrer nobody indexed")
		}

		rec, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{})
		require.NoError(t, err)
		assert.True(t, rec.Content.Complete)
		assert.ElementsMatch(t, refs, listed(t, dst, to.Name(), idx))
	})
}

func manifestSize(t *testing.T, reg *memory.Registry, from reference.Reference, d digest.Digest) int64 {
	t.Helper()
	desc, err := reg.Resolve(context.Background(), reference.MustParse(from.Name()+"@"+d.String()))
	require.NoError(t, err)
	return desc.Size
}

// TestIntegrationPromotionManifest plans and applies a promotion manifest
// from the in-memory registry to the registry under test, then plans it
// again and finds nothing to do.
func TestIntegrationPromotionManifest(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		path := regtest.Repository(t, "manifest")
		src, idx, refs := signedIndex(t, path)
		dst, w := wireBackend(t, tg.Host)
		regs := promote.HostMap{"staging.test": src, tg.Host: dst}
		m := promote.PromotionManifest{
			Source:       "staging.test",
			Destinations: []string{tg.Host},
			Images:       []promote.PromotedImage{{Name: path, Digests: map[digest.Digest][]string{idx.Digest: {"1.0.0", "production"}}}},
		}
		require.NoError(t, m.Validate())
		plan, err := m.Plan(ctx, regs)
		require.NoError(t, err)
		require.Len(t, plan.Images, 1)
		assert.True(t, plan.Images[0].Copy)
		assert.Equal(t, 2, plan.Images[0].MissingReferrers)
		assert.Zero(t, w.count(http.MethodPut, "/")+w.count(http.MethodPost, "/"), "planning writes nothing")

		recs, err := plan.Apply(ctx, regs)
		require.NoError(t, err)
		require.Len(t, recs, 1)
		assert.Equal(t, []string{"1.0.0", "production"}, recs[0].Moved())
		assert.ElementsMatch(t, refs, listed(t, dst, tg.Host+"/"+path, idx))

		again, err := m.Plan(ctx, regs)
		require.NoError(t, err)
		assert.True(t, again.Empty(), again.String())
		w.reset()
		_, err = again.Apply(ctx, regs)
		require.NoError(t, err)
		assert.Zero(t, w.count(http.MethodPut, "/")+w.count(http.MethodPost, "/"), "re-applying writes nothing")
	})
}

// TestIntegrationCopyLostAnswers drops the registry's answers to every
// manifest PUT after the registry stored the manifest: the copy fails,
// and the record still lists the manifest that landed, found by asking
// the destination afterwards.
func TestIntegrationCopyLostAnswers(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		path := regtest.Repository(t, "copy-lost")
		src, _, _ := signedIndex(t, path)
		dst, w := wireBackend(t, tg.Host)
		w.lose = func(req *http.Request) bool {
			return req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/manifests/")
		}
		from := ref(t, "staging.test/"+path+":1.0.0")
		rec, err := promote.Copy(ctx, src, from, dst, ref(t, tg.Host+"/"+path), promote.CopyOptions{Concurrency: 1})
		require.Error(t, err)
		assert.False(t, rec.Content.Complete)
		assert.Empty(t, rec.Content.Unconfirmed, "the destination answered the checks")
		require.Equal(t, 1, rec.Content.ManifestsSent(), "the first platform manifest landed though its answer was lost: %s", rec.Content.Summary())
		dt, err := dst.ContentTarget(ref(t, tg.Host+"/"+path))
		require.NoError(t, err)
		for _, c := range rec.Content.Sent {
			ok, err := dt.Exists(ctx, ocispec.Descriptor{MediaType: c.MediaType, Digest: c.Digest, Size: c.Size})
			require.NoError(t, err)
			assert.True(t, ok, "%s recorded as sent", c.Digest)
		}

		w.mu.Lock()
		w.lose = nil
		w.mu.Unlock()
		again, err := promote.Copy(ctx, src, from, dst, ref(t, tg.Host+"/"+path), promote.CopyOptions{Concurrency: 1})
		require.NoError(t, err)
		assert.True(t, again.Content.Complete)
		for _, c := range again.Content.Sent {
			assert.NotContains(t, digestsOf(rec.Content.Sent), c.Digest, "nothing sent twice")
		}
	})
}
