package reference

import (
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
)

const (
	// DefaultRegistry is the registry a name without a registry host
	// resolves to.
	DefaultRegistry = "docker.io"

	// LegacyDefaultRegistry is the historical name of DefaultRegistry; Parse
	// rewrites it to DefaultRegistry.
	LegacyDefaultRegistry = "index.docker.io"

	// OfficialRepositoryPrefix is the namespace of Docker Hub's official
	// images; Parse adds it to one-component names on DefaultRegistry, so
	// "ubuntu" becomes "docker.io/library/ubuntu".
	OfficialRepositoryPrefix = "library/"

	// DefaultTag is the tag a container runtime pulls when a reference names
	// neither a tag nor a digest.
	DefaultTag = "latest"

	localhost = "localhost"
)

// Reference is one parsed, normalized image reference:
//
//	registry/repository[:tag][@digest]
//
// It is a small immutable value: copy it freely, compare it with ==, use it
// as a map key. Two references are equal exactly when their String forms
// are equal. The zero Reference is not a valid reference; IsZero reports it.
type Reference struct {
	s       string // canonical form: registry "/" path [":" tag] ["@" digest]
	regEnd  int    // s[:regEnd] is the registry
	nameEnd int    // s[:nameEnd] is registry/path
	tagEnd  int    // s[nameEnd+1:tagEnd] is the tag when tagEnd > nameEnd
}

// Parse parses s as an image reference and normalizes it the way the Docker
// CLI does:
//
//	ubuntu                     -> docker.io/library/ubuntu
//	bitnami/redis:7            -> docker.io/bitnami/redis:7
//	index.docker.io/ubuntu     -> docker.io/library/ubuntu
//	localhost:5000/app@sha256:… (unchanged)
//
// The first path component is a registry host when it contains a '.' or a
// ':', is "localhost", or contains an uppercase letter; otherwise the
// reference is on docker.io. A reference may carry a tag, a digest, or both.
//
// Parse accepts exactly what github.com/distribution/reference's
// ParseNormalizedNamed accepts, with the deviations listed in the package
// documentation. Errors are *Error values matching one of the package's
// sentinels. Parse allocates at most once, and not at all when s is
// already in canonical form.
func Parse(s string) (Reference, error) {
	if s == "" {
		return Reference{}, newError(s, -1, ErrInvalidFormat, "reference is empty")
	}
	if len(s) == 64 && allLowerHex(s) {
		return Reference{}, newError(s, -1, ErrInvalidFormat,
			"a 64-character hex string is an image ID, not a repository name")
	}

	// Decide where the registry ends, following the Docker CLI: only the
	// text before the first '/' can be a registry, and only when it looks
	// like a host.
	registry := DefaultRegistry
	rest := 0 // offset in s where the repository path starts
	explicit := false
	if slash := strings.IndexByte(s, '/'); slash >= 0 {
		first := s[:slash]
		switch {
		case first == LegacyDefaultRegistry:
			rest = slash + 1
		case first == localhost || strings.ContainsAny(first, ".:") || hasUpper(first):
			if off, reason := scanHost(first); off >= 0 {
				return Reference{}, newError(s, off, ErrInvalidFormat, reason)
			}
			registry, rest, explicit = first, slash+1, true
		}
	}
	pathEnd, tagEnd, err := scanRemainder(s, rest)
	if err != nil {
		return Reference{}, err
	}

	// One-component names on Docker Hub are official images.
	library := registry == DefaultRegistry && strings.IndexByte(s[rest:pathEnd], '/') < 0
	pathLen := pathEnd - rest
	if library {
		pathLen += len(OfficialRepositoryPrefix)
	}
	if pathLen > NameMaxLength {
		return Reference{}, newError(s, -1, ErrNameTooLong,
			"repository path is "+strconv.Itoa(pathLen)+" bytes long after normalization, the limit is "+strconv.Itoa(NameMaxLength))
	}
	if library && rest == 0 && isDigestLookalike(s) {
		return Reference{}, newError(s, -1, ErrInvalidFormat,
			"a bare digest is not a reference; write the repository name before it, as name@"+s)
	}

	var r Reference
	switch {
	case explicit && !library:
		r.s = s // already canonical: no allocation
	case library:
		r.s = registry + "/" + OfficialRepositoryPrefix + s[rest:]
	default:
		r.s = registry + "/" + s[rest:]
	}
	shift := len(r.s) - len(s)
	r.regEnd = len(registry)
	r.nameEnd = pathEnd + shift
	r.tagEnd = tagEnd + shift
	return r, nil
}

// MustParse is like Parse but panics when s is not a valid reference. Use it
// only for constants in programs and tests.
func MustParse(s string) Reference {
	r, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return r
}

// isDigestLookalike reports whether s is "sha256:<64 hex>" or one of its
// sha384/sha512 siblings. Parse refuses such a string as a name: it is
// almost always a digest passed where a reference was expected, and read
// as a name it would mean the official image "sha256" with the hex as its
// tag, which is never what the caller meant.
func isDigestLookalike(s string) bool {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return false
	}
	n := digestHexLen(s[:i])
	return n != 0 && len(s)-i-1 == n && allLowerHex(s[i+1:])
}

// scanRemainder scans the repository path and the optional tag and digest
// of s, starting at offset start. It returns the offsets where the path and
// the tag end (tagEnd == pathEnd when there is no tag).
func scanRemainder(s string, start int) (pathEnd, tagEnd int, err error) {
	i, err := scanPath(s, start)
	if err != nil {
		return 0, 0, err
	}
	pathEnd = i
	tagEnd = i
	if i < len(s) && s[i] == ':' {
		tagStart := i + 1
		j := tagStart
		for j < len(s) && s[j] != '@' {
			j++
		}
		if off, reason := scanTag(s[tagStart:j]); off >= 0 {
			return 0, 0, newError(s, tagStart+off, ErrInvalidTag, reason)
		}
		i, tagEnd = j, j
	}
	if i < len(s) && s[i] == '@' {
		if off, reason, kind := scanDigest(s[i+1:]); kind != nil {
			return 0, 0, newError(s, i+1+off, kind, reason)
		}
		return pathEnd, tagEnd, nil
	}
	if i < len(s) {
		if isUpper(s[i]) {
			return 0, 0, pathCharError(s, i, "")
		}
		return 0, 0, newError(s, i, ErrInvalidFormat,
			"unexpected "+describeByte(s[i])+" after the repository path (expected '/', ':' or '@')")
	}
	return pathEnd, tagEnd, nil
}

// scanPath scans a repository path of s starting at offset start and
// returns the offset just after it: the end of s, or a ':' or '@' that
// follows the path. Any other character there is left for the caller.
func scanPath(s string, start int) (int, error) {
	i := start
	// path := component ("/" component)*
	// component := alnum (separator alnum)*
	// separator := "." | "_" | "__" | "-"+
	for {
		if i >= len(s) {
			return 0, newError(s, i, ErrInvalidFormat, "repository path component is empty")
		}
		if !isLowerAlnum(s[i]) {
			return 0, pathCharError(s, i, "repository path component must start with a lowercase letter or digit")
		}
		i++
		for i < len(s) {
			c := s[i]
			if isLowerAlnum(c) {
				i++
				continue
			}
			sepStart := i
			switch c {
			case '.':
				i++
			case '_':
				i++
				if i < len(s) && s[i] == '_' {
					i++
				}
			case '-':
				for i < len(s) && s[i] == '-' {
					i++
				}
			default:
				goto componentEnd
			}
			if i >= len(s) || !isLowerAlnum(s[i]) {
				if i < len(s) && (s[i] == '.' || s[i] == '_' || s[i] == '-') {
					return 0, newError(s, sepStart, ErrInvalidFormat,
						"repository path separators are one '.', one or two '_', or a run of '-': found "+strconv.Quote(s[sepStart:i+1]))
				}
				if i < len(s) && isUpper(s[i]) {
					return 0, pathCharError(s, i, "")
				}
				return 0, newError(s, i, ErrInvalidFormat,
					"repository path separator "+describeByte(c)+" must be followed by a lowercase letter or digit")
			}
		}
	componentEnd:
		if i < len(s) && s[i] == '/' {
			i++
			continue
		}
		break
	}
	return i, nil
}

// pathCharError reports a bad character in a repository path, as an
// uppercase error when the character is an uppercase letter.
func pathCharError(s string, i int, reason string) error {
	if i < len(s) && isUpper(s[i]) {
		return newError(s, i, ErrUppercase, "repository name must be lowercase: found "+describeByte(s[i]))
	}
	if i < len(s) {
		reason += ": found " + describeByte(s[i])
	}
	return newError(s, i, ErrInvalidFormat, reason)
}

// scanHost checks a registry host against
//
//	host   := domain | "[" ipv6 "]"
//	domain := label ("." label)*
//	label  := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
//	ipv6   := [A-Fa-f0-9:]+
//	port   := ":" [0-9]+
//
// followed by an optional port. It returns -1 when h is valid, otherwise
// the offending offset and a reason.
func scanHost(h string) (int, string) {
	i := 0
	if h != "" && h[0] == '[' {
		i = 1
		for i < len(h) && (isHex(h[i]) || h[i] == ':') {
			i++
		}
		if i == 1 || i >= len(h) || h[i] != ']' {
			return i, "registry IPv6 address must be hex digits and ':' inside '[' and ']'"
		}
		i++
	} else {
		for {
			start := i
			for i < len(h) && (isAlnum(h[i]) || h[i] == '-') {
				i++
			}
			if i == start {
				return i, "registry host name has an empty label"
			}
			if h[start] == '-' {
				return start, "registry host name label must not start with '-'"
			}
			if h[i-1] == '-' {
				return i - 1, "registry host name label must not end with '-'"
			}
			if i < len(h) && h[i] == '.' {
				i++
				continue
			}
			break
		}
	}
	if i < len(h) && h[i] == ':' {
		i++
		start := i
		for i < len(h) && isDigit(h[i]) {
			i++
		}
		if i == start {
			return i, "registry port must be digits"
		}
	}
	if i < len(h) {
		return i, "registry host may contain only letters, digits, '-' and '.', then an optional ':port': found " + describeByte(h[i])
	}
	return -1, ""
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if isUpper(s[i]) {
			return true
		}
	}
	return false
}

func allLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return false
		}
	}
	return true
}

// IsZero reports whether r is the zero Reference, which names nothing.
func (r Reference) IsZero() bool { return r.s == "" }

// String returns the fully qualified form, registry/repository[:tag][@digest],
// for example "docker.io/library/ubuntu:20.04". Parse(r.String()) == r.
func (r Reference) String() string { return r.s }

// Registry returns the registry host, with its port if any: "docker.io",
// "localhost:5000", "[::1]:5000".
func (r Reference) Registry() string { return r.s[:r.regEnd] }

// Repository returns the repository path within the registry:
// "library/ubuntu", "team/app".
func (r Reference) Repository() string {
	if r.s == "" {
		return ""
	}
	return r.s[r.regEnd+1 : r.nameEnd]
}

// Name returns registry/repository without tag or digest:
// "docker.io/library/ubuntu".
func (r Reference) Name() string { return r.s[:r.nameEnd] }

// Tag returns the tag as written, or "" when the reference has none. A
// reference without a tag or digest is pulled as DefaultTag; TagOrLatest
// makes that explicit.
func (r Reference) Tag() string {
	if r.tagEnd == r.nameEnd {
		return ""
	}
	return r.s[r.nameEnd+1 : r.tagEnd]
}

// HasTag reports whether the reference names a tag explicitly.
func (r Reference) HasTag() bool { return r.tagEnd > r.nameEnd }

// TagOrLatest returns the tag a container runtime would pull: the explicit
// tag, or DefaultTag ("latest") when the reference has neither tag nor
// digest. A reference pinned by digest alone has no tag to follow, so it
// returns "". Policy code uses this so that "app" and "app:latest" are
// treated alike.
func (r Reference) TagOrLatest() string {
	if r.HasTag() {
		return r.Tag()
	}
	if r.IsPinned() || r.s == "" {
		return ""
	}
	return DefaultTag
}

// Digest returns the digest, or "" when the reference is not pinned.
func (r Reference) Digest() digest.Digest {
	if r.tagEnd == len(r.s) {
		return ""
	}
	return digest.Digest(r.s[r.tagEnd+1:])
}

// IsPinned reports whether the reference carries a digest, so that it names
// exactly one manifest whatever its tag later points at.
func (r Reference) IsPinned() bool { return r.tagEnd < len(r.s) }

// Familiar returns the short form people type: "ubuntu:20.04" for
// "docker.io/library/ubuntu:20.04", "bitnami/redis" for
// "docker.io/bitnami/redis". References on other registries are returned in
// full. Parse(r.Familiar()) == r always holds; see the package
// documentation for the one case where this differs from Docker's
// familiar form.
func (r Reference) Familiar() string {
	if r.Registry() != DefaultRegistry {
		return r.s
	}
	rest := r.s[len(DefaultRegistry)+1:]
	path := r.s[len(DefaultRegistry)+1 : r.nameEnd]
	if strings.HasPrefix(path, OfficialRepositoryPrefix) && strings.IndexByte(path[len(OfficialRepositoryPrefix):], '/') < 0 {
		if short := rest[len(OfficialRepositoryPrefix):]; !isDigestLookalike(short) {
			return short
		}
		return rest
	}
	// Without the registry, a first component that looks like a host would
	// be read back as one; keep the registry in that case.
	first := path
	if i := strings.IndexByte(path, '/'); i >= 0 {
		first = path[:i]
	}
	if first == localhost || first == LegacyDefaultRegistry || strings.ContainsAny(first, ".:") {
		return r.s
	}
	return rest
}

// Path returns the components of the repository path, for naming schemes
// such as registry/company/department/software. "docker.io/library/ubuntu"
// gives ["library", "ubuntu"]. The slice is the caller's to keep.
func (r Reference) Path() []string {
	if r.s == "" {
		return nil
	}
	return strings.Split(r.Repository(), "/")
}

// WithTag returns r with its tag replaced by tag, keeping any digest. The
// tag is validated; the error matches ErrInvalidTag.
func (r Reference) WithTag(tag string) (Reference, error) {
	if r.s == "" {
		return Reference{}, newError(tag, -1, ErrInvalidFormat, "cannot add a tag to the zero Reference")
	}
	if err := ValidateTag(tag); err != nil {
		return Reference{}, err
	}
	tail := r.s[r.tagEnd:]
	out := Reference{s: r.s[:r.nameEnd] + ":" + tag + tail, regEnd: r.regEnd, nameEnd: r.nameEnd}
	out.tagEnd = r.nameEnd + 1 + len(tag)
	return out, nil
}

// WithDigest returns r pinned to d, keeping any tag. The digest is
// validated; the error matches ErrInvalidDigest or ErrUnsupportedDigest.
func (r Reference) WithDigest(d digest.Digest) (Reference, error) {
	if r.s == "" {
		return Reference{}, newError(string(d), -1, ErrInvalidFormat, "cannot add a digest to the zero Reference")
	}
	if err := ValidateDigest(string(d)); err != nil {
		return Reference{}, err
	}
	return Reference{s: r.s[:r.tagEnd] + "@" + string(d), regEnd: r.regEnd, nameEnd: r.nameEnd, tagEnd: r.tagEnd}, nil
}

// Untagged returns r without its tag, keeping any digest: "app:1.2@sha256:…"
// becomes "app@sha256:…" and "app:1.2" becomes "app".
func (r Reference) Untagged() Reference {
	if !r.HasTag() {
		return r
	}
	return Reference{s: r.s[:r.nameEnd] + r.s[r.tagEnd:], regEnd: r.regEnd, nameEnd: r.nameEnd, tagEnd: r.nameEnd}
}

// WithoutDigest returns r without its digest, keeping any tag.
func (r Reference) WithoutDigest() Reference {
	if !r.IsPinned() {
		return r
	}
	return Reference{s: r.s[:r.tagEnd], regEnd: r.regEnd, nameEnd: r.nameEnd, tagEnd: r.tagEnd}
}

// NameOnly returns the repository reference with neither tag nor digest.
func (r Reference) NameOnly() Reference {
	return Reference{s: r.s[:r.nameEnd], regEnd: r.regEnd, nameEnd: r.nameEnd, tagEnd: r.nameEnd}
}

// MarshalText returns String(). The zero Reference marshals to empty text.
func (r Reference) MarshalText() ([]byte, error) { return []byte(r.s), nil }

// UnmarshalText parses text with Parse. Empty text gives the zero
// Reference, so an optional field left empty in a JSON or YAML document
// round-trips.
func (r *Reference) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*r = Reference{}
		return nil
	}
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*r = p
	return nil
}
