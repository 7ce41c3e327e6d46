package policy

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package is an *Error that
// matches one of these with errors.Is.
var (
	// ErrInvalidStrategy reports a selection Strategy that cannot be used:
	// an unknown kind, a bad semver constraint or regular expression, a
	// current tag that spells no version.
	ErrInvalidStrategy = errors.New("invalid strategy")

	// ErrInvalidPolicy reports a lint Policy or LintRule that cannot be used:
	// malformed JSON, an unknown field, a rule without an id, a value
	// outside what the field allows.
	ErrInvalidPolicy = errors.New("invalid policy")

	// ErrInvalidPattern reports a glob or naming-scheme pattern that cannot
	// be compiled.
	ErrInvalidPattern = errors.New("invalid pattern")

	// ErrInvalidInput reports a decision input that cannot be read, such
	// as an unknown tracking mode in JSON.
	ErrInvalidInput = errors.New("invalid input")

	// ErrUnknownEnvironment reports a Check for an environment the Policy
	// does not name.
	ErrUnknownEnvironment = errors.New("unknown environment")
)

// Error describes what is wrong with one input: which field or rule, the
// offending value, and what is allowed. Err is one of the package
// sentinels; Cause, when set, is the underlying error (for example a
// semver or regexp error).
type Error struct {
	Field  string // the field or rule involved: "constraint", "rules[2].severity", …
	Input  string // the offending input, as given
	Reason string // what is wrong and what is allowed
	Err    error  // the sentinel this error matches
	Cause  error  // the underlying error, or nil
}

// Error returns a one-line message naming the field, the input and the
// reason.
func (e *Error) Error() string {
	s := "policy: " + e.Field + ": " + strconv.Quote(e.Input) + " " + e.Reason
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel and the cause, so errors.Is matches both.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}
