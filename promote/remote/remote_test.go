package remote_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/promote/remote/internal/regtest"
	"github.com/imagetags/imagetags/reference"
)

var testManifest = []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`)

// canned is one answer a test registry gives to requests with Method.
type canned struct {
	Method string
	Status int
	Header map[string]string
	Body   string
}

// cannedServer is a registry that serves testManifest for every manifest
// GET and HEAD, and answers requests with c.Method with c.
func cannedServer(t *testing.T, c canned) string {
	t.Helper()
	d := digest.FromBytes(testManifest)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == c.Method {
			for k, v := range c.Header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(c.Status)
			_, _ = io.WriteString(w, c.Body)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
			w.Header().Set("Docker-Content-Digest", d.String())
			w.Header().Set("Content-Length", strconv.Itoa(len(testManifest)))
			if r.Method == http.MethodGet {
				_, _ = w.Write(testManifest)
			}
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func ociError(code, msg string) string {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	return string(b)
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name  string
		reply canned
		want  error
	}{
		{"401 on HEAD", canned{Method: "HEAD", Status: 401}, promote.ErrUnauthorized},
		{"401 UNAUTHORIZED on PUT", canned{Method: "PUT", Status: 401, Body: ociError("UNAUTHORIZED", "authentication required")}, promote.ErrUnauthorized},
		{"403 DENIED on PUT", canned{Method: "PUT", Status: 403, Body: ociError("DENIED", "requested access to the resource is denied")}, promote.ErrDenied},
		{"403 without a body on HEAD", canned{Method: "HEAD", Status: 403}, promote.ErrDenied},
		{"404 on HEAD", canned{Method: "HEAD", Status: 404}, promote.ErrNotFound},
		{"404 MANIFEST_UNKNOWN on GET", canned{Method: "GET", Status: 404, Body: ociError("MANIFEST_UNKNOWN", "manifest unknown")}, promote.ErrNotFound},
		{"404 NAME_UNKNOWN on DELETE", canned{Method: "DELETE", Status: 404, Body: ociError("NAME_UNKNOWN", "repository name not known to registry")}, promote.ErrNotFound},
		{"429 TOOMANYREQUESTS on HEAD", canned{Method: "HEAD", Status: 429, Header: map[string]string{"Retry-After": "30"}}, promote.ErrRateLimited},
		{"405 on DELETE", canned{Method: "DELETE", Status: 405, Body: ociError("UNSUPPORTED", "The operation is unsupported.")}, promote.ErrUnsupported},
		{"400 UNSUPPORTED on DELETE", canned{Method: "DELETE", Status: 400, Body: ociError("UNSUPPORTED", "deletes are disabled")}, promote.ErrUnsupported},
		{"ECR 400 TAG_INVALID immutable", canned{Method: "PUT", Status: 400, Body: ociError("TAG_INVALID", "The image tag 'v1' already exists in the 'app' repository and cannot be overwritten because the tag is immutable.")}, promote.ErrTagImmutable},
		{"Harbor 412 PRECONDITION immutable", canned{Method: "PUT", Status: 412, Body: ociError("PRECONDITION", "Failed to process request due to 'v1' configured as immutable.")}, promote.ErrTagImmutable},
		{"Docker Hub 403 immutable", canned{Method: "PUT", Status: 403, Body: ociError("DENIED", "tag v1 is immutable and cannot be overwritten")}, promote.ErrTagImmutable},
		{"412 other precondition", canned{Method: "PUT", Status: 412, Body: ociError("PRECONDITION", "if-match failed")}, promote.ErrPreconditionFailed},
		{"400 TAG_INVALID not about immutability", canned{Method: "PUT", Status: 400, Body: ociError("TAG_INVALID", "manifest tag did not match URI")}, nil},
		{"500 after retries", canned{Method: "PUT", Status: 500, Body: ociError("UNKNOWN", "boom")}, nil},
	}
	sentinels := []error{promote.ErrNotFound, promote.ErrTagImmutable, promote.ErrPreconditionFailed, promote.ErrUnauthorized, promote.ErrDenied, promote.ErrRateLimited, promote.ErrUnsupported}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := cannedServer(t, tt.reply)
			reg, _ := backend(t, host)
			ctx := testContext(t)
			var err error
			switch tt.reply.Method {
			case "HEAD":
				_, err = reg.Resolve(ctx, ref(t, host+"/team/app:v1"))
			case "GET":
				_, _, err = reg.FetchManifest(ctx, ref(t, host+"/team/app:v1"))
			case "PUT":
				err = reg.Tag(ctx, ref(t, host+"/team/app:v1"), digest.FromBytes(testManifest))
			case "DELETE":
				err = reg.DeleteTag(ctx, ref(t, host+"/team/app:v1"))
			}
			require.Error(t, err)
			var re *remote.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.reply.Status, re.StatusCode)
			for _, s := range sentinels {
				assert.Equal(t, errors.Is(tt.want, s), errors.Is(err, s), "errors.Is(%v, %v)", err, s)
			}
			assert.Contains(t, err.Error(), "team/app:v1", "the error names the reference")
			if tt.want == promote.ErrRateLimited {
				var rl *promote.RateLimitError
				require.ErrorAs(t, err, &rl)
				assert.Equal(t, 30*time.Second, rl.RetryAfter)
			}
			if tt.want == promote.ErrTagImmutable {
				assert.Contains(t, err.Error(), "immutable", "the registry's message is kept")
			}
		})
	}
}

func TestTagsErrorMapping(t *testing.T) {
	host := cannedServer(t, canned{Method: "GET", Status: 404, Body: ociError("NAME_UNKNOWN", "repository name not known to registry")})
	reg, _ := backend(t, host)
	_, err := reg.Tags(testContext(t), ref(t, host+"/team/app"), "", 0)
	require.ErrorIs(t, err, promote.ErrNotFound)
	assert.Contains(t, err.Error(), "team/app")
}

// TestNoSecretsInErrors answers every authenticated request with an error
// message that repeats the credentials it received.
func TestNoSecretsInErrors(t *testing.T) {
	const (
		user     = "robot"
		password = "s3cret-Passw0rd-value"
		token    = "tok-9f8e7d6c5b4a-secret"
	)
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	tests := []struct {
		name   string
		scheme string
		status int
	}{
		{"basic auth, denied", "basic", 403},
		{"basic auth, still unauthorized", "basic", 401},
		{"bearer token, denied", "bearer", 403},
		{"bearer token, server error", "bearer", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srvURL string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" {
					u, p, ok := r.BasicAuth()
					if !ok || u != user || p != password {
						w.WriteHeader(http.StatusUnauthorized)
						return
					}
					_, _ = io.WriteString(w, `{"token":"`+token+`","access_token":"`+token+`"}`)
					return
				}
				got := r.Header.Get("Authorization")
				if got == "" {
					if tt.scheme == "basic" {
						w.Header().Set("Www-Authenticate", `Basic realm="test"`)
					} else {
						w.Header().Set("Www-Authenticate", `Bearer realm="`+srvURL+`/token",service="test"`)
					}
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				msg := fmt.Sprintf("you sent %q; password %s; basic %s", got, password, basic)
				if tt.scheme == "bearer" {
					msg += "; token " + token
				}
				_, _ = io.WriteString(w, ociError("DENIED", msg))
			}))
			defer srv.Close()
			srvURL = srv.URL
			host := srv.Listener.Addr().String()
			reg, _ := backend(t, host, remote.WithCredentials(user, password))
			ctx := testContext(t)
			_, err1 := reg.Resolve(ctx, ref(t, host+"/team/app:v1"))
			err2 := reg.Tag(ctx, ref(t, host+"/team/app:v1"), digest.FromBytes(testManifest))
			_, err3 := reg.Tags(ctx, ref(t, host+"/team/app"), "", 0)
			for _, err := range []error{err1, err2, err3} {
				require.Error(t, err)
				for _, secret := range []string{password, token, basic} {
					assert.NotContains(t, err.Error(), secret)
				}
			}
			assert.Contains(t, err2.Error(), "[redacted]", "the message is kept, scrubbed")
		})
	}
}

// schemeRecorder records what the backend would send, answering 404.
type schemeRecorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (s *schemeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	return &http.Response{StatusCode: 404, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

func TestPlainHTTPIsNeverGuessed(t *testing.T) {
	tests := []struct {
		host   string
		opts   []remote.Option
		scheme string
	}{
		{"registry.example.com", nil, "https"},
		{"localhost:5000", nil, "https"},
		{"127.0.0.1:5000", nil, "https"},
		{"registry.example.com", []remote.Option{remote.WithPlainHTTPLoopback()}, "https"},
		{"10.0.0.8:5000", []remote.Option{remote.WithPlainHTTPLoopback()}, "https"},
		{"localhost:5000", []remote.Option{remote.WithPlainHTTPLoopback()}, "http"},
		{"127.0.0.1:5000", []remote.Option{remote.WithPlainHTTPLoopback()}, "http"},
		{"[::1]:5000", []remote.Option{remote.WithPlainHTTPLoopback()}, "http"},
		{"registry.example.com", []remote.Option{remote.WithPlainHTTP()}, "http"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d options", tt.host, len(tt.opts)), func(t *testing.T) {
			rec := &schemeRecorder{}
			reg, err := remote.New(tt.host, append(tt.opts, remote.WithTransport(rec), remote.WithUserAgent("promoter/1.0"))...)
			require.NoError(t, err)
			_, err = reg.Resolve(testContext(t), ref(t, tt.host+"/team/app:v1"))
			require.ErrorIs(t, err, promote.ErrNotFound)
			require.Len(t, rec.reqs, 1)
			assert.Equal(t, tt.scheme, rec.reqs[0].URL.Scheme)
			assert.Equal(t, "promoter/1.0", rec.reqs[0].Header.Get("User-Agent"))
		})
	}
}

func TestDockerHubHost(t *testing.T) {
	rec := &schemeRecorder{}
	reg, err := remote.New("docker.io", remote.WithTransport(rec))
	require.NoError(t, err)
	_, err = reg.Resolve(testContext(t), ref(t, "ubuntu:24.04"))
	require.ErrorIs(t, err, promote.ErrNotFound)
	require.Len(t, rec.reqs, 1)
	assert.Equal(t, "https://registry-1.docker.io/v2/library/ubuntu/manifests/24.04", rec.reqs[0].URL.String())
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		host string
		opts []remote.Option
		want string
	}{
		{"empty host", "", nil, "empty registry host"},
		{"host with a path", "ghcr.io/team", nil, "want host or host:port"},
		{"host with a scheme", "https://ghcr.io", nil, "want host or host:port"},
		{"two credential sources", "ghcr.io", []remote.Option{remote.WithCredentials("a", "bcde"), remote.WithCredentials("c", "defg")}, "credentials given twice"},
		{"empty password", "ghcr.io", []remote.Option{remote.WithCredentials("a", "")}, "needs a username and a password"},
		{"missing docker config", "ghcr.io", []remote.Option{remote.WithDockerConfig("testdata/no-such-dir/config.json")}, ""},
		{"zero page size", "ghcr.io", []remote.Option{remote.WithPageSize(0)}, "page size 0"},
		{"negative page cap", "ghcr.io", []remote.Option{remote.WithPageCap(-1)}, "page cap -1"},
		{"nil transport", "ghcr.io", []remote.Option{remote.WithTransport(nil)}, "nil transport"},
		{"user agent with a newline", "ghcr.io", []remote.Option{remote.WithUserAgent("a\nb")}, "user agent"},
		{"retries without a time budget", "ghcr.io", []remote.Option{remote.WithRetry(remote.RetryPolicy{MaxRetries: 3, MaxBackoff: time.Second})}, "MaxElapsed budget"},
		{"backwards retry bounds", "ghcr.io", []remote.Option{remote.WithRetry(remote.RetryPolicy{MinBackoff: time.Second, MaxBackoff: time.Millisecond})}, "retry policy"},
		{"no request timeout", "ghcr.io", []remote.Option{remote.WithRequestTimeout(0)}, "request timeout 0s: want a positive duration"},
		{"unreadable docker config", "ghcr.io", []remote.Option{remote.WithDockerConfig("testdata")}, "reading docker config testdata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := remote.New(tt.host, tt.opts...)
			if tt.name == "missing docker config" {
				// A missing file is an empty config, as for the docker CLI.
				require.NoError(t, err)
				require.NotNil(t, reg)
				return
			}
			require.Error(t, err)
			assert.Nil(t, reg)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestOtherRegistryIsRefused(t *testing.T) {
	rec := &schemeRecorder{}
	reg, err := remote.New("ghcr.io", remote.WithTransport(rec), remote.WithCredentials("u", "secret-pass"))
	require.NoError(t, err)
	_, err = reg.Resolve(testContext(t), ref(t, "registry.example.com/team/app:v1"))
	require.Error(t, err)
	assert.False(t, errors.Is(err, promote.ErrNotFound), "a wrong registry is a caller error, not a missing image")
	assert.Contains(t, err.Error(), `serves "ghcr.io"`)
	assert.Empty(t, rec.reqs, "no request, so no credentials, go to the other registry")
}

func TestDockerConfigCredentials(t *testing.T) {
	const user, password = "robot", "from-the-docker-config"
	var sawAuth bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("Www-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if u != user || p != password {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		sawAuth = true
		w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
		w.Header().Set("Docker-Content-Digest", digest.FromBytes(testManifest).String())
		w.Header().Set("Content-Length", strconv.Itoa(len(testManifest)))
	}))
	defer srv.Close()
	host := srv.Listener.Addr().String()
	cfg := t.TempDir() + "/config.json"
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	require.NoError(t, os.WriteFile(cfg, []byte(`{"auths":{"`+host+`":{"auth":"`+auth+`"}}}`), 0o600))

	reg, err := remote.New(host, remote.WithDockerConfig(cfg), remote.WithPlainHTTPLoopback())
	require.NoError(t, err)
	desc, err := reg.Resolve(testContext(t), ref(t, host+"/team/app:v1"))
	require.NoError(t, err)
	assert.True(t, sawAuth)
	assert.Equal(t, digest.FromBytes(testManifest), desc.Digest)

	anon, err := remote.New(host, remote.WithPlainHTTPLoopback())
	require.NoError(t, err)
	_, err = anon.Resolve(testContext(t), ref(t, host+"/team/app:v1"))
	require.ErrorIs(t, err, promote.ErrUnauthorized, "without the config the registry refuses")
}

// tokenAuth puts bearer-token authentication like Docker Hub's or GHCR's
// in front of next: a request without the token gets a challenge, and
// /token hands the token out for the right username and password.
func tokenAuth(next http.Handler, user, password, token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = io.WriteString(w, `{"token":"`+token+`"}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("Www-Authenticate", `Bearer realm="http://`+r.Host+`/token",service="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// TestRequestCountsWithTokenAuth measures what bearer authentication adds
// to the request counts: the first request is challenged and repeated,
// each new scope (pull, then pull+push) costs one token request, and
// tokens are reused after that.
func TestRequestCountsWithTokenAuth(t *testing.T) {
	fake := memory.New()
	srv := httptest.NewServer(tokenAuth(fake.Handler(), "robot", "pass-word-1", "token-abc-123"))
	defer srv.Close()
	host := srv.Listener.Addr().String()
	ds, err := fake.Seed(memory.Image{Repository: "team/app", Tags: []string{"a"}})
	require.NoError(t, err)
	reg, counter := backend(t, host, remote.WithCredentials("robot", "pass-word-1"))
	ctx := testContext(t)

	steps := []struct {
		name string
		op   func() error
		want map[string]int
	}{
		{"first resolve: challenge, token, resolve", func() error {
			_, err := reg.Resolve(ctx, ref(t, host+"/team/app:a"))
			return err
		}, map[string]int{"HEAD manifest": 2, "GET auth": 1}},
		{"second resolve: the token is reused", func() error {
			_, err := reg.Resolve(ctx, ref(t, host+"/team/app:a"))
			return err
		}, map[string]int{"HEAD manifest": 1}},
		{"first retag: a token for the push scope, fetched up front", func() error {
			_, err := reg.Retag(ctx, ref(t, host+"/team/app@"+ds[0].String()), "a", "b", "c")
			return err
		}, map[string]int{"GET manifest": 1, "HEAD manifest": 3, "PUT manifest": 3, "GET auth": 1}},
		{"second retag: no handshakes", func() error {
			_, err := reg.Retag(ctx, ref(t, host+"/team/app:a"), "d", "e")
			return err
		}, map[string]int{"GET manifest": 1, "HEAD manifest": 2, "PUT manifest": 2}},
	}
	for _, s := range steps {
		counter.Reset()
		require.NoError(t, s.op(), s.name)
		assert.Equal(t, s.want, counter.All(), s.name)
	}
}

func TestConcurrentUse(t *testing.T) {
	tg := regtest.Fake(t)
	ctx := testContext(t)
	repo := tg.Host + "/" + regtest.Repository(t, "concurrent")
	d := regtest.Push(ctx, t, tg.Host, ref(t, repo).Repository(), "shared", "base")
	reg, _ := backend(t, tg.Host)
	base := ref(t, repo+":base")
	var tags []reference.Reference
	for i := range 4 {
		tags = append(tags, ref(t, repo+":c"+strconv.Itoa(i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tag := tags[i%4]
			if err := reg.Tag(ctx, tag, d); err != nil {
				errs <- err
			}
			if _, err := reg.Resolve(ctx, tag); err != nil {
				errs <- err
			}
			if _, err := reg.Retag(ctx, base, "r"+strconv.Itoa(i%3)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	all, err := promote.AllTags(ctx, reg, ref(t, repo))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"base", "c0", "c1", "c2", "c3", "r0", "r1", "r2"}, all)
}

func TestConnectionRefusedKeepsTheCause(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	host := srv.Listener.Addr().String()
	srv.Close() // nothing listens there now
	reg, _ := backend(t, host, remote.WithRetry(remote.RetryPolicy{MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxElapsed: time.Second}))
	_, err := reg.Resolve(testContext(t), ref(t, host+"/team/app:v1"))
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	var re *remote.Error
	require.ErrorAs(t, err, &re)
	assert.Zero(t, re.StatusCode)
	assert.Nil(t, re.Kind)
}
