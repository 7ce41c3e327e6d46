package promote

import (
	"fmt"
	"path"
	"time"

	"github.com/opencontainers/go-digest"
)

// Option adjusts one operation.
type Option func(*config)

type config struct {
	now       func() time.Time
	protected []func(tag string) bool
	patterns  []string
	expect    *digest.Digest
}

// WithClock sets the clock that stamps Records; the default is time.Now.
// A nil clock keeps the default.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithImmutable refuses to move or remove any existing tag for which
// protected returns true, failing that tag with ErrTagImmutable before
// anything is written. Creating such a tag, or leaving it where it is, is
// allowed. Several protections combine: a tag is protected if any says so.
func WithImmutable(protected func(tag string) bool) Option {
	return func(c *config) {
		if protected != nil {
			c.protected = append(c.protected, protected)
		}
	}
}

// WithImmutablePatterns is WithImmutable for tags matching any of the
// path.Match glob patterns, such as "v*.*.*" or "[0-9]*". A malformed
// pattern makes the operation fail before it touches the registry.
func WithImmutablePatterns(patterns ...string) Option {
	return func(c *config) {
		c.patterns = append(c.patterns, patterns...)
	}
}

// ExpectCurrent is the precondition of Promote and RollbackTo: the channel
// tag must point at d, or the operation fails with ErrPreconditionFailed
// and writes nothing. A channel already at the digest being promoted
// succeeds with nothing moved whatever the precondition, so a retried call
// whose first attempt landed converges instead of failing.
//
// What is guaranteed depends on the registry. With one that implements
// TagSwapper (the in-memory fake does), the check and the write are one
// atomic compare-and-swap: of several promoters expecting the same digest
// exactly one wins. Without it (every registry spoken to over the OCI
// Distribution API, which has no conditional tag write) the tag is read,
// compared and then written in separate requests: a writer that moves the
// tag between the read and the write is not detected and is overwritten,
// and the Record marks such a change with BasisRead. The precondition then
// catches every promotion that happened before the read, not one racing
// it.
func ExpectCurrent(d digest.Digest) Option {
	return func(c *config) { c.expect = &d }
}

// ExpectAbsent is the precondition that the channel tag does not exist
// yet; see ExpectCurrent.
func ExpectAbsent() Option {
	return ExpectCurrent("")
}

func newConfig(opts []Option) (*config, error) {
	c := &config{now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	for _, p := range c.patterns {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("promote: immutable tag pattern %q: %w", p, err)
		}
	}
	if c.expect != nil && *c.expect != "" {
		if err := c.expect.Validate(); err != nil {
			return nil, fmt.Errorf("promote: expected digest %q: %w", *c.expect, err)
		}
	}
	return c, nil
}

func (c *config) immutable(tag string) bool {
	for _, p := range c.patterns {
		if ok, _ := path.Match(p, tag); ok {
			return true
		}
	}
	for _, f := range c.protected {
		if f(tag) {
			return true
		}
	}
	return false
}
