package memory_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"
	orasmemory "oras.land/oras-go/v2/content/memory"

	"github.com/imagetags/imagetags/promote/memory"
)

// The benchmarks below do the same resolve and tag work on this package's
// fake and on oras-go's in-memory store, side by side.

func seedBoth(b *testing.B) (*memory.Registry, *orasmemory.Store, [2]ocispec.Descriptor) {
	b.Helper()
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"1.0.0", "stable"}},
		memory.Image{Repository: "team/app", Tags: []string{"1.1.0"}},
	)
	require.NoError(b, err)
	store := orasmemory.New()
	var descs [2]ocispec.Descriptor
	for i, d := range ds {
		desc, data, err := reg.FetchManifest(ctx, ref(b, "r.test/team/app@"+d.String()))
		require.NoError(b, err)
		require.NoError(b, store.Push(ctx, desc, bytes.NewReader(data)))
		descs[i] = desc
	}
	require.NoError(b, store.Tag(ctx, descs[0], "stable"))
	return reg, store, descs
}

func BenchmarkResolve(b *testing.B) {
	reg, store, descs := seedBoth(b)
	ctx := context.Background()
	b.Run("memory", func(b *testing.B) {
		r := ref(b, "r.test/team/app:stable")
		b.ReportAllocs()
		for b.Loop() {
			desc, err := reg.Resolve(ctx, r)
			if err != nil || desc.Digest != descs[0].Digest {
				b.Fatal(desc, err)
			}
		}
	})
	b.Run("oras-memory", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			desc, err := store.Resolve(ctx, "stable")
			if err != nil || desc.Digest != descs[0].Digest {
				b.Fatal(desc, err)
			}
		}
	})
}

func BenchmarkTag(b *testing.B) {
	ctx := context.Background()
	b.Run("memory/move", func(b *testing.B) {
		reg, _, descs := seedBoth(b)
		r := ref(b, "r.test/team/app:stable")
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := reg.Tag(ctx, r, descs[i%2].Digest); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("oras-memory/move", func(b *testing.B) {
		_, store, descs := seedBoth(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := store.Tag(ctx, descs[i%2], "stable"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memory/unchanged", func(b *testing.B) {
		reg, _, descs := seedBoth(b)
		r := ref(b, "r.test/team/app:stable")
		b.ReportAllocs()
		for b.Loop() {
			if err := reg.Tag(ctx, r, descs[0].Digest); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("oras-memory/unchanged", func(b *testing.B) {
		_, store, descs := seedBoth(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := store.Tag(ctx, descs[0], "stable"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var sinkDigest digest.Digest

func BenchmarkSeed(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ds, err := memory.New().Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0.0"}})
		if err != nil {
			b.Fatal(err)
		}
		sinkDigest = ds[0]
	}
}
