package tagging

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// hashSuffixLen is the number of hex digits of the SHA-256 of the input
// that Sanitize appends when it has to cut a value.
const hashSuffixLen = 8

// Sanitizer turns any string, such as a branch name or a raw value, into
// a valid tag. Its zero value keeps case and allows the full tag length.
//
// The rules, in order:
//
//   - A "refs/heads/" or "refs/tags/" prefix is dropped.
//   - Every run of characters that a tag may not contain (anything but
//     letters, digits, '_', '.' and '-') becomes one '-'.
//   - With Lowercase, ASCII letters are lowered.
//   - Leading '.' and '-' are dropped (a tag must start with a letter,
//     digit or '_'), and so are trailing '.' and '-'.
//   - A result longer than the limit is cut, and "-" plus the first 8 hex
//     digits of the SHA-256 of the whole input is appended, so two long
//     values that share a prefix still give different tags.
//   - A result of the shape "sha256-<64 hex>" (also sha384, sha512), which
//     is the tag schema of the OCI referrers fallback, gets its first '-'
//     replaced by '_'.
//
// A value with no letter, digit or '_' cannot become a tag; Sanitize
// returns an error matching ErrInvalidTag.
type Sanitizer struct {
	// Lowercase lowers ASCII letters.
	Lowercase bool
	// MaxLength is the longest result in bytes; zero or anything above
	// reference.TagMaxLength (128) means 128. It must leave room for the
	// hash suffix: at least 10.
	MaxLength int
}

// Sanitize makes s into a valid tag with the zero Sanitizer.
func Sanitize(s string) (string, error) {
	return Sanitizer{}.Sanitize(s)
}

// Sanitize makes s into a valid tag. See Sanitizer for the rules.
func (z Sanitizer) Sanitize(s string) (string, error) {
	out, _, err := z.sanitize(s)
	return out, err
}

// sanitize is Sanitize, and says whether the value was cut and given the
// hash suffix.
func (z Sanitizer) sanitize(s string) (out string, cut bool, err error) {
	max := z.MaxLength
	if max <= 0 || max > maxTagLen {
		max = maxTagLen
	}
	if max < hashSuffixLen+2 {
		return "", false, &Error{Rule: "sanitize", Input: s, Reason: "leaves " + strconv.Itoa(max) +
			" bytes for the tag, at least " + strconv.Itoa(hashSuffixLen+2) + " are needed", Err: ErrInvalidTag}
	}
	in := s
	s = strings.TrimPrefix(s, "refs/heads/")
	s = strings.TrimPrefix(s, "refs/tags/")
	if validTag(s) && len(s) <= max && !z.Lowercase && !isReferrersTag(s) && !strings.HasSuffix(s, "-") && !strings.HasSuffix(s, ".") {
		return s, false, nil
	}
	b := make([]byte, 0, len(s))
	bad := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isTagChar(c) {
			bad = true
			continue
		}
		if bad {
			b = append(b, '-')
			bad = false
		}
		if z.Lowercase && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	out = strings.TrimRight(strings.TrimLeft(string(b), ".-"), ".-")
	if out == "" {
		return "", false, &Error{Rule: "sanitize", Input: in,
			Reason: "has no letter, digit or '_' to make a tag from (a tag is [A-Za-z0-9_][A-Za-z0-9_.-]*)", Err: ErrInvalidTag}
	}
	if len(out) > max {
		sum := sha256.Sum256([]byte(in))
		out = out[:max-hashSuffixLen-1] + "-" + hex.EncodeToString(sum[:hashSuffixLen/2])
		cut = true
	}
	if isReferrersTag(out) {
		out = strings.Replace(out, "-", "_", 1)
	}
	return out, cut, nil
}

// isReferrersTag reports whether t has the shape "<alg>-<64 hex>" used by
// the OCI distribution spec for the referrers fallback tag.
func isReferrersTag(t string) bool {
	i := strings.IndexByte(t, '-')
	if i < 0 || len(t)-i-1 != 64 {
		return false
	}
	switch t[:i] {
	case "sha256", "sha384", "sha512":
	default:
		return false
	}
	return hexRun(t[i+1:]) == 64
}
