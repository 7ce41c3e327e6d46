package remote

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// served is a backend for a fake registry holding one untagged manifest
// in team/app, served over HTTP on loopback.
type served struct {
	fake *memory.Registry
	srv  *httptest.Server
	host string
	reg  *Registry
	d    digest.Digest
}

func serve(t *testing.T) served {
	t.Helper()
	fake := memory.New()
	ds, err := fake.Seed(memory.Image{Repository: "team/app", Content: "to be deleted"})
	require.NoError(t, err)
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	reg, err := New(host, WithPlainHTTPLoopback())
	require.NoError(t, err)
	return served{fake: fake, srv: srv, host: host, reg: reg, d: ds[0]}
}

// deleteManifest deletes the manifest behind the backend's back.
func (s served) deleteManifest(t *testing.T) {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, s.srv.URL+"/v2/team/app/manifests/"+s.d.String(), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
}

// A manifest deleted from the registry must not come back through the
// backend's cache once the cache has not seen it recently.
func TestCachedManifestIsNotPushedBackAfterDeletion(t *testing.T) {
	s := serve(t)
	ctx := context.Background()

	require.NoError(t, s.reg.Tag(ctx, reference.MustParse(s.host+"/team/app:first"), s.d))
	require.NoError(t, s.reg.DeleteTag(ctx, reference.MustParse(s.host+"/team/app:first")))
	s.deleteManifest(t)

	s.reg.cache.fresh = 0 // as if the last sight of the manifest were long ago
	err := s.reg.Tag(ctx, reference.MustParse(s.host+"/team/app:second"), s.d)
	assert.ErrorIs(t, err, promote.ErrNotFound)
	_, err = s.fake.Resolve(ctx, reference.MustParse("team/app@"+s.d.String()))
	assert.ErrorIs(t, err, promote.ErrNotFound, "the deleted manifest stays deleted")
}

// A Resolve that finds a digest gone drops it from the cache at once.
func TestResolveOfAGoneDigestDropsTheCacheEntry(t *testing.T) {
	s := serve(t)
	ctx := context.Background()
	pinned := reference.MustParse(s.host + "/team/app@" + s.d.String())

	_, _, err := s.reg.FetchManifest(ctx, pinned)
	require.NoError(t, err)
	_, ok := s.reg.cache.get("team/app", s.d)
	require.True(t, ok)

	s.deleteManifest(t)
	_, err = s.reg.Resolve(ctx, pinned)
	require.ErrorIs(t, err, promote.ErrNotFound)
	_, ok = s.reg.cache.get("team/app", s.d)
	assert.False(t, ok)
}

// Retries of a broken body and retries of failed requests share one
// budget: together they stay within MaxRetries.
func TestBodyAndRequestRetriesShareOneBudget(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			w.WriteHeader(http.StatusOK)
			return
		}
		if requests.Add(1) == 1 {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"name":"team/app","ta`)) // cut short
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	policy := RetryPolicy{MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxElapsed: time.Minute}
	reg, err := New(host, WithPlainHTTPLoopback(), WithRetry(policy))
	require.NoError(t, err)
	_, err = reg.Tags(context.Background(), reference.MustParse(host+"/team/app"), "", 0)
	require.Error(t, err)
	assert.LessOrEqual(t, int(requests.Load()), policy.MaxRetries+1)
}
