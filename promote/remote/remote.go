package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"oras.land/oras-go/v2/registry"
	orasremote "oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// The backend implements the Registry interface and the optional
// TagDeleter and ManifestFetcher. It does not implement TagSwapper: the
// OCI Distribution API has no conditional tag write, so a check and a
// write are always two requests.
var (
	_ promote.Registry        = (*Registry)(nil)
	_ promote.TagDeleter      = (*Registry)(nil)
	_ promote.ManifestFetcher = (*Registry)(nil)
)

// Defaults for the options of New.
const (
	// DefaultPageSize is the number of tags asked for per listing request
	// when neither the caller nor WithPageSize gives one.
	DefaultPageSize = 100
	// DefaultPageCap is the number of tag pages one listing may follow
	// before Tags stops with ErrPageCap.
	DefaultPageCap = 1000
	// DefaultUserAgent is the User-Agent header sent with every request.
	DefaultUserAgent = "imagetags-promote-remote"
	// MaxManifestSize is the largest manifest the backend reads, 4 MiB,
	// the limit most registries enforce on upload.
	MaxManifestSize = 4 << 20
)

// ErrPageCap reports a tag listing that reached the page cap set with
// WithPageCap, which protects callers from a registry whose Link headers
// never end.
var ErrPageCap = errors.New("tag listing reached the page cap")

// Registry is a promote.Registry backed by one OCI registry host, spoken
// to over the OCI Distribution API. It is safe for concurrent use.
type Registry struct {
	host    string // as references spell it: "docker.io", "localhost:5000"
	plain   bool   // http instead of https
	client  *auth.Client
	secrets *secrets
	page    int
	pageCap int
	retry   RetryPolicy
	cache   *manifestCache
	// requestTimeout bounds one attempt's wait for an answer.
	requestTimeout time.Duration
}

// RetryPolicy bounds how the backend retries a request that failed with a
// 5xx status, 408, 429 or a reset connection. Backoff grows exponentially
// from MinBackoff to MaxBackoff; a 429's Retry-After is honoured when it
// is no longer than MaxBackoff and fits in what is left of MaxElapsed
// (otherwise the *promote.RateLimitError returned carries it, for the
// caller to decide). Retrying stops after MaxRetries retries or once
// MaxElapsed has passed since the call began, whichever comes first, and
// always when the call's context is done.
//
// The budget is per call, not per request: the retries of all requests
// one call makes (Tag reads the manifest and then writes it) share it,
// and MaxElapsed is also the call's deadline when the caller's context
// has none earlier, so a registry that accepts connections and never
// answers cannot block a call made with context.Background(). Each
// attempt's wait for an answer is bounded by WithRequestTimeout.
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; 0 disables retrying
	MinBackoff time.Duration // the first wait
	MaxBackoff time.Duration // the longest single wait
	MaxElapsed time.Duration // the total time budget of one call, attempts and waits included
}

// DefaultRetryPolicy is the RetryPolicy used unless WithRetry says
// otherwise: up to 5 retries, waiting 200ms to 3s, within 30s in all.
var DefaultRetryPolicy = RetryPolicy{MaxRetries: 5, MinBackoff: 200 * time.Millisecond, MaxBackoff: 3 * time.Second, MaxElapsed: 30 * time.Second}

// Option configures New.
type Option func(*settings) error

type settings struct {
	credential     auth.CredentialFunc
	credSource     string
	transport      http.RoundTripper
	plainHTTP      bool
	plainLoopback  bool
	userAgent      string
	page           int
	pageCap        int
	retry          RetryPolicy
	requestTimeout time.Duration
	staticSecrets  []string
}

// WithDockerConfig takes credentials from a Docker CLI config file and the
// credential helpers it names, as `docker login` left them. An empty path
// means the default location: $DOCKER_CONFIG/config.json, or
// ~/.docker/config.json. The file is read when New runs; credentials are
// looked up (and helpers run) only when the registry asks for them.
//
// No credential in the file ever reaches an error: every value it holds
// is scrubbed from the backend's errors, whether a lookup succeeded or
// not, and an entry whose "auth" is not base64 of user:password (a bare
// token, say) is refused, for its host only, with an error that quotes no
// part of it and matches promote.ErrUnauthorized.
func WithDockerConfig(path string) Option {
	return func(s *settings) error {
		// Read the file first with a parser of our own, whose errors never
		// quote it, and learn every credential value it holds.
		cfg, err := readDockerConfig(path)
		if err != nil {
			return err
		}
		var store *credentials.DynamicStore
		if path == "" {
			store, err = credentials.NewStoreFromDocker(credentials.StoreOptions{})
		} else {
			store, err = credentials.NewStore(path, credentials.StoreOptions{})
		}
		if err != nil {
			name := path
			if name == "" {
				name = "the default docker config"
			}
			return fmt.Errorf("remote: loading credentials from %s: %w", name, err)
		}
		s.staticSecrets = append(s.staticSecrets, cfg.secrets...)
		return s.setCredential(cfg.guard(credentials.Credential(store)), "docker config")
	}
}

// WithCredentials authenticates with a fixed username and password (or
// access token as password, as GHCR and ECR accept).
func WithCredentials(username, password string) Option {
	return func(s *settings) error {
		if username == "" || password == "" {
			return errors.New("remote: WithCredentials needs a username and a password; use no option for anonymous access")
		}
		s.staticSecrets = append(s.staticSecrets, password)
		cred := auth.Credential{Username: username, Password: password}
		return s.setCredential(func(context.Context, string) (auth.Credential, error) {
			return cred, nil
		}, "static credentials")
	}
}

// WithTransport sends requests through rt instead of
// http.DefaultTransport: for proxies, custom TLS roots, or request
// accounting in tests. Retries and authentication are layered above it.
func WithTransport(rt http.RoundTripper) Option {
	return func(s *settings) error {
		if rt == nil {
			return errors.New("remote: WithTransport: nil transport")
		}
		s.transport = rt
		return nil
	}
}

// WithPlainHTTP speaks plain HTTP instead of HTTPS to the registry,
// whatever its host. Credentials then cross the network in the clear; use
// it only for registries on trusted networks.
func WithPlainHTTP() Option {
	return func(s *settings) error {
		s.plainHTTP = true
		return nil
	}
}

// WithPlainHTTPLoopback speaks plain HTTP when the registry host is a
// loopback address (127.0.0.0/8, ::1 or "localhost"), and HTTPS otherwise.
// It is for local test registries; nothing is guessed without it.
func WithPlainHTTPLoopback() Option {
	return func(s *settings) error {
		s.plainLoopback = true
		return nil
	}
}

// WithUserAgent sets the User-Agent header; the default is
// DefaultUserAgent.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		if ua == "" || strings.ContainsAny(ua, "\r\n") {
			return fmt.Errorf("remote: user agent %q: want a non-empty single line", ua)
		}
		s.userAgent = ua
		return nil
	}
}

// WithPageSize sets how many tags Tags asks for per request when its
// caller gives no limit; the default is DefaultPageSize. Registries may
// return fewer.
func WithPageSize(n int) Option {
	return func(s *settings) error {
		if n <= 0 {
			return fmt.Errorf("remote: page size %d: want a positive number", n)
		}
		s.page = n
		return nil
	}
}

// WithPageCap sets how many pages one tag listing may follow before Tags
// fails with ErrPageCap; the default is DefaultPageCap.
func WithPageCap(n int) Option {
	return func(s *settings) error {
		if n <= 0 {
			return fmt.Errorf("remote: page cap %d: want a positive number", n)
		}
		s.pageCap = n
		return nil
	}
}

// WithRetry replaces DefaultRetryPolicy. Tests use tiny backoffs to keep
// fault scenarios fast.
func WithRetry(p RetryPolicy) Option {
	return func(s *settings) error {
		if p.MaxRetries < 0 || p.MinBackoff < 0 || p.MaxBackoff < p.MinBackoff || p.MaxElapsed < 0 {
			return fmt.Errorf("remote: retry policy %+v: want non-negative values and MaxBackoff >= MinBackoff", p)
		}
		if p.MaxRetries > 0 && p.MaxElapsed == 0 {
			return fmt.Errorf("remote: retry policy %+v: retries need a MaxElapsed budget", p)
		}
		s.retry = p
		return nil
	}
}

func (s *settings) setCredential(f auth.CredentialFunc, source string) error {
	if s.credential != nil {
		return fmt.Errorf("remote: credentials given twice (%s, then %s); choose one source", s.credSource, source)
	}
	s.credential, s.credSource = f, source
	return nil
}

// New returns a Registry for the registry at host, spelled as references
// spell it: "ghcr.io", "registry.example.com:5000", "docker.io" (which is
// reached at registry-1.docker.io). New does not contact the registry;
// the first operation does. Without credential options access is
// anonymous.
func New(host string, opts ...Option) (*Registry, error) {
	if err := validateHost(host); err != nil {
		return nil, err
	}
	s := settings{
		userAgent: DefaultUserAgent,
		page:      DefaultPageSize,
		pageCap:   DefaultPageCap,
		retry:     DefaultRetryPolicy,

		requestTimeout: DefaultRequestTimeout,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	base := s.transport
	if base == nil {
		base = http.DefaultTransport
	}
	sec := newSecrets(s.staticSecrets...)
	// From the wire up: the caller's transport; a bound on each attempt's
	// wait for an answer; a recorder of the Authorization values sent, so
	// they can be scrubbed from errors; retries; an observer of the final
	// response for Retry-After.
	rt := observe(newRetryTransport(sec.recorder(&attemptTimeout{base: base, d: s.requestTimeout}), s.retry))
	client := &auth.Client{
		Client: &http.Client{Transport: rt},
		Cache:  auth.NewCache(),
	}
	if s.credential != nil {
		client.Credential = sec.watch(s.credential)
	}
	client.SetUserAgent(s.userAgent)
	loop := isLoopback(host)
	if loop {
		// A token realm on the same machine as the registry is expected
		// for a local registry; keep every other default block.
		client.BlockedRealmPrefixes = withoutLoopback(auth.DefaultBlockedRealmPrefixes())
	}
	return &Registry{
		host:    host,
		plain:   s.plainHTTP || (s.plainLoopback && loop),
		client:  client,
		secrets: sec,
		page:    s.page,
		pageCap: s.pageCap,
		retry:   s.retry,
		cache:   newManifestCache(64),

		requestTimeout: s.requestTimeout,
	}, nil
}

// Host returns the registry host the Registry serves, as given to New.
func (r *Registry) Host() string { return r.host }

func validateHost(host string) error {
	if host == "" {
		return errors.New("remote: empty registry host")
	}
	ref := registry.Reference{Registry: host, Repository: "x"}
	if err := ref.ValidateRegistry(); err != nil || strings.ContainsAny(host, "/@ ") {
		return fmt.Errorf("remote: registry host %q: want host or host:port, such as ghcr.io or localhost:5000", host)
	}
	return nil
}

// isLoopback reports whether host (with optional port) names this machine.
func isLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	addr, err := netip.ParseAddr(h)
	return err == nil && addr.Unmap().IsLoopback()
}

func withoutLoopback(prefixes []netip.Prefix) []netip.Prefix {
	out := prefixes[:0]
	for _, p := range prefixes {
		if !p.Addr().IsLoopback() {
			out = append(out, p)
		}
	}
	return out
}

// repository returns the oras client for ref's repository, after checking
// that ref belongs to this registry.
func (r *Registry) repository(ref reference.Reference) (*orasremote.Repository, error) {
	if ref.IsZero() {
		return nil, errors.New("empty reference")
	}
	if ref.Registry() != r.host {
		return nil, fmt.Errorf("the reference is on registry %q; this backend serves %q", ref.Registry(), r.host)
	}
	repo := &orasremote.Repository{
		Client:           r.client,
		Reference:        registry.Reference{Registry: r.host, Repository: ref.Repository()},
		PlainHTTP:        r.plain,
		MaxMetadataBytes: MaxManifestSize,
		TagListPageSize:  r.page,
	}
	// Retagging pushes manifests that are already in the repository, so
	// their referrers were indexed when they first arrived: never index
	// on the client side (which would cost extra requests).
	_ = repo.SetReferrersCapability(true)
	return repo, nil
}

// secrets remembers credential material seen by the backend, so that no
// error it returns ever repeats it.
type secrets struct {
	static []string // configured credentials, set once by newSecrets
	mu     sync.Mutex
	list   []string // values seen in requests, the newest maxSecrets
}
