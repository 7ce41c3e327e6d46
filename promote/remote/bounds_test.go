package remote_test

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/remote"
)

// hangingServer accepts requests and never answers them until the test
// ends. It counts the requests that reached it.
func hangingServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, release <-chan struct{})) (string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r, release)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: lets the handlers end
	return srv.Listener.Addr().String(), &n
}

// A registry that accepts the connection and never answers cannot block
// a call made with context.Background(): each attempt waits at most the
// request timeout, and the retries stay within the policy.
func TestUnansweringRegistryDoesNotBlock(t *testing.T) {
	host, n := hangingServer(t, func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	reg, err := remote.New(host, remote.WithPlainHTTPLoopback(), remote.WithRequestTimeout(20*time.Millisecond),
		remote.WithRetry(remote.RetryPolicy{MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxElapsed: 10 * time.Second}))
	require.NoError(t, err)

	_, err = reg.Resolve(context.Background(), ref(t, host+"/team/app:v1"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sent no answer within 20ms")
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Equal(t, int32(3), n.Load(), "the first attempt and two retries")
}

// An answer whose body stalls is cut off by the call's deadline.
func TestStalledBodyIsBoundedByTheCall(t *testing.T) {
	host, _ := hangingServer(t, func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
		w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
		w.Header().Set("Docker-Content-Digest", digest.FromBytes(testManifest).String())
		w.Header().Set("Content-Length", strconv.Itoa(len(testManifest)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(testManifest[:10])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	reg, err := remote.New(host, remote.WithPlainHTTPLoopback(), remote.WithRequestTimeout(50*time.Millisecond),
		remote.WithRetry(remote.RetryPolicy{}))
	require.NoError(t, err)
	_, _, err = reg.FetchManifest(context.Background(), ref(t, host+"/team/app:v1"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// A DELETE whose first answer was lost (here a 503 after the registry
// applied it) and whose retry answers 404 has done its work; a DELETE
// answered 404 at once has not.
func TestDeleteAnswered404OnRetryIsDone(t *testing.T) {
	tests := []struct {
		name    string
		answers []int
		wantErr error
	}{
		{"404 on the retry", []int{http.StatusServiceUnavailable, http.StatusNotFound}, nil},
		{"404 at once", []int{http.StatusNotFound}, promote.ErrNotFound},
		{"202 on the retry", []int{http.StatusServiceUnavailable, http.StatusAccepted}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var i atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				k := int(i.Add(1)) - 1
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.answers[min(k, len(tt.answers)-1)])
				_, _ = w.Write([]byte(ociError("MANIFEST_UNKNOWN", "manifest unknown")))
			}))
			defer srv.Close()
			host := srv.Listener.Addr().String()
			reg, _ := backend(t, host)
			err := reg.DeleteTag(testContext(t), ref(t, host+"/team/app:edge"))
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.wantErr)
			}
			assert.Equal(t, int32(len(tt.answers)), i.Load())
		})
	}
}

// A docker config entry that is not base64 of user:password (a bare
// token, or not base64 at all) is refused for its host without quoting
// any part of it; other hosts' entries still work.
func TestMalformedDockerConfigEntryIsRefusedWithoutQuotingIt(t *testing.T) {
	const token = "ghp_BareTokenValue0123456789"
	tests := []struct {
		name string
		auth string
		hide []string
	}{
		{"bare token", base64.StdEncoding.EncodeToString([]byte(token)), []string{token, base64.StdEncoding.EncodeToString([]byte(token))}},
		{"not base64", "%%" + token, []string{token}},
		{"no user", base64.StdEncoding.EncodeToString([]byte(":" + token)), []string{token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, _, ok := r.BasicAuth(); !ok {
					w.Header().Set("Www-Authenticate", `Basic realm="test"`)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
				w.Header().Set("Docker-Content-Digest", digest.FromBytes(testManifest).String())
				w.Header().Set("Content-Length", strconv.Itoa(len(testManifest)))
			}))
			defer srv.Close()
			host := srv.Listener.Addr().String()
			other := "127.0.0.2:1"
			good := base64.StdEncoding.EncodeToString([]byte("robot:fine-password"))
			cfg := t.TempDir() + "/config.json"
			require.NoError(t, os.WriteFile(cfg, []byte(`{"auths":{"`+host+`":{"auth":"`+tt.auth+`"},"`+other+`":{"auth":"`+good+`"}}}`), 0o600))

			reg, err := remote.New(host, remote.WithDockerConfig(cfg), remote.WithPlainHTTPLoopback(), remote.WithRetry(fastRetry))
			require.NoError(t, err, "one bad entry does not make the file unusable")
			_, err = reg.Resolve(testContext(t), ref(t, host+"/team/app:v1"))
			require.Error(t, err)
			assert.ErrorIs(t, err, promote.ErrUnauthorized)
			assert.Contains(t, err.Error(), "not base64 of user:password")
			assert.Contains(t, err.Error(), "docker login "+host)
			for _, secret := range tt.hide {
				assert.NotContains(t, err.Error(), secret)
			}
		})
	}
}
