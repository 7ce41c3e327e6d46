package metadataaction

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package is an *Error that
// matches one of these with errors.Is.
var (
	// ErrSyntax reports a line of an input that cannot be read: an unknown
	// attribute, a missing value, a quote that is never closed.
	ErrSyntax = errors.New("malformed input line")

	// ErrExpression reports a template ({{…}}) that cannot be evaluated:
	// an unknown name, a helper given the wrong arguments, an unknown time
	// zone.
	ErrExpression = errors.New("invalid expression")

	// ErrInvalidTag reports a generated tag that is not a valid tag even
	// after the invalid characters were replaced, or an image name that is
	// not a repository.
	ErrInvalidTag = errors.New("invalid tag or image")
)

// Error describes a failure with the input it came from ("tags",
// "flavor", …), the line as written and what is wrong and allowed.
type Error struct {
	Input  string // the input: images, tags, flavor, labels, annotations, context
	Line   string // the offending line, as given
	Reason string // what is wrong and what is allowed
	Err    error  // the sentinel this error matches
	Cause  error  // the underlying error, or nil
}

// Error returns a one-line message naming the input, the line and the
// reason.
func (e *Error) Error() string {
	s := "metadataaction: " + e.Input + ": " + strconv.Quote(e.Line) + ": " + e.Reason
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel and, when present, the cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

func syntaxErr(input, line, reason string) error {
	return &Error{Input: input, Line: line, Reason: reason, Err: ErrSyntax}
}
