package remote_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

var quickRetry = remote.RetryPolicy{MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxElapsed: 5 * time.Second}

// serveWith serves mem's handler behind intercept, which answers the
// requests it wants to and returns false for the others.
func serveWith(t *testing.T, mem *memory.Registry, intercept func(w http.ResponseWriter, r *http.Request, inner http.Handler) bool) (string, *remote.Registry) {
	t.Helper()
	inner := mem.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r, inner) {
			inner.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	host := srv.Listener.Addr().String()
	reg, err := remote.New(host, remote.WithPlainHTTPLoopback(), remote.WithRetry(quickRetry))
	require.NoError(t, err)
	return host, reg
}

// A PUT that lands but whose answer is lost, and whose retry is refused
// (429 with a long Retry-After): the record says the tag moved, as it did.
func TestLostPutThenRefusedRetryIsRecordedAsMoved(t *testing.T) {
	mem := memory.New()
	ds, err := mem.Seed(memory.Image{Repository: "team/app", Tags: []string{"v1"}, Content: "a"},
		memory.Image{Repository: "team/app", Tags: []string{"prod"}, Content: "b"})
	require.NoError(t, err)
	var puts atomic.Int32
	host, reg := serveWith(t, mem, func(w http.ResponseWriter, r *http.Request, inner http.Handler) bool {
		if r.Method != http.MethodPut || !strings.HasSuffix(r.URL.Path, "/manifests/prod") {
			return false
		}
		if puts.Add(1) == 1 {
			inner.ServeHTTP(httptest.NewRecorder(), r) // it lands
			c, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			c.Close() // and its answer is lost
			return true
		}
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	rec, err := promote.Promote(context.Background(), reg, reference.MustParse(host+"/team/app:v1"), "prod")
	require.NoError(t, err)
	require.Len(t, rec.Tags, 1)
	assert.True(t, rec.Tags[0].Moved)
	assert.Equal(t, promote.BasisReadBack, rec.Tags[0].Basis)
	got, err := mem.Resolve(context.Background(), reference.MustParse(host+"/team/app:prod"))
	require.NoError(t, err)
	assert.Equal(t, ds[0], got.Digest, "the record and the registry agree")
}

// A registry that answers DELETE with 404 while the tag is still there:
// the rollback fails instead of recording a deletion that did not happen.
func TestDelete404WhileTheTagRemainsIsAFailure(t *testing.T) {
	mem := memory.New()
	_, err := mem.Seed(memory.Image{Repository: "team/app", Tags: []string{"v1"}, Content: "a"})
	require.NoError(t, err)
	host, reg := serveWith(t, mem, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.Method != http.MethodDelete {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(ociError("MANIFEST_UNKNOWN", "manifest unknown")))
		return true
	})
	rec, err := promote.Promote(context.Background(), reg, reference.MustParse(host+"/team/app:v1"), "staging")
	require.NoError(t, err)
	back, err := promote.Rollback(context.Background(), reg, rec)
	require.ErrorIs(t, err, promote.ErrNotFound)
	require.Len(t, back.Tags, 1)
	assert.False(t, back.Tags[0].Moved)
	_, err = mem.Resolve(context.Background(), reference.MustParse(host+"/team/app:staging"))
	assert.NoError(t, err, "staging is still there, as the record says")
}

// A retried token request does not make the DELETE's only attempt, answered
// 404, read as the retry of one that landed.
func TestDelete404AfterARetriedTokenFetchIsNotFound(t *testing.T) {
	var tok atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			if tok.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"token":"abcdefgh12345678"}`))
			return
		}
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("Www-Authenticate", `Bearer realm="`+srv.URL+`/token",service="x"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(ociError("MANIFEST_UNKNOWN", "manifest unknown")))
	}))
	defer srv.Close()
	host := srv.Listener.Addr().String()
	reg, err := remote.New(host, remote.WithPlainHTTPLoopback(), remote.WithRetry(quickRetry))
	require.NoError(t, err)
	err = reg.DeleteTag(context.Background(), reference.MustParse(host+"/team/app:edge"))
	require.ErrorIs(t, err, promote.ErrNotFound)
	assert.Equal(t, int32(2), tok.Load(), "the token fetch was retried")
}
