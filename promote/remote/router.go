package remote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// The router implements the Registry interface and the optional
// TagDeleter and ManifestFetcher, forwarding each to the backend of the
// reference's host. It does not implement TagSwapper, because whether a
// swap is atomic depends on the host: Backend returns the host's own
// backend, with exactly the abilities it has.
var (
	_ promote.Registry        = (*Router)(nil)
	_ promote.TagDeleter      = (*Router)(nil)
	_ promote.ManifestFetcher = (*Router)(nil)
)

// ErrNotRouted reports a reference whose registry host the Router was told
// not to serve (see RouteOnly).
var ErrNotRouted = errors.New("registry host not routed")

// Router is a promote.Registry for references on many registry hosts: a
// fleet that mixes docker.io, ghcr.io and an internal registry in one run.
// Each reference goes to the backend of its own host, created on first use
// with the options given to RouteDefaults and RouteHost, or given directly
// with RouteBackend. Every host has its own backend, which refuses
// references on other hosts, and static credentials are accepted only per
// host (RouteHost), so credentials meant for one registry are never sent to
// another; the docker config's credentials are looked up by host. A Router
// is safe for concurrent use.
type Router struct {
	defaults []Option
	hosts    map[string][]Option
	fixed    map[string]promote.Registry
	only     []string // sorted; nil means every host

	mu     sync.RWMutex
	routes map[string]*route
}

type route struct {
	once sync.Once
	reg  promote.Registry
	err  error
	used bool // reg is ready; guarded by Router.mu
}

// RouterOption configures NewRouter.
type RouterOption func(*Router) error

// RouteDefaults gives the options of New used for every host the Router
// creates a backend for, such as WithDockerConfig("") and
// WithPlainHTTPLoopback(). Given twice, the options add up. WithCredentials
// is refused here, since it would send one registry's password to every
// host a reference names: give it with RouteHost.
func RouteDefaults(opts ...Option) RouterOption {
	return func(r *Router) error {
		r.defaults = append(r.defaults, opts...)
		return nil
	}
}

// RouteHost gives options for one host, applied after the defaults: plain
// HTTP for a registry on a trusted network, a custom transport, a page
// size. host is spelled as references spell it ("registry.corp:5000").
func RouteHost(host string, opts ...Option) RouterOption {
	return func(r *Router) error {
		if err := validateHost(host); err != nil {
			return err
		}
		if _, ok := r.fixed[host]; ok {
			return fmt.Errorf("remote: registry host %q has a backend already; it takes no options", host)
		}
		r.hosts[host] = append(r.hosts[host], opts...)
		return nil
	}
}

// RouteBackend serves host from reg instead of a backend created by the
// Router: the in-memory fake in tests and demos, or a backend configured
// elsewhere.
func RouteBackend(host string, reg promote.Registry) RouterOption {
	return func(r *Router) error {
		if err := validateHost(host); err != nil {
			return err
		}
		if reg == nil {
			return fmt.Errorf("remote: RouteBackend %q: nil registry", host)
		}
		if _, ok := r.hosts[host]; ok {
			return fmt.Errorf("remote: registry host %q has options already; give it either options or a backend", host)
		}
		if _, ok := r.fixed[host]; ok {
			return fmt.Errorf("remote: registry host %q has two backends", host)
		}
		r.fixed[host] = reg
		return nil
	}
}

// RouteOnly restricts the Router to the given hosts: a reference on any
// other host fails with ErrNotRouted before any request is made.
func RouteOnly(hosts ...string) RouterOption {
	return func(r *Router) error {
		if len(hosts) == 0 {
			return errors.New("remote: RouteOnly needs at least one host")
		}
		for _, h := range hosts {
			if err := validateHost(h); err != nil {
				return err
			}
			if !slices.Contains(r.only, h) {
				r.only = append(r.only, h)
			}
		}
		sort.Strings(r.only)
		return nil
	}
}

// NewRouter returns a Router. It checks every option, and loads the docker
// config a WithDockerConfig option names, so a mistake is reported before
// the first request rather than in the middle of a run; backends are
// created only when a reference on their host is first used.
func NewRouter(opts ...RouterOption) (*Router, error) {
	r := &Router{hosts: map[string][]Option{}, fixed: map[string]promote.Registry{}, routes: map[string]*route{}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(r); err != nil {
			return nil, err
		}
	}
	s, err := checkOptions(r.defaults)
	if err != nil {
		return nil, err
	}
	if s.credSource == staticCredentials {
		return nil, errors.New("remote: WithCredentials in RouteDefaults would send the password to every registry host; give it with RouteHost for its host")
	}
	for host, extra := range r.hosts {
		if _, err := checkOptions(append(slices.Clip(r.defaults), extra...)); err != nil {
			return nil, fmt.Errorf("registry host %q: %w", host, err)
		}
	}
	if r.only != nil {
		for host := range r.hosts {
			if !slices.Contains(r.only, host) {
				return nil, fmt.Errorf("remote: registry host %q has options but is not among the routed hosts %s", host, strings.Join(r.only, ", "))
			}
		}
		for host := range r.fixed {
			if !slices.Contains(r.only, host) {
				return nil, fmt.Errorf("remote: registry host %q has a backend but is not among the routed hosts %s", host, strings.Join(r.only, ", "))
			}
		}
	}
	return r, nil
}

// staticCredentials is the credential source WithCredentials records.
const staticCredentials = "static credentials"

// checkOptions applies opts to scratch settings, to report a bad option
// when the Router is built.
func checkOptions(opts []Option) (settings, error) {
	var s settings
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return s, err
		}
	}
	return s, nil
}

// Backend returns the backend that serves ref's registry host, creating it
// on first use. It is the host's own Registry, with the optional
// interfaces it has (the in-memory fake's TagSwapper, for one), for
// operations on one repository that want them.
func (r *Router) Backend(ref reference.Reference) (promote.Registry, error) {
	if ref.IsZero() {
		return nil, errors.New("remote: empty reference")
	}
	return r.backend(ref.Registry())
}

// Registry returns the backend that serves host, spelled as references
// spell it ("ghcr.io", "localhost:5000"), creating it on first use: the
// Router as a set of registries for operations that reach several hosts.
func (r *Router) Registry(host string) (promote.Registry, error) {
	if err := validateHost(host); err != nil {
		return nil, err
	}
	return r.backend(host)
}

func (r *Router) backend(host string) (promote.Registry, error) {
	if r.only != nil && !slices.Contains(r.only, host) {
		return nil, &notRoutedError{host: host, only: r.only}
	}
	// The usual case: the backend exists.
	r.mu.RLock()
	rt := r.routes[host]
	if rt != nil && rt.used {
		reg := rt.reg
		r.mu.RUnlock()
		return reg, nil
	}
	r.mu.RUnlock()

	r.mu.Lock()
	if rt = r.routes[host]; rt == nil {
		rt = &route{}
		r.routes[host] = rt
	}
	r.mu.Unlock()
	rt.once.Do(func() {
		if reg, ok := r.fixed[host]; ok {
			rt.reg = reg
			return
		}
		opts := append(slices.Clip(r.defaults), r.hosts[host]...)
		rt.reg, rt.err = New(host, opts...)
	})
	if rt.err != nil {
		return nil, rt.err
	}
	r.mu.Lock()
	rt.used = true
	r.mu.Unlock()
	return rt.reg, nil
}

// Hosts returns, sorted, the hosts the Router has routed a reference to so
// far.
func (r *Router) Hosts() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for h, rt := range r.routes {
		if rt.used {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out
}

// Resolve resolves ref on the backend of its host.
func (r *Router) Resolve(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, error) {
	b, err := r.Backend(ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return b.Resolve(ctx, ref)
}

// Tag points ref's tag at d on the backend of its host.
func (r *Router) Tag(ctx context.Context, ref reference.Reference, d digest.Digest) error {
	b, err := r.Backend(ref)
	if err != nil {
		return err
	}
	return b.Tag(ctx, ref, d)
}

// Tags lists one page of the tags of repo on the backend of its host.
func (r *Router) Tags(ctx context.Context, repo reference.Reference, cursor string, limit int) (promote.TagPage, error) {
	b, err := r.Backend(repo)
	if err != nil {
		return promote.TagPage{}, err
	}
	return b.Tags(ctx, repo, cursor, limit)
}

// DeleteTag removes ref's tag on the backend of its host; a backend that
// cannot delete tags gives an error matching promote.ErrUnsupported.
func (r *Router) DeleteTag(ctx context.Context, ref reference.Reference) error {
	b, err := r.Backend(ref)
	if err != nil {
		return err
	}
	del, ok := b.(promote.TagDeleter)
	if !ok {
		return fmt.Errorf("remote: the backend of %s cannot delete tags: %w", ref.Registry(), promote.ErrUnsupported)
	}
	return del.DeleteTag(ctx, ref)
}

// FetchManifest returns the manifest ref names from the backend of its
// host; a backend that cannot fetch manifests gives an error matching
// promote.ErrUnsupported.
func (r *Router) FetchManifest(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, []byte, error) {
	b, err := r.Backend(ref)
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	f, ok := b.(promote.ManifestFetcher)
	if !ok {
		return ocispec.Descriptor{}, nil, fmt.Errorf("remote: the backend of %s cannot fetch manifests: %w", ref.Registry(), promote.ErrUnsupported)
	}
	return f.FetchManifest(ctx, ref)
}

type notRoutedError struct {
	host string
	only []string
}

func (e *notRoutedError) Error() string {
	return fmt.Sprintf("registry host %q is not served here (allowed: %s)", e.host, strings.Join(e.only, ", "))
}

func (e *notRoutedError) Unwrap() error { return ErrNotRouted }
