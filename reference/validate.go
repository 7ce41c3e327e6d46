package reference

import (
	// The digest algorithms accepted by this package are registered with
	// crypto here, so that go-digest can verify content against them without
	// the caller importing hash packages.
	_ "crypto/sha256"
	_ "crypto/sha512"
	"strconv"
)

const (
	// NameMaxLength is the longest repository path, in bytes, that a
	// reference may have after normalization.
	NameMaxLength = 255

	// TagMaxLength is the longest tag, in bytes.
	TagMaxLength = 128
)

// Character classes used by the scanners. A table lookup is cheaper than a
// chain of comparisons on the hot path.
const (
	clsLower  = 1 << iota // a-z
	clsUpper              // A-Z
	clsDigit              // 0-9
	clsHexLow             // a-f
	clsHexUp              // A-F
)

var charClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= clsLower
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= clsUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= clsDigit
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] |= clsHexLow
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] |= clsHexUp
	}
	return t
}()

func isLowerAlnum(c byte) bool { return charClass[c]&(clsLower|clsDigit) != 0 }
func isAlnum(c byte) bool      { return charClass[c]&(clsLower|clsUpper|clsDigit) != 0 }
func isAlpha(c byte) bool      { return charClass[c]&(clsLower|clsUpper) != 0 }
func isUpper(c byte) bool      { return charClass[c]&clsUpper != 0 }
func isDigit(c byte) bool      { return charClass[c]&clsDigit != 0 }
func isLowerHex(c byte) bool   { return charClass[c]&(clsHexLow|clsDigit) != 0 }
func isHex(c byte) bool        { return charClass[c]&(clsHexLow|clsHexUp|clsDigit) != 0 }
func isWord(c byte) bool       { return isAlnum(c) || c == '_' }

// ValidateTag reports whether tag is a valid image tag: one word character
// ([A-Za-z0-9_]) followed by at most 127 word characters, dots or dashes.
// The error is an *Error matching ErrInvalidTag.
func ValidateTag(tag string) error {
	if off, reason := scanTag(tag); off >= 0 {
		return newError(tag, off, ErrInvalidTag, reason)
	}
	return nil
}

// scanTag checks tag against the tag grammar. It returns -1 when the tag is
// valid, or the offending offset and a reason.
func scanTag(tag string) (int, string) {
	if tag == "" {
		return 0, "tag is empty"
	}
	if !isWord(tag[0]) {
		return 0, "tag must start with a letter, digit or underscore: found " + describeByte(tag[0])
	}
	for i := 1; i < len(tag); i++ {
		c := tag[i]
		if !isWord(c) && c != '.' && c != '-' {
			return i, "tag may contain only letters, digits, '_', '.' and '-': found " + describeByte(c)
		}
	}
	if len(tag) > TagMaxLength {
		return TagMaxLength, "tag is " + strconv.Itoa(len(tag)) + " bytes long, the limit is " + strconv.Itoa(TagMaxLength)
	}
	return -1, ""
}

// ValidateDigest reports whether d is a digest this package accepts:
// "sha256:" followed by 64, "sha384:" by 96 or "sha512:" by 128 lowercase
// hex digits. A digest that follows the general grammar
// (algorithm ":" at least 32 hex digits) with another algorithm matches
// ErrUnsupportedDigest; anything else matches ErrInvalidDigest.
func ValidateDigest(d string) error {
	if off, reason, kind := scanDigest(d); kind != nil {
		return newError(d, off, kind, reason)
	}
	return nil
}

// digestHexLen gives the encoded length of each supported algorithm.
func digestHexLen(alg string) int {
	switch alg {
	case "sha256":
		return 64
	case "sha384":
		return 96
	case "sha512":
		return 128
	}
	return 0
}

// scanDigest checks d against the digest grammar
//
//	digest           := algorithm ":" encoded
//	algorithm        := component (separator component)*
//	component        := [A-Za-z][A-Za-z0-9]*
//	separator        := [+._-]
//	encoded          := [0-9a-fA-F]{32,}
//
// and then against the supported algorithms. It returns a nil kind when d
// is valid; otherwise the offset, reason and sentinel.
func scanDigest(d string) (int, string, error) {
	i := 0
	for {
		if i >= len(d) || !isAlpha(d[i]) {
			if i >= len(d) {
				return i, "digest algorithm is missing or incomplete", ErrInvalidDigest
			}
			return i, "digest algorithm component must start with a letter: found " + describeByte(d[i]), ErrInvalidDigest
		}
		i++
		for i < len(d) && isAlnum(d[i]) {
			i++
		}
		if i < len(d) && (d[i] == '+' || d[i] == '.' || d[i] == '_' || d[i] == '-') {
			i++
			continue
		}
		break
	}
	if i >= len(d) || d[i] != ':' {
		if i >= len(d) {
			return i, "digest has no ':' between algorithm and hex", ErrInvalidDigest
		}
		return i, "digest algorithm may contain only letters, digits and '+._-': found " + describeByte(d[i]), ErrInvalidDigest
	}
	alg := d[:i]
	hexStart := i + 1
	upper := -1
	for j := hexStart; j < len(d); j++ {
		c := d[j]
		if !isHex(c) {
			return j, "digest must end in hex digits: found " + describeByte(c), ErrInvalidDigest
		}
		if upper < 0 && !isLowerHex(c) {
			upper = j
		}
	}
	n := len(d) - hexStart
	if n < 32 {
		return len(d), "digest has " + strconv.Itoa(n) + " hex digits, at least 32 are required", ErrInvalidDigest
	}
	want := digestHexLen(alg)
	if want == 0 {
		return 0, "digest algorithm " + strconv.Quote(alg) + " is not supported (use sha256, sha384 or sha512)", ErrUnsupportedDigest
	}
	if n != want {
		return hexStart, alg + " digest must have " + strconv.Itoa(want) + " hex digits, found " + strconv.Itoa(n), ErrInvalidDigest
	}
	if upper >= 0 {
		return upper, "digest hex must be lowercase: found " + describeByte(d[upper]), ErrInvalidDigest
	}
	return -1, "", nil
}

// ValidateRepository reports whether path is a valid repository path
// without a registry host, such as "library/ubuntu" or "team/app": one or
// more lowercase components separated by '/', at most NameMaxLength bytes.
// The error is an *Error matching ErrInvalidFormat, ErrUppercase or
// ErrNameTooLong. Registries and test fakes use it to check the names they
// are asked to store.
func ValidateRepository(path string) error {
	end, err := scanPath(path, 0)
	if err != nil {
		return err
	}
	if end < len(path) {
		return pathCharError(path, end, "repository path may contain only lowercase letters, digits, separators and '/'")
	}
	if len(path) > NameMaxLength {
		return newError(path, -1, ErrNameTooLong,
			"repository path is "+strconv.Itoa(len(path))+" bytes long, the limit is "+strconv.Itoa(NameMaxLength))
	}
	return nil
}
