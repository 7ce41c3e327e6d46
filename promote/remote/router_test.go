package remote_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// routedHost serves a fresh in-memory registry seeded with one image of
// team/app tagged 1.0 and stable, over plain HTTP on a loopback port, and
// returns its host and the image's digest.
func routedHost(t *testing.T, content string) (string, *memory.Registry, digest.Digest) {
	t.Helper()
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0", "stable"}, Content: content})
	require.NoError(t, err)
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), reg, ds[0]
}

func noRetry() remote.Option { return remote.WithRetry(remote.RetryPolicy{}) }

func TestRouterRoutesEachHostToItsBackend(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	hostA, _, dA := routedHost(t, "a")
	hostB, _, dB := routedHost(t, "b")
	require.NotEqual(t, dA, dB)
	r, err := remote.NewRouter(remote.RouteDefaults(remote.WithDockerConfig(""), remote.WithPlainHTTPLoopback(), noRetry()))
	require.NoError(t, err)
	assert.Empty(t, r.Hosts(), "no backend exists before its first use")

	ctx := context.Background()
	tests := []struct {
		host string
		want digest.Digest
	}{{hostA, dA}, {hostB, dB}}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			ref := reference.MustParse(tt.host + "/team/app:1.0")
			desc, err := r.Resolve(ctx, ref)
			require.NoError(t, err)
			assert.Equal(t, tt.want, desc.Digest)

			got, err := promote.AllTags(ctx, r, ref)
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{"1.0", "stable"}, got)

			desc, data, err := r.FetchManifest(ctx, ref)
			require.NoError(t, err)
			assert.Equal(t, tt.want, digest.FromBytes(data))
			assert.Equal(t, tt.want, desc.Digest)

			ch := reference.MustParse(tt.host + "/team/app:staging")
			require.NoError(t, r.Tag(ctx, ch, tt.want))
			desc, err = r.Resolve(ctx, ch)
			require.NoError(t, err)
			assert.Equal(t, tt.want, desc.Digest)
			require.NoError(t, r.DeleteTag(ctx, ch))
			_, err = r.Resolve(ctx, ch)
			assert.ErrorIs(t, err, promote.ErrNotFound)
		})
	}
	want := []string{hostA, hostB}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}
	assert.Equal(t, want, r.Hosts())
}

func TestRouterPerHostOptions(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	hostA, _, dA := routedHost(t, "a")
	hostB, _, _ := routedHost(t, "b")
	// Only hostA is told to speak plain HTTP; hostB gets HTTPS, which its
	// plain server cannot answer.
	r, err := remote.NewRouter(remote.RouteDefaults(noRetry()), remote.RouteHost(hostA, remote.WithPlainHTTP()))
	require.NoError(t, err)
	ctx := context.Background()
	desc, err := r.Resolve(ctx, reference.MustParse(hostA+"/team/app:1.0"))
	require.NoError(t, err)
	assert.Equal(t, dA, desc.Digest)
	_, err = r.Resolve(ctx, reference.MustParse(hostB+"/team/app:1.0"))
	assert.Error(t, err)
}

func TestRouterFixedBackendKeepsItsAbilities(t *testing.T) {
	fake := memory.New()
	ds, err := fake.Seed(memory.Image{Repository: "acme/app", Tags: []string{"1.0"}})
	require.NoError(t, err)
	r, err := remote.NewRouter(remote.RouteBackend("registry.example.com", fake), remote.RouteOnly("registry.example.com"))
	require.NoError(t, err)

	ref := reference.MustParse("registry.example.com/acme/app:production")
	b, err := r.Backend(ref)
	require.NoError(t, err)
	byHost, err := r.Registry("registry.example.com")
	require.NoError(t, err)
	assert.Same(t, fake, byHost.(*memory.Registry))
	_, err = r.Registry("not a host")
	assert.Error(t, err)
	sw, ok := b.(promote.TagSwapper)
	require.True(t, ok, "the fake's TagSwapper is reachable through Backend")
	require.NoError(t, sw.SwapTag(context.Background(), ref, "", ds[0]))
	assert.ErrorIs(t, sw.SwapTag(context.Background(), ref, "", ds[0]), promote.ErrPreconditionFailed)

	var _ promote.Registry = r
	_, isSwapper := any(r).(promote.TagSwapper)
	assert.False(t, isSwapper, "the router promises no atomic swap for every host")
}

func TestRouterRefusesHostsNotRouted(t *testing.T) {
	fake := memory.New()
	r, err := remote.NewRouter(remote.RouteBackend("registry.example.com", fake), remote.RouteOnly("registry.example.com"))
	require.NoError(t, err)
	ctx := context.Background()
	ref := reference.MustParse("ghcr.io/acme/app:1.0")
	calls := []struct {
		name string
		call func() error
	}{
		{"resolve", func() error { _, err := r.Resolve(ctx, ref); return err }},
		{"tag", func() error { return r.Tag(ctx, ref, digest.FromString("x")) }},
		{"tags", func() error { _, err := r.Tags(ctx, ref, "", 0); return err }},
		{"delete", func() error { return r.DeleteTag(ctx, ref) }},
		{"fetch", func() error { _, _, err := r.FetchManifest(ctx, ref); return err }},
		{"backend", func() error { _, err := r.Backend(ref); return err }},
		{"registry", func() error { _, err := r.Registry("ghcr.io"); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			require.ErrorIs(t, err, remote.ErrNotRouted)
			assert.Contains(t, err.Error(), `"ghcr.io"`)
			assert.Contains(t, err.Error(), "registry.example.com")
		})
	}
	assert.Empty(t, fake.Events())
	assert.Empty(t, r.Hosts())
}

// plainRegistry has only the three required methods.
type plainRegistry struct{ promote.Registry }

func TestRouterOptionalAbilitiesOfABackend(t *testing.T) {
	fake := memory.New()
	r, err := remote.NewRouter(remote.RouteBackend("registry.example.com", plainRegistry{fake}))
	require.NoError(t, err)
	ctx := context.Background()
	ref := reference.MustParse("registry.example.com/acme/app:1.0")
	assert.ErrorIs(t, r.DeleteTag(ctx, ref), promote.ErrUnsupported)
	_, _, err = r.FetchManifest(ctx, ref)
	assert.ErrorIs(t, err, promote.ErrUnsupported)
}

func TestNewRouterRefusesBadOptions(t *testing.T) {
	fake := memory.New()
	tests := []struct {
		name string
		opts []remote.RouterOption
		want string
	}{
		{"bad host", []remote.RouterOption{remote.RouteHost("not a host")}, "registry host"},
		{"bad default", []remote.RouterOption{remote.RouteDefaults(remote.WithPageSize(0))}, "page size"},
		{"bad host option", []remote.RouterOption{remote.RouteHost("ghcr.io", remote.WithPageCap(-1))}, `"ghcr.io"`},
		{"credentials twice", []remote.RouterOption{
			remote.RouteDefaults(remote.WithDockerConfig(emptyDockerConfig(t))),
			remote.RouteHost("ghcr.io", remote.WithCredentials("v", "q"))}, "credentials given twice"},
		{"static credentials for every host", []remote.RouterOption{remote.RouteDefaults(remote.WithCredentials("u", "secret"))}, "give it with RouteHost"},
		{"nil backend", []remote.RouterOption{remote.RouteBackend("ghcr.io", nil)}, "nil registry"},
		{"backend and options", []remote.RouterOption{remote.RouteHost("ghcr.io"), remote.RouteBackend("ghcr.io", fake)}, "either options or a backend"},
		{"two backends", []remote.RouterOption{remote.RouteBackend("ghcr.io", fake), remote.RouteBackend("ghcr.io", fake)}, "two backends"},
		{"only nothing", []remote.RouterOption{remote.RouteOnly()}, "at least one host"},
		{"backend outside only", []remote.RouterOption{remote.RouteBackend("ghcr.io", fake), remote.RouteOnly("quay.io")}, "not among the routed hosts"},
		{"options outside only", []remote.RouterOption{remote.RouteHost("ghcr.io"), remote.RouteOnly("quay.io")}, "not among the routed hosts"},
		{"bad docker config", []remote.RouterOption{remote.RouteDefaults(remote.WithDockerConfig(badDockerConfig(t)))}, "docker config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := remote.NewRouter(tt.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

func emptyDockerConfig(t *testing.T) string {
	t.Helper()
	path := t.TempDir() + "/config.json"
	require.NoError(t, os.WriteFile(path, []byte("{}"), 0o600))
	return path
}

func badDockerConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := dir + "/config.json"
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	return path
}

func TestRouterConcurrentUse(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	hosts := make([]string, 3)
	digests := make([]digest.Digest, 3)
	for i := range hosts {
		hosts[i], _, digests[i] = routedHost(t, fmt.Sprint("content ", i))
	}
	r, err := remote.NewRouter(remote.RouteDefaults(remote.WithPlainHTTPLoopback(), noRetry()))
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Go(func() {
			h := i % len(hosts)
			desc, err := r.Resolve(context.Background(), reference.MustParse(hosts[h]+"/team/app:stable"))
			if err == nil && desc.Digest != digests[h] {
				err = fmt.Errorf("host %d resolved to %s, want %s", h, desc.Digest, digests[h])
			}
			if err != nil {
				errs <- err
			}
			_ = r.Hosts()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Len(t, r.Hosts(), len(hosts))
}
