package tagging

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package is an *Error that
// matches one of these with errors.Is.
var (
	// ErrInvalidInput reports a build fact or option that cannot be used:
	// a malformed commit, a negative pull-request number, an image name
	// that is not a repository.
	ErrInvalidInput = errors.New("invalid input")

	// ErrInvalidVersion reports a version that is not a semantic version
	// (after stripping the configured prefix and an optional "v").
	ErrInvalidVersion = errors.New("invalid version")

	// ErrInvalidScheme reports a rule that is misconfigured: an unknown
	// rule type, a template with an unknown placeholder, a rule that needs
	// a value it was not given.
	ErrInvalidScheme = errors.New("invalid scheme")

	// ErrInvalidTag reports a rule whose output cannot be made into a
	// valid tag. The error also matches reference.ErrInvalidTag when the
	// reference grammar rejected the tag.
	ErrInvalidTag = errors.New("cannot make a valid tag")

	// ErrReservedTag reports a value the user gave that would make a tag
	// whose meaning belongs to another rule: a raw or channel value
	// "latest", a variant "2.4", a channel that reads as a commit. See
	// Derive for who owns which name.
	ErrReservedTag = errors.New("reserved tag")
)

// Error describes a failure with the rule (or fact) and the input that
// caused it. Err is one of the package sentinels; Cause, when set, is the
// underlying error (for example a *reference.Error or a semver error).
type Error struct {
	Rule   string // the rule or fact involved: "semver", "branch", "commit", …
	Input  string // the offending input, as given
	Reason string // what is wrong and what is allowed
	Err    error  // the sentinel this error matches
	Cause  error  // the underlying error, or nil
}

// Error returns a one-line message naming the rule, the input and the reason.
func (e *Error) Error() string {
	s := "tagging: " + e.Rule + ": " + strconv.Quote(e.Input) + " " + e.Reason
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel and, when present, the underlying cause, so
// errors.Is matches both.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}
