package policy

import (
	"math"
	"slices"

	"github.com/Masterminds/semver/v3"
)

// cells splits the stable versions into ranges on which a semver
// constraint gives one answer, so that Select asks the constraint once per
// range instead of once per tag (a failed Check formats an error, which
// costs more than everything else Select does with a tag).
//
// Every comparison a Masterminds constraint makes is against a version
// spelled in its text, or against the next major, minor or patch of it
// (for "^", "~", "x" ranges and partial versions such as ">1.2"). The
// boundaries are therefore, for each number a.b.c in the text: a.0.0,
// (a+1).0.0, a.b.0, a.(b+1).0, a.b.c and a.b.(c+1). Between two
// consecutive boundaries no stable version compares differently with any
// of them, so the constraint's answer is the same. Extra boundaries (from a
// prerelease's numbers, say) only make more ranges. Prereleases do not use
// the cells; they are checked one by one.
type cells struct {
	bounds []version // sorted, distinct, stable
}

// newCells reads the boundaries from a constraint's text. It returns nil
// when a number is too large to have a successor; Select then checks every
// tag.
func newCells(text string) *cells {
	var bounds []version
	for i := 0; i < len(text); {
		if !isDigitByte(text[i]) {
			i++
			continue
		}
		var parts [3]uint64
		n := 0
		for n < 3 && i < len(text) && isDigitByte(text[i]) {
			v, m, ok := readNumber(text[i:])
			if !ok || v == math.MaxUint64 {
				return nil
			}
			parts[n] = v
			n++
			i += m
			if i+1 < len(text) && text[i] == '.' && isDigitByte(text[i+1]) {
				i++
				continue
			}
			break
		}
		a, b, c := parts[0], parts[1], parts[2]
		bounds = append(bounds,
			version{major: a, set: true}, version{major: a + 1, set: true},
			version{major: a, minor: b, set: true}, version{major: a, minor: b + 1, set: true},
			version{major: a, minor: b, patch: c, set: true}, version{major: a, minor: b, patch: c + 1, set: true})
		for i < len(text) && isDigitByte(text[i]) {
			i++
		}
	}
	slices.SortFunc(bounds, version.compare)
	bounds = slices.CompactFunc(bounds, func(x, y version) bool { return x.compare(y) == 0 })
	return &cells{bounds: bounds}
}

// index returns the range v, a stable version, falls in: the number of
// boundaries <= v. Boundaries are stable too, so the comparison needs no
// prerelease rules.
func (c *cells) index(v version) int {
	lo, hi := 0, len(c.bounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if m := &c.bounds[mid]; m.major < v.major || m.major == v.major && (m.minor < v.minor || m.minor == v.minor && m.patch <= v.patch) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// checker answers a constraint for the versions of one Select call,
// remembering each range's answer.
type checker struct {
	cs    *semver.Constraints
	cells *cells
	state []int8 // per range: 0 not asked yet, 1 allowed, -1 refused
}

func (k *checker) allows(v version) bool {
	if k.cells == nil || v.pre != "" {
		return k.cs.Check(semver.New(v.major, v.minor, v.patch, v.pre, ""))
	}
	i := k.cells.index(v)
	if k.state == nil {
		k.state = make([]int8, len(k.cells.bounds)+1)
	}
	switch k.state[i] {
	case 1:
		return true
	case -1:
		return false
	}
	ok := k.cs.Check(semver.New(v.major, v.minor, v.patch, "", ""))
	k.state[i] = -1
	if ok {
		k.state[i] = 1
	}
	return ok
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// readNumber reads the decimal number at the start of s.
func readNumber(s string) (uint64, int, bool) {
	var v uint64
	n := 0
	for n < len(s) && isDigitByte(s[n]) {
		d := uint64(s[n] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, 0, false
		}
		v = v*10 + d
		n++
	}
	return v, n, n > 0
}

// mentionsPrerelease reports whether a constraint's text may name a
// prerelease version ("-" right after a digit), in which case Masterminds
// lets prereleases of that version through even without opt-in.
func mentionsPrerelease(text string) bool {
	for i := 1; i < len(text); i++ {
		if text[i] == '-' && isDigitByte(text[i-1]) {
			return true
		}
	}
	return false
}
