// Package regtest is the test harness of promote/remote: the registries
// the integration tests run against (the in-memory fake's HTTP handler
// always, a real CNCF distribution registry when IMAGETAGS_TEST_REGISTRY
// names one), image pushing with oras-go's client, a request-counting
// transport and a fault-injecting reverse proxy.
package regtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"
	orasremote "oras.land/oras-go/v2/registry/remote"

	"github.com/imagetags/imagetags/promote/memory"
)

// EnvRegistry names the environment variable that points the integration
// tests at a real registry, as host:port on a loopback address, such as
// IMAGETAGS_TEST_REGISTRY=127.0.0.1:5000.
const EnvRegistry = "IMAGETAGS_TEST_REGISTRY"

// Target is a registry the tests run against.
type Target struct {
	// Name is "memory" for the fake, "distribution" for a real registry.
	Name string
	// Host is the host:port the registry listens on.
	Host string
	// Memory is the fake behind the handler, nil for a real registry.
	Memory *memory.Registry
}

// Fake serves a new in-memory registry over HTTP on a loopback port for
// the duration of the test.
func Fake(t testing.TB) Target {
	reg := memory.New()
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	return Target{Name: "memory", Host: srv.Listener.Addr().String(), Memory: reg}
}

// Run runs f as a subtest against the fake and as another against the real
// registry named by EnvRegistry; without it the second subtest skips and
// says how to run it.
func Run(t *testing.T, f func(t *testing.T, tg Target)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { f(t, Fake(t)) })
	t.Run("distribution", func(t *testing.T) {
		host := os.Getenv(EnvRegistry)
		if host == "" {
			t.Skipf("no real registry: set %s=127.0.0.1:<port> to a running CNCF distribution registry "+
				"(storage.delete.enabled: true), or run promote/remote/testdata/ci-registry.sh", EnvRegistry)
		}
		if !strings.HasPrefix(host, "127.") && !strings.HasPrefix(host, "localhost:") && !strings.HasPrefix(host, "[::1]:") {
			t.Fatalf("%s=%q: the tests only talk to registries on loopback addresses", EnvRegistry, host)
		}
		f(t, Target{Name: "distribution", Host: host})
	})
}

var repoSeq atomic.Int64

// Repository returns a repository path no other test uses, so that tests
// can share a long-running registry.
func Repository(t testing.TB, purpose string) string {
	return fmt.Sprintf("imagetags-test/%s-%s-%d", purpose, strconv.FormatInt(time.Now().UnixNano(), 36), repoSeq.Add(1))
}

// Push stores a small image (config, one layer, manifest) in repo on host
// with oras-go's client over plain HTTP and returns the manifest digest.
// content makes images distinct; tags, if any, point at the manifest.
func Push(ctx context.Context, t testing.TB, host, repo, content string, tags ...string) digest.Digest {
	t.Helper()
	r := &orasremote.Repository{
		Reference: registry.Reference{Registry: host, Repository: repo},
		PlainHTTP: true,
		Client:    http.DefaultClient,
	}
	push := func(desc ocispec.Descriptor, data []byte) {
		t.Helper()
		if err := r.Push(ctx, desc, bytes.NewReader(data)); err != nil {
			t.Fatalf("regtest: push %s to %s/%s: %v", desc.MediaType, host, repo, err)
		}
	}
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layer := []byte("regtest layer: " + content)
	cfgDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(cfg), Size: int64(len(cfg))}
	layerDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromBytes(layer), Size: int64(len(layer))}
	push(cfgDesc, cfg)
	push(layerDesc, layer)
	man, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    cfgDesc,
		Layers:    []ocispec.Descriptor{layerDesc},
	})
	if err != nil {
		t.Fatalf("regtest: manifest: %v", err)
	}
	manDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(man), Size: int64(len(man))}
	push(manDesc, man)
	for _, tag := range tags {
		if err := r.Tag(ctx, manDesc, tag); err != nil {
			t.Fatalf("regtest: tag %s/%s:%s: %v", host, repo, tag, err)
		}
	}
	return manDesc.Digest
}

// Counter is an http.RoundTripper that counts requests by method and
// endpoint, such as "HEAD manifest", "GET manifest", "PUT manifest",
// "GET tags" and "DELETE manifest". Requests outside /v2/<name>/ (token
// endpoints) count as "auth", the /v2/ ping as "ping".
type Counter struct {
	Base http.RoundTripper // nil means http.DefaultTransport

	mu     sync.Mutex
	counts map[string]int
}

// RoundTrip counts req and sends it on.
func (c *Counter) RoundTrip(req *http.Request) (*http.Response, error) {
	k := req.Method + " " + endpoint(req.URL.Path)
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[k]++
	c.mu.Unlock()
	base := c.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

// Counts returns the counts since the last Reset, without the auth
// handshakes ("ping" and "auth" endpoints).
func (c *Counter) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.counts {
		if !strings.HasSuffix(k, " ping") && !strings.HasSuffix(k, " auth") {
			out[k] = v
		}
	}
	return out
}

// All returns the counts since the last Reset, auth handshakes included.
func (c *Counter) All() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// Reset sets every count to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.counts = nil
	c.mu.Unlock()
}

func endpoint(p string) string {
	switch {
	case p == "/v2/" || p == "/v2":
		return "ping"
	case !strings.HasPrefix(p, "/v2/"):
		return "auth"
	case strings.Contains(p, "/manifests/"):
		return "manifest"
	case strings.HasSuffix(p, "/tags/list"):
		return "tags"
	case strings.Contains(p, "/blobs/"):
		return "blob"
	}
	return "other"
}
