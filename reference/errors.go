package reference

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Every error returned by this package is an *Error whose
// Unwrap method yields exactly one of these, so callers can branch with
// errors.Is without parsing messages.
var (
	// ErrInvalidFormat reports input that does not follow the reference
	// grammar: an empty string, a bad registry host, a malformed path
	// component, or a stray character.
	ErrInvalidFormat = errors.New("invalid reference format")

	// ErrUppercase reports an uppercase letter in the repository path.
	// Registry hosts may contain uppercase letters; repository paths may not.
	ErrUppercase = errors.New("repository name must be lowercase")

	// ErrNameTooLong reports a repository path longer than NameMaxLength
	// bytes after normalization (the implicit "library/" prefix counts).
	ErrNameTooLong = errors.New("repository name too long")

	// ErrInvalidTag reports a tag that does not match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
	ErrInvalidTag = errors.New("invalid tag")

	// ErrInvalidDigest reports a digest that is malformed, or whose encoded
	// part has the wrong length or characters for its algorithm.
	ErrInvalidDigest = errors.New("invalid digest")

	// ErrUnsupportedDigest reports a well-formed digest whose algorithm is
	// not one of sha256, sha384 or sha512.
	ErrUnsupportedDigest = errors.New("unsupported digest algorithm")
)

// Error describes why a string is not a valid reference, tag or digest.
//
// Kind is one of the package's sentinel errors and is what errors.Is
// matches. Offset is the byte offset in Input where scanning failed, or -1
// when the problem is not tied to one position (for example a name that is
// too long).
type Error struct {
	Input  string // the text that was rejected
	Offset int    // byte offset in Input, or -1 when not tied to a position
	Reason string // what is wrong, in plain words
	Kind   error  // the sentinel error this error matches
}

// Error returns a one-line message naming the input, the reason and, where
// known, the offset.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("reference: ")
	b.WriteString(e.Reason)
	if e.Offset >= 0 {
		b.WriteString(" at offset ")
		b.WriteString(strconv.Itoa(e.Offset))
	}
	b.WriteString(" in ")
	b.WriteString(strconv.Quote(e.Input))
	return b.String()
}

// Unwrap returns the sentinel error, so errors.Is(err, ErrUppercase) and
// friends work.
func (e *Error) Unwrap() error { return e.Kind }

func newError(input string, offset int, kind error, reason string) *Error {
	return &Error{Input: input, Offset: offset, Reason: reason, Kind: kind}
}

// describeByte renders one input byte for an error message: printable ASCII
// as itself in quotes, anything else as a hex escape.
func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return `'\x` + strconv.FormatUint(uint64(c)>>4, 16) + strconv.FormatUint(uint64(c)&0xf, 16) + `'`
}
