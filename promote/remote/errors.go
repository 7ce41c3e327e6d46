package remote

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/imagetags/imagetags/promote"
)

// Error is a failed operation against the registry. It matches, with
// errors.Is, the promote sentinel that the registry's answer maps to:
//
//	401, or code UNAUTHORIZED                            promote.ErrUnauthorized
//	403 DENIED (or any 403 not about immutability)       promote.ErrDenied
//	404 MANIFEST_UNKNOWN, NAME_UNKNOWN, BLOB_UNKNOWN     promote.ErrNotFound
//	429, or code TOOMANYREQUESTS                         *promote.RateLimitError (ErrRateLimited) with Retry-After
//	405, or code UNSUPPORTED                             promote.ErrUnsupported
//	400 TAG_INVALID "...tag is immutable" (ECR),
//	412 PRECONDITION "...configured as immutable" (Harbor),
//	403 "...immutable" (Docker Hub)                      promote.ErrTagImmutable
//	412 otherwise                                        promote.ErrPreconditionFailed
//
// Other statuses (5xx after retries, for instance) match no sentinel. A
// request that got no answer wraps the transport's error, so
// errors.Is(err, context.DeadlineExceeded) works. Error strings carry the
// registry's message with every credential and token removed.
type Error struct {
	// Op is what the backend was doing: "resolve", "tag", "list tags",
	// "delete tag", "fetch manifest" or "retag".
	Op string
	// Subject is the reference or repository the operation was about.
	Subject string
	// StatusCode is the HTTP status of the registry's answer, or 0 when
	// there was none.
	StatusCode int
	// Code is the registry's first OCI error code, such as "DENIED".
	Code string
	// Message is the registry's explanation (or the transport's error),
	// scrubbed of credentials.
	Message string
	// Kind is the promote sentinel the answer maps to, or a
	// *promote.RateLimitError; nil when none applies.
	Kind error

	cause error
}

// Error returns "remote: <op> <subject>: HTTP <status> <CODE>: <message>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("remote: ")
	b.WriteString(e.Op)
	b.WriteString(" ")
	b.WriteString(e.Subject)
	b.WriteString(": ")
	if e.StatusCode != 0 {
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		if e.Code != "" {
			b.WriteString(" ")
			b.WriteString(e.Code)
		}
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	if kind := kindText(e.Kind); kind != "" && !strings.Contains(strings.ToLower(e.Message), kind) {
		b.WriteString(" (")
		b.WriteString(kind)
		b.WriteString(")")
	}
	return b.String()
}

// kindText names the sentinel in a few words, with the delay of a rate
// limit when the registry gave one.
func kindText(kind error) string {
	var rl *promote.RateLimitError
	switch {
	case kind == nil:
		return ""
	case errors.As(kind, &rl):
		if rl.RetryAfter > 0 {
			return "rate limited, retry after " + rl.RetryAfter.String()
		}
		return promote.ErrRateLimited.Error()
	}
	return kind.Error()
}

// Unwrap returns the sentinel and the underlying cause, either of which
// may be nil.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.cause != nil {
		out = append(out, e.cause)
	}
	return out
}

// wrap turns any error from a request into an *Error.
func (r *Registry) wrap(op, subject string, err error, st *callState) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: op, Subject: subject, cause: err}
	var resp *errcode.ErrorResponse
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e.Message = r.secrets.redact(err.Error())
		e.cause = contextErr(err)
	case errors.As(err, &resp):
		e.StatusCode = resp.StatusCode
		e.Code, e.Message = describe(resp.Errors)
		e.Message = r.secrets.redact(e.Message)
		if e.Message == "" {
			e.Message = strings.ToLower(http.StatusText(resp.StatusCode))
		}
		e.cause = nil // its text names the URL; the fields say the rest
		e.Kind = classify(e.StatusCode, codes(resp.Errors), e.Message, st)
	case errors.Is(err, auth.ErrBasicCredentialNotFound):
		e.StatusCode = http.StatusUnauthorized
		e.Message = "the registry asks for credentials and none are configured"
		e.cause = nil
		e.Kind = promote.ErrUnauthorized
	case errors.Is(err, errdef.ErrNotFound):
		e.StatusCode = http.StatusNotFound
		e.Message = "not found"
		e.cause = nil
		e.Kind = promote.ErrNotFound
	default:
		// Transport errors name the URL, which the backend builds and
		// never puts credentials in; the text is scrubbed all the same.
		e.Message = r.secrets.redact(err.Error())
	}
	return e
}

// contextErr returns the context error err wraps, dropping the
// surrounding url.Error whose text holds the request URL.
func contextErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return context.Canceled
}

// describe returns the first error code and all messages joined.
func describe(errs errcode.Errors) (string, string) {
	if len(errs) == 0 {
		return "", ""
	}
	var msgs []string
	for _, e := range errs {
		if e.Message != "" {
			msgs = append(msgs, e.Message)
		}
	}
	return errs[0].Code, strings.Join(msgs, "; ")
}

func codes(errs errcode.Errors) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Code
	}
	return out
}

// classify maps a registry answer to a promote sentinel, or nil.
func classify(status int, codes []string, message string, st *callState) error {
	has := func(code string) bool {
		for _, c := range codes {
			if strings.EqualFold(c, code) {
				return true
			}
		}
		return false
	}
	immutable := strings.Contains(strings.ToLower(message), "immutable")
	switch {
	case status == http.StatusTooManyRequests || has("TOOMANYREQUESTS"):
		rl := &promote.RateLimitError{Message: message}
		if st != nil {
			rl.RetryAfter = st.retryAfter
		}
		return rl
	case status == http.StatusUnauthorized || has(errcode.ErrorCodeUnauthorized):
		return promote.ErrUnauthorized
	case immutable && (status == http.StatusBadRequest || status == http.StatusForbidden ||
		status == http.StatusConflict || status == http.StatusPreconditionFailed):
		return promote.ErrTagImmutable
	case status == http.StatusPreconditionFailed || has("PRECONDITION"):
		return promote.ErrPreconditionFailed
	case status == http.StatusForbidden || has(errcode.ErrorCodeDenied):
		return promote.ErrDenied
	case status == http.StatusMethodNotAllowed || has(errcode.ErrorCodeUnsupported):
		return promote.ErrUnsupported
	case status == http.StatusNotFound || has(errcode.ErrorCodeManifestUnknown) || has(errcode.ErrorCodeNameUnknown) ||
		has(errcode.ErrorCodeBlobUnknown) || has(errcode.ErrorCodeManifestBlobUnknown):
		return promote.ErrNotFound
	}
	return nil
}

// responseError reads an error answer the backend requested itself (the
// ones oras-go does not send for it) into the same form oras-go uses.
func responseError(resp *http.Response) error {
	out := &errcode.ErrorResponse{Method: resp.Request.Method, URL: resp.Request.URL, StatusCode: resp.StatusCode}
	var body struct {
		Errors errcode.Errors `json:"errors"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<10)).Decode(&body); err == nil {
		out.Errors = body.Errors
	}
	return out
}

// waitOrDone waits d, or less if ctx ends first, and reports ctx's error.
func waitOrDone(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
