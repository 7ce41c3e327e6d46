package policy

import (
	"strings"

	"github.com/imagetags/imagetags/tagging"
)

// version is a comparable version read from a tag without allocating.
type version struct {
	major, minor, patch uint64
	pre                 string
	set                 bool
}

func versionOf(c *tagging.Class) version {
	return version{major: c.Major(), minor: c.Minor(), patch: c.Patch(), pre: c.Prerelease, set: c.Precision > 0}
}

// compare orders versions by semantic versioning precedence.
func (v version) compare(o version) int {
	switch {
	case v.major != o.major:
		return cmpU(v.major, o.major)
	case v.minor != o.minor:
		return cmpU(v.minor, o.minor)
	case v.patch != o.patch:
		return cmpU(v.patch, o.patch)
	}
	return comparePre(v.pre, o.pre)
}

// better reports whether o should replace v as the best so far: v is unset
// or o is greater.
func (v version) better(o version) bool { return !v.set || o.compare(v) > 0 }

// sameLine reports whether v and o agree on their first depth parts.
func (v version) sameLine(o version, depth int) bool {
	if depth >= 1 && v.major != o.major {
		return false
	}
	if depth >= 2 && v.minor != o.minor {
		return false
	}
	if depth >= 3 && v.patch != o.patch {
		return false
	}
	return true
}

func cmpU(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// comparePre compares prerelease strings by semver rules: no prerelease
// ranks above any; identifiers compare numerically when both are numeric,
// numeric below alphanumeric, otherwise by ASCII; a shorter list of equal
// identifiers ranks lower.
func comparePre(a, b string) int {
	if a == b {
		return 0
	}
	if a == "" {
		return 1
	}
	if b == "" {
		return -1
	}
	for {
		ai, arest, amore := strings.Cut(a, ".")
		bi, brest, bmore := strings.Cut(b, ".")
		if c := compareIdent(ai, bi); c != 0 {
			return c
		}
		switch {
		case !amore && !bmore:
			return 0
		case !amore:
			return -1
		case !bmore:
			return 1
		}
		a, b = arest, brest
	}
}

func compareIdent(a, b string) int {
	an, bn := isNum(a), isNum(b)
	switch {
	case an && bn:
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			if len(a) < len(b) {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

func isNum(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
