package memory_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

func contentTarget(t *testing.T, reg *memory.Registry, repo string) oras.GraphTarget {
	t.Helper()
	tg, err := reg.ContentTarget(reference.MustParse("r.test/" + repo))
	require.NoError(t, err)
	return tg
}

func blobDesc(data string) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromString(data), Size: int64(len(data))}
}

func TestContentTargetPush(t *testing.T) {
	ctx := context.Background()
	good := blobDesc("layer")
	tests := []struct {
		name string
		desc ocispec.Descriptor
		body string
		msg  string // "" for success
	}{
		{"blob", good, "layer", ""},
		{"short body", good, "lay", "content has 3 bytes, the descriptor says 5"},
		{"long body", good, "layers", "content has 6 bytes, the descriptor says 5"},
		{"wrong digest", ocispec.Descriptor{MediaType: good.MediaType, Digest: digest.FromString("other"), Size: 5}, "layer", "content has digest"},
		{"negative size", ocispec.Descriptor{MediaType: good.MediaType, Digest: good.Digest, Size: -1}, "", "want 0.." + strconv.FormatInt(memory.DefaultMaxBlobSize, 10) + " bytes"},
		{"manifest not JSON", ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("nope"), Size: 4}, "nope", "not valid JSON"},
		{"manifest missing blobs", func() ocispec.Descriptor {
			m := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":` + descJSON(blobDesc("cfg")) + `,"layers":[]}`
			return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString(m), Size: int64(len(m))}
		}(), `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":` + descJSON(blobDesc("cfg")) + `,"layers":[]}`, "does not hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := memory.New()
			tg := contentTarget(t, reg, "team/app")
			err := tg.Push(ctx, tt.desc, strings.NewReader(tt.body))
			if tt.msg == "" {
				require.NoError(t, err)
				ok, err := tg.Exists(ctx, tt.desc)
				require.NoError(t, err)
				assert.True(t, ok)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Empty(t, reg.Events(), "nothing stored")
		})
	}
}

func descJSON(d ocispec.Descriptor) string {
	return `{"mediaType":"` + d.MediaType + `","digest":"` + d.Digest.String() + `","size":` + strconv.FormatInt(d.Size, 10) + `}`
}

func TestContentTargetNotFound(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1"}})
	require.NoError(t, err)
	for _, repo := range []string{"team/app", "team/none"} {
		tg := contentTarget(t, reg, repo)
		missing := blobDesc("missing")
		_, err := tg.Fetch(ctx, missing)
		assert.ErrorIs(t, err, promote.ErrNotFound, repo)
		assert.ErrorIs(t, err, errdef.ErrNotFound, repo)
		ok, err := tg.Exists(ctx, missing)
		require.NoError(t, err)
		assert.False(t, ok)
		_, err = tg.Resolve(ctx, "nope")
		assert.ErrorIs(t, err, errdef.ErrNotFound, repo)
		refs, err := tg.Predecessors(ctx, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: ds[0]})
		require.NoError(t, err)
		assert.Empty(t, refs)
	}
	err = contentTarget(t, reg, "team/app").Tag(ctx, ocispec.Descriptor{Digest: ds[0]}, "Bad Tag")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `tag "Bad Tag"`)
	_, err = reg.ContentTarget(reference.Reference{})
	require.Error(t, err)
}

func TestContentTargetMount(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	src := contentTarget(t, reg, "staging/app")
	layer := blobDesc("shared layer")
	require.NoError(t, src.Push(ctx, layer, strings.NewReader("shared layer")))
	dst := contentTarget(t, reg, "prod/app").(registry.Mounter)

	calls := 0
	getContent := func() (io.ReadCloser, error) {
		calls++
		return io.NopCloser(bytes.NewReader([]byte("shared layer"))), nil
	}
	require.NoError(t, dst.Mount(ctx, layer, "staging/app", getContent))
	assert.Zero(t, calls, "mounted without reading the content")

	other := contentTarget(t, reg, "other/app").(registry.Mounter)
	require.NoError(t, other.Mount(ctx, layer, "missing/repo", getContent))
	assert.Equal(t, 1, calls, "falls back to an upload")

	failing := func() (io.ReadCloser, error) { return nil, errors.New("source gone") }
	err := contentTarget(t, reg, "fourth/app").(registry.Mounter).Mount(ctx, layer, "missing/repo", failing)
	require.EqualError(t, err, "source gone")
}

func TestContentTargetFaults(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	tg := contentTarget(t, reg, "team/app")
	reg.InjectFault(memory.Fault{Op: memory.OpBlob, Err: promote.ErrDenied})
	err := tg.Push(ctx, blobDesc("x"), strings.NewReader("x"))
	require.ErrorIs(t, err, promote.ErrDenied)
	_, err = tg.Exists(ctx, blobDesc("x"))
	require.ErrorIs(t, err, promote.ErrDenied)
}
