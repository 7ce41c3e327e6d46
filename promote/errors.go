package promote

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Registry implementations wrap one of these (with %w) so
// that callers can branch with errors.Is whatever the backend.
var (
	// ErrNotFound reports a repository, tag or manifest that does not exist.
	ErrNotFound = errors.New("not found")

	// ErrTagImmutable reports an attempt to move or delete a tag that the
	// registry or the caller's policy marks as immutable.
	ErrTagImmutable = errors.New("tag is immutable")

	// ErrPreconditionFailed reports that a tag did not point at the digest
	// the caller expected: someone else moved it first.
	ErrPreconditionFailed = errors.New("precondition failed")

	// ErrUnauthorized reports missing or rejected credentials.
	ErrUnauthorized = errors.New("unauthorized")

	// ErrDenied reports valid credentials that lack permission for the
	// operation.
	ErrDenied = errors.New("denied")

	// ErrRateLimited reports that the registry refused the request because
	// of a rate limit. The error is usually a *RateLimitError carrying the
	// delay the registry asked for.
	ErrRateLimited = errors.New("rate limited")

	// ErrUnsupported reports an operation the registry does not offer, such
	// as deleting a tag on a registry that forbids deletes.
	ErrUnsupported = errors.New("unsupported")
)

// RateLimitError is the error a Registry returns when it is rate limited.
// It matches ErrRateLimited with errors.Is and carries the delay the
// registry asked for in its Retry-After header.
type RateLimitError struct {
	// RetryAfter is how long the registry asked the client to wait; zero
	// when it did not say.
	RetryAfter time.Duration
	// Message is the registry's own explanation, if any.
	Message string
}

// Error returns a one-line message with the retry delay when known.
func (e *RateLimitError) Error() string {
	var b strings.Builder
	b.WriteString(ErrRateLimited.Error())
	if e.RetryAfter > 0 {
		b.WriteString(": retry after ")
		b.WriteString(e.RetryAfter.String())
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// PartialError is returned, together with the Record, when an operation
// that writes several tags wrote some and failed on others. Moved and
// Failed list tags in the order the caller gave them; tags that already
// pointed at the right digest are in neither list.
type PartialError struct {
	Op         string   // the operation: "publish", "promote" or "rollback"
	Repository string   // the repository the tags belong to
	Moved      []string // tags that now point at their new digest
	Failed     []string // tags left where they were
	Err        error    // the per-tag errors, joined
}

// Error names the operation, the repository, which tags moved and which did
// not, and why.
func (e *PartialError) Error() string {
	var b strings.Builder
	b.WriteString("promote: ")
	b.WriteString(e.Op)
	b.WriteString(" ")
	b.WriteString(strconv.Quote(e.Repository))
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(len(e.Failed)))
	b.WriteString(" tag(s) failed ")
	b.WriteString(quoteList(e.Failed))
	b.WriteString(", moved ")
	b.WriteString(quoteList(e.Moved))
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(strings.ReplaceAll(e.Err.Error(), "\n", "; "))
	}
	return b.String()
}

// Unwrap returns the joined per-tag errors, so errors.Is(err,
// ErrTagImmutable) reports whether any tag failed for that reason.
func (e *PartialError) Unwrap() error { return e.Err }

func quoteList(tags []string) string {
	if len(tags) == 0 {
		return "[]"
	}
	q := make([]string, len(tags))
	for i, t := range tags {
		q[i] = strconv.Quote(t)
	}
	return "[" + strings.Join(q, " ") + "]"
}

// tagError names the tag an error happened on.
func tagError(tag string, err error) error {
	return fmt.Errorf("tag %q: %w", tag, err)
}
