package remote

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// A manifest deleted from the registry must not come back through the
// backend's cache once the cache has not seen it recently.
func TestCachedManifestIsNotPushedBackAfterDeletion(t *testing.T) {
	fake := memory.New()
	ds, err := fake.Seed(memory.Image{Repository: "team/app", Content: "to be deleted"})
	require.NoError(t, err)
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	reg, err := New(host, WithPlainHTTPLoopback())
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, reg.Tag(ctx, reference.MustParse(host+"/team/app:first"), ds[0]))
	require.NoError(t, reg.DeleteTag(ctx, reference.MustParse(host+"/team/app:first")))
	req, err := http.NewRequest(http.MethodDelete, srv.URL+"/v2/team/app/manifests/"+ds[0].String(), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	reg.cache.fresh = 0 // as if the last sight of the manifest were long ago
	err = reg.Tag(ctx, reference.MustParse(host+"/team/app:second"), ds[0])
	assert.ErrorIs(t, err, promote.ErrNotFound)
	_, err = fake.Resolve(ctx, reference.MustParse("team/app@"+ds[0].String()))
	assert.ErrorIs(t, err, promote.ErrNotFound, "the deleted manifest stays deleted")
}

// A Resolve that finds a digest gone drops it from the cache at once.
func TestResolveOfAGoneDigestDropsTheCacheEntry(t *testing.T) {
	fake := memory.New()
	ds, err := fake.Seed(memory.Image{Repository: "team/app", Content: "x"})
	require.NoError(t, err)
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	reg, err := New(host, WithPlainHTTPLoopback())
	require.NoError(t, err)
	ctx := context.Background()
	pinned := reference.MustParse(host + "/team/app@" + ds[0].String())

	_, _, err = reg.FetchManifest(ctx, pinned)
	require.NoError(t, err)
	_, ok := reg.cache.get("team/app", ds[0])
	require.True(t, ok)

	req, err := http.NewRequest(http.MethodDelete, srv.URL+"/v2/team/app/manifests/"+ds[0].String(), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	_, err = reg.Resolve(ctx, pinned)
	require.ErrorIs(t, err, promote.ErrNotFound)
	_, ok = reg.cache.get("team/app", ds[0])
	assert.False(t, ok)
}
