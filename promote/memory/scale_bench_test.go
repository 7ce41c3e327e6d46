package memory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"
	orasmemory "oras.land/oras-go/v2/content/memory"

	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// The benchmarks in this file measure the fake at scale, each side by side
// with a peer doing the same work: oras-go's in-memory store for the Go
// methods, go-containerregistry's pkg/registry for the HTTP handler, and a
// sorted slice (the simplest ordered tag index) where neither has the
// operation.

// scaleTag names the i-th tag of a large repository. Seeded tags use even
// numbers and new tags odd ones, so that new tags land between existing
// ones in the listing order.
func scaleTag(i int) string { return fmt.Sprintf("t%08d", i) }

// scaleSetup returns the fake and oras-go's store, each with one image
// under n tags, and the image's descriptor.
func scaleSetup(b *testing.B, n int) (*memory.Registry, *orasmemory.Store, ocispec.Descriptor) {
	b.Helper()
	ctx := context.Background()
	tags := make([]string, n)
	for i := range tags {
		tags[i] = scaleTag(2 * i)
	}
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "team/app", Tags: tags, Content: "scale"})
	require.NoError(b, err)
	desc, data, err := reg.FetchManifest(ctx, ref(b, "r.test/team/app@"+ds[0].String()))
	require.NoError(b, err)
	store := orasmemory.New()
	require.NoError(b, store.Push(ctx, desc, bytes.NewReader(data)))
	for _, t := range tags {
		require.NoError(b, store.Tag(ctx, desc, t))
	}
	return reg, store, desc
}

// BenchmarkResolveScale resolves tags picked at random from repositories
// of 20 to 1,000,000 tags, so that lookups in large repositories miss the
// CPU caches as they do in a large suite.
func BenchmarkResolveScale(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{20, 1000, 100_000, 1_000_000} {
		reg, store, desc := scaleSetup(b, n)
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		// Enough random picks to cover the tags, without making the
		// benchmark's own input larger than the cache for small sizes.
		size := 1 << 14
		for size > 4*n {
			size /= 2
		}
		picks := make([]int, size)
		for i := range picks {
			picks[i] = 2 * rng.IntN(n)
		}
		refs := make([]reference.Reference, len(picks))
		names := make([]string, len(picks))
		for i, p := range picks {
			names[i] = scaleTag(p)
			refs[i] = ref(b, "r.test/team/app:"+names[i])
		}
		b.Run("memory/tags="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			i := 0
			for b.Loop() {
				got, err := reg.Resolve(ctx, refs[i&(len(refs)-1)])
				if err != nil || got.Digest != desc.Digest {
					b.Fatal(got, err)
				}
				i++
			}
			cpu.report(b)
		})
		b.Run("oras-memory/tags="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			i := 0
			for b.Loop() {
				got, err := store.Resolve(ctx, names[i&(len(names)-1)])
				if err != nil || got.Digest != desc.Digest {
					b.Fatal(got, err)
				}
				i++
			}
			cpu.report(b)
		})
	}
}

// newTagNames returns k tag names, not yet in a repository set up with n
// tags, in random order, and their references.
func newTagNames(b *testing.B, n, k int) ([]string, []reference.Reference) {
	b.Helper()
	rng := rand.New(rand.NewPCG(2, uint64(n)))
	perm := rng.Perm(n)[:k]
	names := make([]string, k)
	refs := make([]reference.Reference, k)
	for i, p := range perm {
		names[i] = scaleTag(2*p + 1)
		refs[i] = ref(b, "r.test/team/app:"+names[i])
	}
	return names, refs
}

// BenchmarkTagCreateScale creates new tags in a repository of 100,000
// tags; each new tag sorts between existing ones.
func BenchmarkTagCreateScale(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	names, refs := newTagNames(b, n, 1<<16)
	b.Run("memory", func(b *testing.B) {
		reg, _, desc := scaleSetup(b, n)
		b.ReportAllocs()
		cpu := startCPU()
		i := 0
		for b.Loop() {
			if i == len(refs) {
				b.StopTimer()
				cpu.Stop()
				reg, _, desc = scaleSetup(b, n)
				i = 0
				cpu.Start()
				b.StartTimer()
			}
			if err := reg.Tag(ctx, refs[i], desc.Digest); err != nil {
				b.Fatal(err)
			}
			i++
		}
		cpu.report(b)
	})
	b.Run("oras-memory", func(b *testing.B) {
		_, store, desc := scaleSetup(b, n)
		b.ReportAllocs()
		cpu := startCPU()
		i := 0
		for b.Loop() {
			if i == len(names) {
				b.StopTimer()
				cpu.Stop()
				_, store, desc = scaleSetup(b, n)
				i = 0
				cpu.Start()
				b.StartTimer()
			}
			if err := store.Tag(ctx, desc, names[i]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		cpu.report(b)
	})
}

// BenchmarkTagDeleteScale deletes tags from a repository of 100,000 tags.
// oras-go's store cannot delete tags; the peer is a sorted slice with a
// map, the simplest index that keeps the listing in order.
func BenchmarkTagDeleteScale(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, n))
	perm := rng.Perm(n)
	refs := make([]reference.Reference, n)
	for i, p := range perm {
		refs[i] = ref(b, "r.test/team/app:"+scaleTag(2*p))
	}
	b.Run("memory", func(b *testing.B) {
		reg, _, _ := scaleSetup(b, n)
		b.ReportAllocs()
		cpu := startCPU()
		i := 0
		for b.Loop() {
			if i == len(refs) {
				b.StopTimer()
				cpu.Stop()
				reg, _, _ = scaleSetup(b, n)
				i = 0
				cpu.Start()
				b.StartTimer()
			}
			if err := reg.DeleteTag(ctx, refs[i]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		cpu.report(b)
	})
	b.Run("sorted-slice", func(b *testing.B) {
		setup := func() ([]string, map[string]digest.Digest) {
			sorted := make([]string, n)
			index := make(map[string]digest.Digest, n)
			for i := range sorted {
				sorted[i] = scaleTag(2 * i)
				index[sorted[i]] = "sha256:x"
			}
			return sorted, index
		}
		sorted, index := setup()
		b.ReportAllocs()
		cpu := startCPU()
		i := 0
		for b.Loop() {
			if i == len(refs) {
				b.StopTimer()
				cpu.Stop()
				sorted, index = setup()
				i = 0
				cpu.Start()
				b.StartTimer()
			}
			tag := refs[i].Tag()
			delete(index, tag)
			if j, ok := slices.BinarySearch(sorted, tag); ok {
				sorted = slices.Delete(sorted, j, j+1)
			}
			i++
		}
		cpu.report(b)
	})
}

// BenchmarkCreateRepository seeds one small image into each of 1,000 and
// 8,000 new repositories; the cost per repository stays flat when
// creating one is O(1).
func BenchmarkCreateRepository(b *testing.B) {
	for _, n := range []int{1000, 8000} {
		images := make([]memory.Image, n)
		for i := range images {
			images[i] = memory.Image{Repository: "team/app" + strconv.Itoa(i), Tags: []string{"1.0.0"}, Content: "x"}
		}
		b.Run("memory/repos="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				if _, err := memory.New().Seed(images...); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/repo")
		})
	}
}

// httpPeer is a registry handler with the blobs of one image pushed.
type httpPeer struct {
	name string
	h    http.Handler
}

// httpPeers returns the fake's handler and go-containerregistry's, each
// holding the config and layer blobs that manifests made by
// scaleManifest refer to.
func httpPeers(b *testing.B) ([]httpPeer, ocispec.Descriptor, ocispec.Descriptor) {
	b.Helper()
	cfgData := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layerData := []byte("layer bytes for the scale benchmarks")
	cfg := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(cfgData), Size: int64(len(cfgData))}
	layer := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromBytes(layerData), Size: int64(len(layerData))}
	peers := []httpPeer{
		{"memory", memory.New().Handler()},
		{"ggcr-registry", ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))},
	}
	for _, p := range peers {
		for _, blob := range []struct {
			d    digest.Digest
			data []byte
		}{{cfg.Digest, cfgData}, {layer.Digest, layerData}} {
			rec := serve(p.h, http.MethodPost, "/v2/team/app/blobs/uploads/?digest="+blob.d.String(), blob.data, "application/octet-stream")
			require.Equal(b, http.StatusCreated, rec.Code, "%s: %s", p.name, rec.Body)
		}
	}
	return peers, cfg, layer
}

// scaleManifest returns the i-th of a family of distinct image manifests
// over the same config and layer.
func scaleManifest(b *testing.B, cfg, layer ocispec.Descriptor, i int) []byte {
	b.Helper()
	data, err := json.Marshal(ocispec.Manifest{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageManifest,
		Config:      cfg,
		Layers:      []ocispec.Descriptor{layer},
		Annotations: map[string]string{ocispec.AnnotationRevision: strconv.Itoa(i)},
	})
	require.NoError(b, err)
	return data
}

// serve sends one request to h and returns the recorded answer.
func serve(h http.Handler, method, target string, body []byte, contentType string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// BenchmarkPutManifestHTTP sends manifest PUTs by tag straight to each
// handler (no network, so the handlers' own cost is what differs): "new"
// pushes a manifest the registry has not seen, every time; "existing"
// cycles through 1,024 manifests already pushed, as tagging an image by
// PUT does. Each run starts from a fresh registry.
func BenchmarkPutManifestHTTP(b *testing.B) {
	const chunk = 4096
	_, cfg, layer := httpPeers(b)
	existing := make([][]byte, 1024)
	for i := range existing {
		existing[i] = scaleManifest(b, cfg, layer, -1-i)
	}
	for peer := range 2 {
		next := 0 // never reused, so every body is new to the registry
		name := [...]string{"memory", "ggcr-registry"}[peer]
		b.Run(name+"/new", func(b *testing.B) {
			peers, _, _ := httpPeers(b)
			h := peers[peer].h
			bodies := make([][]byte, chunk)
			fill := func() {
				for i := range bodies {
					bodies[i] = scaleManifest(b, cfg, layer, next)
					next++
				}
			}
			fill()
			b.ReportAllocs()
			cpu := startCPU()
			i := 0
			for b.Loop() {
				if i == len(bodies) {
					b.StopTimer()
					cpu.Stop()
					fill()
					i = 0
					cpu.Start()
					b.StartTimer()
				}
				rec := serve(h, http.MethodPut, "/v2/team/app/manifests/latest", bodies[i], ocispec.MediaTypeImageManifest)
				if rec.Code != http.StatusCreated {
					b.Fatal(rec.Code, rec.Body)
				}
				i++
			}
			cpu.report(b)
		})
		b.Run(name+"/existing", func(b *testing.B) {
			peers, _, _ := httpPeers(b)
			h := peers[peer].h
			for i, body := range existing {
				rec := serve(h, http.MethodPut, "/v2/team/app/manifests/seed"+strconv.Itoa(i), body, ocispec.MediaTypeImageManifest)
				require.Equal(b, http.StatusCreated, rec.Code, "%s: %s", name, rec.Body)
			}
			b.ReportAllocs()
			cpu := startCPU()
			i := 0
			for b.Loop() {
				rec := serve(h, http.MethodPut, "/v2/team/app/manifests/latest", existing[i%len(existing)], ocispec.MediaTypeImageManifest)
				if rec.Code != http.StatusCreated {
					b.Fatal(rec.Code, rec.Body)
				}
				i++
			}
			cpu.report(b)
		})
	}
}

// BenchmarkLoadTagsHTTP pushes one manifest under 100,000 tags, in random
// order, into an empty repository of each handler: what a suite does to
// set up a big repository over HTTP.
func BenchmarkLoadTagsHTTP(b *testing.B) {
	const n = 100_000
	_, cfg, layer := httpPeers(b)
	body := scaleManifest(b, cfg, layer, 0)
	rng := rand.New(rand.NewPCG(4, n))
	targets := make([]string, n)
	for i, p := range rng.Perm(n) {
		targets[i] = "/v2/team/app/manifests/" + scaleTag(p)
	}
	for _, name := range []string{"memory", "ggcr-registry"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				b.StopTimer()
				cpu.Stop()
				peers, _, _ := httpPeers(b)
				h := peers[0].h
				if name != "memory" {
					h = peers[1].h
				}
				cpu.Start()
				b.StartTimer()
				for _, t := range targets {
					rec := serve(h, http.MethodPut, t, body, ocispec.MediaTypeImageManifest)
					if rec.Code != http.StatusCreated {
						b.Fatal(rec.Code, rec.Body)
					}
				}
			}
			cpu.report(b)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/tag")
		})
	}
}
