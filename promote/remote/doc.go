// Package remote is the promote.Registry backend for real OCI registries
// (Docker Hub, GHCR, ECR, Harbor, Quay, zot, CNCF distribution), spoken to
// over the OCI Distribution API with oras-go.
//
// A Registry serves one registry host. Build it with New and hand it to
// the operations of package promote:
//
//	reg, err := remote.New("ghcr.io", remote.WithDockerConfig(""))
//	...
//	rec, err := promote.Promote(ctx, reg, app, "production", promote.ExpectCurrent(old))
//
// A fleet or a pipeline that mixes hosts (docker.io, ghcr.io, an internal
// registry) uses a Router instead: one promote.Registry that sends each
// reference to a Registry for its own host, created on first use with
// per-host options (NewRouter, RouteDefaults, RouteHost, RouteOnly).
//
// # Options
//
// Credentials come from the Docker CLI config and its credential helpers
// (WithDockerConfig), or are given directly (WithCredentials); without
// either, access is anonymous. Token exchange, caching and scopes are
// oras-go's. Requests go through http.DefaultTransport unless
// WithTransport says otherwise. The scheme is HTTPS, always: plain HTTP is
// used only with WithPlainHTTP, or with WithPlainHTTPLoopback for a
// registry on 127.0.0.1, ::1 or localhost; it is never guessed from a
// failed handshake. A reference on another host than the Registry's is
// refused before any request, so credentials go only where they belong.
//
// # Requests per operation
//
// The backend asks for as little as it can, measured by the integration
// tests against CNCF distribution v3.1.2 and the in-memory fake (auth
// handshakes, when a registry needs them, come on top):
//
//	Resolve (tag or digest)            1 HEAD
//	FetchManifest                      1 GET
//	Tag                                1 GET + 1 PUT; the GET is skipped when the
//	                                   Registry saw that manifest in the last 10 s
//	Retag of N tags, K already there   1 GET + N HEAD + (N-K) PUT
//	promote.Publish of N tags, K there (N+1) HEAD + 1 GET + (N-K) PUT
//	                                   (no GET at all when K = N)
//	promote.Promote of a channel       2 HEAD + 1 GET + 1 PUT (2 HEAD when in place)
//	Tags (one page)                    1 GET
//	DeleteTag                          1 DELETE
//
// Bearer authentication (Docker Hub, GHCR, Harbor, distribution with a
// token server) adds little: the first request to a registry is answered
// with a challenge and sent again with a token, each new scope (pull, then
// pull+push for writes) costs one token request, and tokens are reused
// until they expire.
//
// Resolving with HEAD matters on Docker Hub, which counts manifest GETs,
// not HEADs, against its pull limit. For comparison, `crane tag` (one tag
// per call) costs a GET and a PUT per tag, and `oras tag` one GET and a
// PUT per tag; both write every tag, including those already in place.
//
// # Errors
//
// Every failure from the registry is an *Error that matches the promote
// sentinels with errors.Is: 401 is ErrUnauthorized, 403 DENIED ErrDenied,
// 404 ErrNotFound, 429 a *promote.RateLimitError with the Retry-After the
// registry sent, 405 or UNSUPPORTED ErrUnsupported, and the ways ECR
// (400 TAG_INVALID), Harbor (412 PRECONDITION) and Docker Hub (403) say a
// tag is immutable are ErrTagImmutable. Messages keep the registry's words
// but never a password, token or Authorization value.
//
// # Retries
//
// Answers 5xx (except 501), 408 and 429, and connections that were reset
// or dropped, are retried with exponential backoff (oras-go's retrying
// transport under a RetryPolicy), bounded in count and in total time, and
// never past the context's deadline: when the next wait would outlast the
// deadline, or a 429 asks for longer than the policy allows, the error is
// returned at once. A manifest body that arrives truncated or does not hash
// to its digest is fetched again within the same bounds. Every write is
// idempotent, so re-running an operation after a failure converges.
//
// # Time limits
//
// Nothing waits forever, even with context.Background(). Each attempt
// waits at most WithRequestTimeout (DefaultRequestTimeout, 15s) for the
// registry's answer once its request is sent, and an attempt with no
// answer in time is retried like a dropped connection. The retry budget
// is per call, and its MaxElapsed (30s by default) is also the call's
// deadline when the caller's context has no earlier one. Retag bounds the
// manifest read and each tag separately, so publishing many tags is not
// cut short by one budget.
//
// # Credentials
//
// WithDockerConfig reads the Docker CLI's config and the credential
// helpers it names; WithCredentials takes a fixed username and password.
// Every value either holds, and every Authorization value sent, is
// scrubbed from errors. A config entry whose "auth" is not base64 of
// user:password is refused for its host without quoting any of it.
//
// # Testing against a real registry
//
// The integration tests run against the in-memory fake's HTTP handler in
// every `go test`, and also against a CNCF distribution registry when
// IMAGETAGS_TEST_REGISTRY names one (host:port on a loopback address);
// testdata/ci-registry.sh installs, starts and stops one.
package remote
