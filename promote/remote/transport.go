package remote

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// newRetryTransport layers oras-go's retrying transport over base with a
// policy that is bounded in count and in total time per request, and by
// the request's own deadline.
func newRetryTransport(base http.RoundTripper, p RetryPolicy) http.RoundTripper {
	return &deadlineRetryTransport{base: base, p: p}
}

// deadlineRetryTransport gives each request a retry policy that knows the
// request's context deadline, so that no wait outlasts it even when the
// failure is a connection error, which carries no response.
type deadlineRetryTransport struct {
	base http.RoundTripper
	p    RetryPolicy
}

func (t *deadlineRetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	dl, _ := req.Context().Deadline()
	shared := retryBudgetOf(req.Context())
	st, _ := req.Context().Value(callStateKey{}).(*callState)
	rt := &retry.Transport{
		Base: t.base,
		Policy: func() retry.Policy {
			pol := newPolicy(t.p, time.Now())
			pol.deadline = dl
			if shared != nil {
				pol.budget = shared
			}
			if req.Method == http.MethodDelete {
				// Only a DELETE's own retries say that an earlier attempt
				// of it may have landed; a retried token fetch does not.
				pol.state = st
			}
			return pol
		},
	}
	return rt.RoundTrip(req)
}

// retryBudget is the retries and the time one call has used, shared by
// the transport's retries of each request and the call's own retries of
// bodies that arrived broken.
type retryBudget struct {
	start time.Time
	used  atomic.Int32
}

// take spends one retry that will wait wait, if the policy still allows
// it.
func (b *retryBudget) take(p RetryPolicy, wait time.Duration) bool {
	if int(b.used.Load()) >= p.MaxRetries || time.Since(b.start)+wait > p.MaxElapsed {
		return false
	}
	b.used.Add(1)
	return true
}

type retryBudgetKey struct{}

// withRetryBudget gives ctx a retry budget, unless it has one.
func withRetryBudget(ctx context.Context) context.Context {
	if retryBudgetOf(ctx) != nil {
		return ctx
	}
	return context.WithValue(ctx, retryBudgetKey{}, &retryBudget{start: time.Now()})
}

// retryBudgetOf returns the budget of ctx, or nil.
func retryBudgetOf(ctx context.Context) *retryBudget {
	b, _ := ctx.Value(retryBudgetKey{}).(*retryBudget)
	return b
}

// newPolicy returns the policy of one request that started at start, with
// a budget of its own.
func newPolicy(p RetryPolicy, start time.Time) *budgetPolicy {
	return &budgetPolicy{p: p, budget: &retryBudget{start: start}, backoff: retry.ExponentialBackoff(p.MinBackoff, 2, 0.1)}
}

// budgetPolicy is one request's retry policy: it refuses a retry once the
// count or the time budget is spent, when the context deadline would pass
// during the wait, or when a 429 asks for a longer wait than allowed (the
// caller then gets the Retry-After in a *promote.RateLimitError).
type budgetPolicy struct {
	p        RetryPolicy
	budget   *retryBudget // retries and time spent, maybe shared with the call
	deadline time.Time    // the request's context deadline; zero for none
	backoff  retry.Backoff
	state    *callState // told when a retry is sent; may be nil
}

func (b *budgetPolicy) Retry(attempt int, resp *http.Response, err error) (time.Duration, error) {
	if attempt >= b.p.MaxRetries || !retryable(resp, err) {
		return -1, nil
	}
	wait := b.backoff(attempt, nil)
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		if ra, ok := retryAfter(resp.Header, time.Now()); ok {
			if ra > b.p.MaxBackoff {
				return -1, nil
			}
			wait = ra
		}
	}
	wait = max(wait, b.p.MinBackoff)
	wait = min(wait, b.p.MaxBackoff)
	if !b.deadline.IsZero() && time.Until(b.deadline) < wait {
		return -1, nil
	}
	if resp != nil && resp.Request != nil {
		if dl, ok := resp.Request.Context().Deadline(); ok && time.Until(dl) < wait {
			return -1, nil
		}
	}
	if !b.budget.take(b.p, wait) {
		return -1, nil
	}
	if b.state != nil {
		b.state.retried.Store(true)
	}
	return wait, nil
}

// retryable reports whether a round trip failed in a way worth retrying:
// 5xx, 408, 429, a reset or dropped connection, or a network timeout. A
// done context is never retried.
func retryable(resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return true
		}
		// A connection the server closed while the request was still being
		// written shows as a broken pipe or as net.ErrClosed ("use of
		// closed network connection"), depending on who noticed first.
		return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
			errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
			errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	}
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests:
		return true
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true
	}
	return false
}

// retryAfter parses a Retry-After header, in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 || secs > 24*3600 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// callState collects what one operation's final responses said beyond
// their status, which oras-go's errors do not carry.
type callState struct {
	retryAfter time.Duration
	// retried is set when a DELETE of the call was sent again after an
	// attempt whose answer was lost or was a 5xx, 408 or 429.
	retried atomic.Bool
}

type callStateKey struct{}

func withCallState(ctx context.Context) (context.Context, *callState) {
	st := &callState{}
	return context.WithValue(ctx, callStateKey{}, st), st
}

// observe wraps rt to note a 429's Retry-After in the request's callState.
// Operations run their requests one after another, so the state needs no
// lock.
func observe(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			if st, ok := req.Context().Value(callStateKey{}).(*callState); ok {
				if ra, ok := retryAfter(resp.Header, time.Now()); ok {
					st.retryAfter = ra
				}
			}
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

const maxSecrets = 64

// newSecrets remembers the configured credentials for good: they are
// never evicted, however many values are seen in requests afterwards.
func newSecrets(static ...string) *secrets {
	s := &secrets{}
	for _, v := range static {
		if len(v) >= 4 && !slices.Contains(s.static, v) {
			s.static = append(s.static, v)
		}
	}
	return s
}

// add remembers v, a value seen in a request (a token the auth client
// fetched, say), dropping the oldest such value beyond maxSecrets; the
// configured credentials are kept apart and never dropped. Values shorter
// than 4 bytes are not worth scrubbing (and would mangle text).
func (s *secrets) add(v string) {
	if len(v) < 4 || slices.Contains(s.static, v) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.list {
		if have == v {
			return
		}
	}
	s.list = append(s.list, v)
	if len(s.list) > maxSecrets {
		s.list = s.list[len(s.list)-maxSecrets:]
	}
}

// authValue matches what looks like an Authorization value: the scheme
// and a credential of at least 8 characters with a digit or a symbol, so
// that prose such as "basic credential not found" stays readable.
var authValue = regexp.MustCompile(`\b(Basic|Bearer|basic|bearer|BASIC|BEARER)\s+[A-Za-z0-9._~+/=-]{8,}`)

// redact removes every remembered secret and anything shaped like an
// Authorization value from text that came from the registry.
func (s *secrets) redact(text string) string {
	s.mu.Lock()
	list := append(slices.Clone(s.static), s.list...)
	s.mu.Unlock()
	for _, v := range list {
		text = strings.ReplaceAll(text, v, "[redacted]")
	}
	return authValue.ReplaceAllStringFunc(text, func(m string) string {
		scheme, value, _ := strings.Cut(m, " ")
		value = strings.TrimLeft(value, " \t")
		if !strings.ContainsAny(value, "0123456789._~+/=-") {
			return m
		}
		return scheme + " [redacted]"
	})
}

// recorder wraps rt to remember the Authorization values sent, including
// tokens the auth client fetched, and the password inside Basic values.
func (s *secrets) recorder(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if v := req.Header.Get("Authorization"); v != "" {
			scheme, cred, _ := strings.Cut(v, " ")
			s.add(cred)
			if strings.EqualFold(scheme, "basic") {
				if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
					if _, pw, ok := strings.Cut(string(raw), ":"); ok {
						s.add(pw)
					}
				}
			}
		}
		return rt.RoundTrip(req)
	})
}

// watch wraps a credential source to remember what it hands out.
func (s *secrets) watch(f auth.CredentialFunc) auth.CredentialFunc {
	return func(ctx context.Context, host string) (auth.Credential, error) {
		c, err := f(ctx, host)
		if err == nil {
			s.add(c.Password)
			s.add(c.RefreshToken)
			s.add(c.AccessToken)
		}
		return c, err
	}
}
