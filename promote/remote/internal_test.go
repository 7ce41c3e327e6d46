package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/reference"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"-1", 0, false},
		{"999999999", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, ok := retryAfter(http.Header{"Retry-After": {tt.value}}, now)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRetryable(t *testing.T) {
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	tests := []struct {
		name string
		resp *http.Response
		err  error
		want bool
	}{
		{"500", resp(500), nil, true},
		{"502", resp(502), nil, true},
		{"503", resp(503), nil, true},
		{"501 is not coming back", resp(501), nil, false},
		{"408", resp(408), nil, true},
		{"429", resp(429), nil, true},
		{"404", resp(404), nil, false},
		{"401", resp(401), nil, false},
		{"201", resp(201), nil, false},
		{"connection reset", nil, fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"connection refused", nil, fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"dropped before the answer", nil, fmt.Errorf("get: %w", io.EOF), true},
		{"closed while writing", nil, fmt.Errorf("write: %w", net.ErrClosed), true},
		{"broken pipe", nil, fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"no answer in time", nil, &attemptTimeoutError{method: "GET", url: "x", after: time.Second}, true},
		{"cancelled", nil, &url.Error{Op: "Get", URL: "x", Err: errors.Join(io.EOF, context.Canceled)}, false},
		{"other", nil, errors.New("tls: bad certificate"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, retryable(tt.resp, tt.err))
		})
	}
}

func TestBudgetPolicy(t *testing.T) {
	p := RetryPolicy{MaxRetries: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, MaxElapsed: time.Second}
	tests := []struct {
		name    string
		attempt int
		resp    *http.Response
		elapsed time.Duration
		want    func(time.Duration) bool
	}{
		{"first retry waits at least the minimum", 0, &http.Response{StatusCode: 503}, 0, func(d time.Duration) bool { return d >= 10*time.Millisecond && d <= 40*time.Millisecond }},
		{"waits never exceed the maximum", 2, &http.Response{StatusCode: 503}, 0, func(d time.Duration) bool { return d > 0 && d <= 40*time.Millisecond }},
		{"the count is bounded", 3, &http.Response{StatusCode: 503}, 0, func(d time.Duration) bool { return d < 0 }},
		{"the time is bounded", 0, &http.Response{StatusCode: 503}, 990 * time.Millisecond, func(d time.Duration) bool { return d < 0 }},
		{"a short Retry-After is honoured", 0, &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"0"}}}, 0, func(d time.Duration) bool { return d == 10*time.Millisecond }},
		{"a long Retry-After is left to the caller", 0, &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"60"}}}, 0, func(d time.Duration) bool { return d < 0 }},
		{"a 404 is final", 0, &http.Response{StatusCode: 404}, 0, func(d time.Duration) bool { return d < 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bp := newPolicy(p, time.Now().Add(-tt.elapsed))
			d, err := bp.Retry(tt.attempt, tt.resp, nil)
			require.NoError(t, err)
			assert.True(t, tt.want(d), "wait %v", d)
		})
	}
}

func TestRedact(t *testing.T) {
	s := newSecrets("hunter2-password")
	s.add("abc") // too short to scrub
	tests := []struct{ in, want string }{
		{"password hunter2-password rejected", "password [redacted] rejected"},
		{`sent "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"`, `sent "Bearer [redacted]"`},
		{"Basic cm9ib3Q6cGFzcw== was wrong", "Basic [redacted] was wrong"},
		{"basic credential not found", "basic credential not found"},
		{"abc stays", "abc stays"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, s.redact(tt.in))
	}
	for i := range 2 * maxSecrets {
		s.add(fmt.Sprintf("secret-number-%03d", i))
	}
	assert.Len(t, s.list, maxSecrets, "the list is bounded")
	assert.Equal(t, "[redacted]", s.redact(fmt.Sprintf("secret-number-%03d", 2*maxSecrets-1)), "the newest are kept")
}

func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor(3, url.Values{"last": {"v1.2"}, "n": {"10"}}))
	f.Add("")
	f.Add("dDEuLTEuYQ")
	f.Fuzz(func(t *testing.T, c string) {
		n, q, err := decodeCursor(c)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("decodeCursor(%q) gave page %d", c, n)
		}
		if c == "" {
			return
		}
		n2, q2, err := decodeCursor(encodeCursor(n, q))
		if err != nil || n2 != n || q2.Encode() != q.Encode() {
			t.Fatalf("cursor %q does not round-trip: %d %v, then %d %v, %v", c, n, q, n2, q2, err)
		}
	})
}

func FuzzNextLink(f *testing.F) {
	f.Add(`</v2/team/app/tags/list?last=b&n=2>; rel="next"`)
	f.Add(`<https://elsewhere.example/v2/team/app/tags/list?last=a>; rel="next"`)
	f.Add(`<x>; rel="prev", </v2/team/app/tags/list?nextToken=a%2Fb>; rel="next"`)
	f.Add(`garbage`)
	reqURL := &url.URL{Scheme: "https", Host: "registry.example.com", Path: "/v2/team/app/tags/list"}
	f.Fuzz(func(t *testing.T, link string) {
		resp := &http.Response{Header: http.Header{"Link": {link}}}
		q, err := nextLink(resp, reqURL)
		if err != nil && q != nil {
			t.Fatalf("nextLink(%q) gave both %v and %v", link, q, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}

// A refused connection is not retried past the context deadline: the
// caller gets the connection error at once, not a deadline error later.
func TestRetryStopsAtTheDeadlineOnConnectionErrors(t *testing.T) {
	reg, err := New("127.0.0.1:1", WithPlainHTTP(), WithRetry(RetryPolicy{
		MaxRetries: 5, MinBackoff: time.Second, MaxBackoff: time.Second, MaxElapsed: time.Minute}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	_, err = reg.Resolve(ctx, reference.MustParse("127.0.0.1:1/team/app:1"))
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.NoError(t, ctx.Err(), "it gave up before the deadline instead of waiting it out")
}

// Configured credentials are scrubbed however many there are and however
// many tokens a long run records after them.
func TestConfiguredSecretsAreNeverEvicted(t *testing.T) {
	var static []string
	for i := range 2 * maxSecrets {
		static = append(static, fmt.Sprintf("secret-value-%03d", i))
	}
	s := newSecrets(static...)
	for i := range 2 * maxSecrets {
		s.add(fmt.Sprintf("token-%03d-xxxx", i))
	}
	for _, v := range []string{static[0], static[len(static)-1]} {
		assert.NotContains(t, s.redact("oops "+v), v)
	}
	assert.NotContains(t, s.redact("token-127-xxxx"), "token-127", "the newest recorded token is kept")
}
