package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/imagetags/imagetags/tagging"
)

// StrategyKind names how Select orders and filters tags.
type StrategyKind string

const (
	// BySemver keeps version tags that satisfy Constraint, in
	// Masterminds/semver syntax as used by Flux and Helm (">=1.2 <2",
	// "~1.3", "^2", "1.x"), and picks the highest. Tags may have a "v"
	// prefix and one, two or three parts ("1" reads as 1.0.0); tags with
	// another prefix or a variant ("1.2.3-alpine") are excluded, use
	// ByVariant for those.
	BySemver StrategyKind = "semver"
	// ByLine keeps tags of Current's release line, like Keel's patch,
	// minor and major policies: same prefix, variant and precision, the
	// same major.minor (Line patch) or major (Line minor), or any version
	// (Line major), not older than Current. It picks the highest.
	ByLine StrategyKind = "line"
	// ByVariant keeps tags with Current's prefix, variant and precision
	// and a version not older than Current, like Renovate's compatibility
	// rule: "1.12-alpine" moves to "1.13-alpine", never to "1.15" or
	// "1.15-alpine-perl". It is ByLine with Line major.
	ByVariant StrategyKind = "variant"
	// ByNumeric reads each tag (or extracted value) as a non-negative
	// decimal number, "1700000000" or "42.5", and picks the highest
	// (PickHighest) or the lowest (PickLowest). Leading zeros do not count.
	ByNumeric StrategyKind = "numeric"
	// ByAlphabetical orders tags (or extracted values) by their bytes and
	// picks the last (PickHighest) or the first (PickLowest), like Flux's
	// alphabetical policy.
	ByAlphabetical StrategyKind = "alphabetical"
)

// Line is the release line ByLine keeps.
type Line string

const (
	// LinePatch keeps the major.minor of the current tag: 1.4.2 → 1.4.x.
	LinePatch Line = "patch"
	// LineMinor keeps the major of the current tag: 1.4.2 → 1.x.
	LineMinor Line = "minor"
	// LineMajor keeps only the shape of the current tag: any newer version.
	LineMajor Line = "major"
)

// Order says which end of the ByNumeric and ByAlphabetical order Select
// picks. Its JSON words are Flux's: "asc" picks the highest, "desc" the
// lowest.
type Order string

const (
	// PickHighest (the default) picks the highest value: the last in
	// ascending order.
	PickHighest Order = "asc"
	// PickLowest picks the lowest value: the last in descending order.
	PickLowest Order = "desc"
)

// Strategy says which tag Select picks. It is a data value: load it from
// JSON or YAML, compare it, log it. Only the fields a Kind uses may be set;
// NewSelector reports the others as errors.
//
// Pattern, with any Kind, first filters tags by a regular expression (RE2
// syntax) and, with Extract, orders them by a value expanded from the
// match ("$ts", "${ts}", "$1"), like Flux's filterTags: pattern
// "^main-[a-f0-9]+-(?P<ts>[0-9]+)" with extract "$ts" and kind numeric
// picks the newest main build. The selected tag is always the original.
//
// Ties (tags of equal value, such as "1.2.3" and "v1.2.3", or "7" and
// "007") go to the tag with more version parts, then to the lexically
// smallest tag, so the result never depends on the order of the input.
type Strategy struct {
	// Kind is one of semver, line, variant, numeric, alphabetical.
	Kind StrategyKind `json:"kind"`
	// Constraint is the semver constraint (kind semver).
	Constraint string `json:"constraint,omitempty"`
	// Current is the tag in use (kinds line and variant); it must spell
	// a version.
	Current string `json:"current,omitempty"`
	// Line is patch, minor or major (kind line).
	Line Line `json:"line,omitempty"`
	// Order is asc or desc (kinds numeric and alphabetical); empty is asc.
	Order Order `json:"order,omitempty"`
	// Pattern filters tags by a regular expression (any kind).
	Pattern string `json:"pattern,omitempty"`
	// Extract is the value to order by, expanded from Pattern's match.
	Extract string `json:"extract,omitempty"`
	// Prereleases lets prerelease versions be selected (kinds semver,
	// line, variant). A semver constraint that names a prerelease, such as
	// ">=1.2.3-0", admits prereleases anywhere in its range by itself, as
	// Masterminds/semver (and so Helm and Flux) reads it.
	Prereleases bool `json:"prereleases,omitempty"`
}

// Exclusion says why Select left a tag out.
type Exclusion string

// Reasons a tag is excluded.
const (
	// ExcludedNoMatch: the tag does not match Pattern, or Extract
	// expanded to nothing.
	ExcludedNoMatch Exclusion = "no-match"
	// ExcludedNotVersion: the tag spells no version.
	ExcludedNotVersion Exclusion = "not-a-version"
	// ExcludedNotNumber: the tag is not a decimal number.
	ExcludedNotNumber Exclusion = "not-a-number"
	// ExcludedPrefix: the tag's prefix differs ("app-1.2.3" for semver,
	// "v1.2" for a current "1.1").
	ExcludedPrefix Exclusion = "prefix"
	// ExcludedVariant: the tag's variant differs ("1.15-alpine-perl" for
	// "1.12-alpine").
	ExcludedVariant Exclusion = "variant"
	// ExcludedPrecision: the tag has a different number of version parts.
	ExcludedPrecision Exclusion = "precision"
	// ExcludedPrerelease: a prerelease, not opted in.
	ExcludedPrerelease Exclusion = "prerelease"
	// ExcludedOutOfRange: the version fails the constraint or leaves the
	// line.
	ExcludedOutOfRange Exclusion = "out-of-range"
	// ExcludedOlder: the version is older than Current.
	ExcludedOlder Exclusion = "older"
)

var exclusions = [...]Exclusion{ExcludedNoMatch, ExcludedNotVersion, ExcludedNotNumber, ExcludedPrefix,
	ExcludedVariant, ExcludedPrecision, ExcludedPrerelease, ExcludedOutOfRange, ExcludedOlder}

const (
	exNoMatch = iota
	exNotVersion
	exNotNumber
	exPrefix
	exVariant
	exPrecision
	exPrerelease
	exOutOfRange
	exOlder
	exCount
)

// Result is what Select found.
type Result struct {
	// Tag is the selected tag, one of the input tags; empty when none
	// was eligible.
	Tag string `json:"tag,omitempty"`
	// Found reports whether a tag was selected.
	Found bool `json:"found"`
	// Considered is the number of tags given, duplicates included.
	Considered int `json:"considered"`
	// Eligible is the number of tags that passed every filter; Tag is
	// the best of them. Considered is Eligible plus the Excluded counts.
	Eligible int `json:"eligible"`
	// Excluded counts the tags left out, per reason. The map is the
	// caller's to keep; it is nil when nothing was excluded.
	Excluded map[Exclusion]int `json:"excluded,omitempty"`
}

// Selector is a compiled Strategy. Compile once, select many times; a
// Selector is safe for concurrent use.
type Selector struct {
	s        Strategy
	re       *regexp.Regexp
	cs       *semver.Constraints
	cells    *cells
	pre      bool // the constraint names a prerelease
	cur      tagging.Class
	curV     version
	depth    int
	classify tagging.Classifier
}

// Select picks the newest tag s allows from tags. It is NewSelector
// followed by Selector.Select; the error is NewSelector's.
func Select(tags []string, s Strategy) (Result, error) {
	sel, err := NewSelector(s)
	if err != nil {
		return Result{}, err
	}
	return sel.Select(tags), nil
}

func strategyErr(field, input, reason string, cause error) error {
	return &Error{Field: "strategy." + field, Input: input, Reason: reason, Err: ErrInvalidStrategy, Cause: cause}
}

// NewSelector checks and compiles s. Errors match ErrInvalidStrategy and
// name the field at fault.
func NewSelector(s Strategy) (*Selector, error) {
	sel := &Selector{s: s}
	uses := map[string]bool{}
	switch s.Kind {
	case BySemver:
		uses["constraint"] = true
		uses["prereleases"] = true
		if strings.TrimSpace(s.Constraint) == "" {
			return nil, strategyErr("constraint", s.Constraint, "is required with kind semver (for example \">=1.2 <2\" or \"^2\")", nil)
		}
		cs, err := semver.NewConstraint(s.Constraint)
		if err != nil {
			return nil, strategyErr("constraint", s.Constraint, "is not a semver constraint", err)
		}
		cs.IncludePrerelease = s.Prereleases
		sel.cs = cs
		sel.cells = newCells(s.Constraint)
		sel.pre = mentionsPrerelease(s.Constraint)
	case ByLine, ByVariant:
		uses["current"] = true
		uses["prereleases"] = true
		line := LineMajor
		if s.Kind == ByLine {
			uses["line"] = true
			switch s.Line {
			case LinePatch, LineMinor, LineMajor:
				line = s.Line
			default:
				return nil, strategyErr("line", string(s.Line), "is not patch, minor or major", nil)
			}
		}
		sel.cur = sel.classify.Classify(s.Current)
		if sel.cur.Precision == 0 || sel.cur.Form == tagging.FormDate {
			return nil, strategyErr("current", s.Current, "spells no version; kind "+string(s.Kind)+" needs a current tag such as \"1.4.2\" or \"1.12-alpine\"", nil)
		}
		sel.curV = versionOf(sel.cur)
		sel.depth = map[Line]int{LinePatch: 2, LineMinor: 1, LineMajor: 0}[line]
	case ByNumeric, ByAlphabetical:
		uses["order"] = true
		switch s.Order {
		case "", PickHighest, PickLowest:
		default:
			return nil, strategyErr("order", string(s.Order), "is not asc or desc", nil)
		}
	default:
		return nil, strategyErr("kind", string(s.Kind), "is not semver, line, variant, numeric or alphabetical", nil)
	}
	for _, f := range []struct {
		name, value string
	}{{"constraint", s.Constraint}, {"current", s.Current}, {"line", string(s.Line)}, {"order", string(s.Order)}} {
		if f.value != "" && !uses[f.name] {
			return nil, strategyErr(f.name, f.value, "is not used with kind "+string(s.Kind), nil)
		}
	}
	if s.Prereleases && !uses["prereleases"] {
		return nil, strategyErr("prereleases", "true", "is not used with kind "+string(s.Kind), nil)
	}
	if s.Pattern != "" {
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			return nil, strategyErr("pattern", s.Pattern, "is not a valid regular expression", err)
		}
		sel.re = re
		if err := checkExtract(re, s.Extract); err != nil {
			return nil, err
		}
	} else if s.Extract != "" {
		return nil, strategyErr("extract", s.Extract, "needs a pattern to expand", nil)
	}
	return sel, nil
}

// checkExtract reports an Extract template that names a group the pattern
// does not have.
func checkExtract(re *regexp.Regexp, tmpl string) error {
	names := re.SubexpNames()
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '$' || i+1 >= len(tmpl) {
			continue
		}
		rest := tmpl[i+1:]
		var name string
		switch {
		case rest[0] == '$':
			i++
			continue
		case rest[0] == '{':
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return strategyErr("extract", tmpl, "has an unclosed ${", nil)
			}
			name = rest[1:end]
		default:
			n := 0
			for n < len(rest) && (isWordByte(rest[n])) {
				n++
			}
			name = rest[:n]
		}
		if name == "" {
			continue
		}
		if !groupExists(names, name) {
			return strategyErr("extract", tmpl, fmt.Sprintf("names group %q, which the pattern does not have (it has %d groups)", name, len(names)-1), nil)
		}
	}
	return nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func groupExists(names []string, name string) bool {
	if isNum(name) {
		n := 0
		for i := 0; i < len(name) && n < len(names); i++ {
			n = n*10 + int(name[i]-'0')
		}
		return n < len(names)
	}
	for _, n := range names[1:] {
		if n == name {
			return true
		}
	}
	return false
}

// Strategy returns the Strategy sel was compiled from.
func (sel *Selector) Strategy() Strategy { return sel.s }

// best is the best candidate so far.
type best struct {
	tag   string
	value string // extracted or tag, for numeric and alphabetical
	v     version
	prec  int
	set   bool
}

// Select picks the newest allowed tag. It runs in one pass over tags,
// keeping the best so far, and reads a tag fully only when a cheap check
// of its first bytes says it can be a candidate.
func (sel *Selector) Select(tags []string) Result {
	var counts [exCount]int
	var b best
	eligible := 0
	k := checker{cs: sel.cs, cells: sel.cells}
	var match []int
	for _, tag := range tags {
		value := tag
		if sel.re != nil {
			match = sel.re.FindStringSubmatchIndex(tag)
			if match == nil {
				counts[exNoMatch]++
				continue
			}
			if sel.s.Extract != "" {
				value = string(sel.re.ExpandString(nil, sel.s.Extract, tag, match))
				if value == "" {
					counts[exNoMatch]++
					continue
				}
			}
		}
		if why := sel.consider(&b, &k, tag, value); why >= 0 {
			counts[why]++
			continue
		}
		eligible++
	}
	r := Result{Considered: len(tags), Eligible: eligible, Tag: b.tag, Found: b.set}
	for i, n := range counts {
		if n > 0 {
			if r.Excluded == nil {
				r.Excluded = make(map[Exclusion]int)
			}
			r.Excluded[exclusions[i]] = n
		}
	}
	return r
}

// consider checks one tag and keeps it in b when it is the best so far. It
// returns the exclusion reason, or -1 when the tag is eligible.
func (sel *Selector) consider(b *best, k *checker, tag, value string) int {
	switch sel.s.Kind {
	case ByNumeric:
		if !isDecimal(value) {
			return exNotNumber
		}
		c := compareDecimal(value, b.value)
		if sel.s.Order == PickLowest {
			c = -c
		}
		if !b.set || c > 0 || c == 0 && tag < b.tag {
			*b = best{tag: tag, value: value, set: true}
		}
		return -1
	case ByAlphabetical:
		c := strings.Compare(value, b.value)
		if sel.s.Order == PickLowest {
			c = -c
		}
		if !b.set || c > 0 || c == 0 && tag < b.tag {
			*b = best{tag: tag, value: value, set: true}
		}
		return -1
	case BySemver:
		if !versionStart(value) {
			return exNotVersion
		}
		c := sel.classify.Classify(value)
		if c.Precision == 0 || c.Form == tagging.FormDate {
			return exNotVersion
		}
		if c.Prefix != "" && c.Prefix != "v" && c.Prefix != "V" {
			return exPrefix
		}
		if c.Variant != "" {
			return exVariant
		}
		if c.IsPrerelease() && !sel.s.Prereleases && !sel.pre {
			return exPrerelease // the constraint would refuse it
		}
		if !k.allows(versionOf(c)) {
			if c.IsPrerelease() && !sel.s.Prereleases && !sel.pre {
				return exPrerelease
			}
			return exOutOfRange
		}
		sel.keepVersion(b, tag, c)
		return -1
	default: // ByLine, ByVariant
		if !versionStart(value) && sel.cur.Prefix == "" {
			return exNotVersion
		}
		c := sel.classify.Classify(value)
		if c.Precision == 0 || c.Form == tagging.FormDate {
			return exNotVersion
		}
		switch {
		case c.Prefix != sel.cur.Prefix:
			return exPrefix
		case c.Variant != sel.cur.Variant:
			return exVariant
		case c.Precision != sel.cur.Precision:
			return exPrecision
		case c.IsPrerelease() && !sel.s.Prereleases:
			return exPrerelease
		}
		v := versionOf(c)
		if !v.sameLine(sel.curV, sel.depth) {
			return exOutOfRange
		}
		if v.compare(sel.curV) < 0 {
			return exOlder
		}
		sel.keepVersion(b, tag, c)
		return -1
	}
}

func (sel *Selector) keepVersion(b *best, tag string, c tagging.Class) {
	v := versionOf(c)
	if b.set {
		switch cmp := v.compare(b.v); {
		case cmp < 0:
			return
		case cmp == 0:
			if c.Precision < b.prec || c.Precision == b.prec && tag >= b.tag {
				return
			}
		}
	}
	*b = best{tag: tag, v: v, prec: c.Precision, set: true}
}

// versionStart is the cheap shape check: a version tag starts with a
// digit, or "v" and a digit.
func versionStart(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == 'v' || s[0] == 'V' {
		return len(s) > 1 && s[1] >= '0' && s[1] <= '9'
	}
	return s[0] >= '0' && s[0] <= '9'
}

// isDecimal reports whether s is digits with at most one "." between
// digits.
func isDecimal(s string) bool {
	intPart, frac, dot := strings.Cut(s, ".")
	return isNum(intPart) && (!dot || isNum(frac))
}

// compareDecimal compares two decimals accepted by isDecimal; "" is below
// everything.
func compareDecimal(a, b string) int {
	if a == "" || b == "" {
		return strings.Compare(a, b)
	}
	ai, af, _ := strings.Cut(a, ".")
	bi, bf, _ := strings.Cut(b, ".")
	ai, bi = strings.TrimLeft(ai, "0"), strings.TrimLeft(bi, "0")
	if len(ai) != len(bi) {
		if len(ai) < len(bi) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(ai, bi); c != 0 {
		return c
	}
	return strings.Compare(strings.TrimRight(af, "0"), strings.TrimRight(bf, "0"))
}
