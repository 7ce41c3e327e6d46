package remote

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultRequestTimeout is how long one attempt of a request waits for the
// registry's answer (its status and headers) once the request has been
// sent, unless WithRequestTimeout says otherwise. An attempt with no
// answer in time fails like a dropped connection, and is retried within
// the RetryPolicy.
const DefaultRequestTimeout = 15 * time.Second

// WithRequestTimeout sets how long one attempt waits for the registry's
// answer after sending its request; the default is DefaultRequestTimeout.
// The clock starts once the request body has been sent, so large uploads
// are not cut short; a stalled answer is. The whole call is bounded too:
// see RetryPolicy.MaxElapsed.
func WithRequestTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return errors.New("remote: request timeout " + d.String() + ": want a positive duration (a registry that never answers would block the call forever)")
		}
		s.requestTimeout = d
		return nil
	}
}

// errNoAnswer is the cause given to an attempt's context when its answer
// does not arrive in time.
var errNoAnswer = errors.New("no answer")

// attemptTimeoutError reports an attempt that got no answer in time. It is
// a net.Error whose Timeout is true, so the retry policy treats it like a
// dropped connection.
type attemptTimeoutError struct {
	method, url string
	after       time.Duration
}

func (e *attemptTimeoutError) Error() string {
	return e.method + " " + e.url + ": the registry sent no answer within " + e.after.String()
}

// Timeout reports true: the attempt timed out.
func (e *attemptTimeoutError) Timeout() bool { return true }

// Temporary reports true: another attempt may be answered.
func (e *attemptTimeoutError) Temporary() bool { return true }

// attemptTimeout bounds each attempt's wait for an answer. It sits below
// the retry layer, so every attempt gets its own clock.
type attemptTimeout struct {
	base http.RoundTripper
	d    time.Duration
}

func (t *attemptTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	var (
		mu      sync.Mutex
		timer   *time.Timer
		stopped bool
	)
	arm := func() {
		mu.Lock()
		defer mu.Unlock()
		if timer == nil && !stopped {
			timer = time.AfterFunc(t.d, func() { cancel(errNoAnswer) })
		}
	}
	out := req.Clone(ctx)
	if req.Body == nil || req.Body == http.NoBody {
		arm()
	} else {
		out.Body = &armOnDone{ReadCloser: req.Body, arm: arm}
	}
	resp, err := t.base.RoundTrip(out)
	mu.Lock()
	stopped = true
	fired := timer != nil && !timer.Stop()
	mu.Unlock()
	if fired || errors.Is(context.Cause(ctx), errNoAnswer) {
		if resp != nil {
			resp.Body.Close()
		}
		cancel(nil)
		return nil, &attemptTimeoutError{method: req.Method, url: req.URL.Redacted(), after: t.d}
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

// armOnDone starts the answer clock once the request body has been read
// to its end or closed by the transport.
type armOnDone struct {
	io.ReadCloser
	arm func()
}

func (b *armOnDone) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.arm()
	}
	return n, err
}

func (b *armOnDone) Close() error {
	b.arm()
	return b.ReadCloser.Close()
}

// cancelOnClose releases the attempt's context when the caller is done
// with the response body.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// callTimeout is the longest one call may take, all attempts and waits
// included, when the caller's context has no earlier deadline: the retry
// policy's MaxElapsed, or one attempt's timeout when retrying is off.
func (r *Registry) callTimeout() time.Duration {
	if r.retry.MaxElapsed > 0 {
		return max(r.retry.MaxElapsed, r.requestTimeout)
	}
	return r.requestTimeout
}

// begin starts one call: its own retry budget (shared by all its
// requests, so the policy bounds the call and not each request), a
// deadline of callTimeout (or the caller's, if earlier), and the state
// that collects what its responses said.
func (r *Registry) begin(ctx context.Context) (context.Context, *callState, context.CancelFunc) {
	ctx, st := withCallState(ctx)
	ctx = context.WithValue(ctx, retryBudgetKey{}, &retryBudget{start: time.Now()})
	ctx, cancel := context.WithTimeout(ctx, r.callTimeout())
	return ctx, st, cancel
}
