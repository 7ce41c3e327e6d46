package policy

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// prefilter is a cheap necessary condition for a pattern to match: text
// every match must start with (when the pattern is anchored at the start),
// end with (anchored at the end) or contain. A tag that fails it cannot
// match, so Select skips the regular expression for it. The zero
// prefilter admits everything.
type prefilter struct {
	prefix, suffix, inner string
}

// newPrefilter reads the literal parts of pattern that every match needs:
// the literals of its top-level concatenation (captures looked into),
// case-sensitive ones only. A literal holding U+FFFD is left out, since
// the regexp engine matches it against any invalid UTF-8 byte.
func newPrefilter(pattern string) prefilter {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return prefilter{}
	}
	parts := flatten(nil, re.Simplify())
	// Adjacent literals ("main" of a capture and the "-" after it) are
	// one required text.
	lits := make([]string, len(parts))
	merged := parts[:0:0]
	for _, p := range parts {
		lit, ok := literal(p)
		if n := len(merged); ok && n > 0 && lits[n-1] != "" {
			lits[n-1] += lit
			continue
		}
		if ok {
			lits[len(merged)] = lit
		}
		merged = append(merged, p)
	}
	parts = merged
	var f prefilter
	for i := range parts {
		lit := lits[i]
		if lit == "" {
			continue
		}
		switch {
		case i == 1 && parts[0].Op == syntax.OpBeginText && f.prefix == "":
			f.prefix = lit
		case i == len(parts)-2 && parts[len(parts)-1].Op == syntax.OpEndText:
			f.suffix = lit
		case len(lit) > len(f.inner):
			f.inner = lit
		}
	}
	if strings.Contains(f.prefix, f.inner) || strings.Contains(f.suffix, f.inner) {
		f.inner = "" // passed whenever the prefix or suffix is
	}
	return f
}

// flatten appends the parts of a concatenation to out, looking through
// captures, which do not change what matches.
func flatten(out []*syntax.Regexp, re *syntax.Regexp) []*syntax.Regexp {
	switch {
	case re.Op == syntax.OpCapture && len(re.Sub) == 1:
		if re.Sub[0].Op == syntax.OpConcat {
			return flatten(out, re.Sub[0])
		}
		return append(out, re.Sub[0])
	case re.Op == syntax.OpConcat:
		for _, s := range re.Sub {
			if s.Op == syntax.OpCapture || s.Op == syntax.OpConcat {
				out = flatten(out, s)
			} else {
				out = append(out, s)
			}
		}
		return out
	}
	return append(out, re)
}

func literal(re *syntax.Regexp) (string, bool) {
	if re.Op != syntax.OpLiteral || re.Flags&syntax.FoldCase != 0 || len(re.Rune) == 0 {
		return "", false
	}
	s := string(re.Rune)
	if strings.ContainsRune(s, utf8.RuneError) {
		return "", false
	}
	return s, true
}

// admits reports whether s passes the prefilter.
func (f prefilter) admits(s string) bool {
	return strings.HasPrefix(s, f.prefix) && strings.HasSuffix(s, f.suffix) &&
		(f.inner == "" || strings.Contains(s, f.inner))
}

// extractGroup returns the index of the capture group tmpl expands to when
// tmpl is one reference to a group and nothing else ("$ts", "${ts}", "$1"),
// so that the value is a slice of the tag; otherwise -1, and Select
// expands the template.
func extractGroup(re *regexp.Regexp, tmpl string) int {
	name, ok := strings.CutPrefix(tmpl, "$")
	if !ok {
		return -1
	}
	if inner, ok := strings.CutPrefix(name, "{"); ok {
		if inner, ok = strings.CutSuffix(inner, "}"); !ok {
			return -1
		}
		name = inner
	}
	if name == "" {
		return -1
	}
	for i := 0; i < len(name); i++ {
		if !isWordByte(name[i]) {
			return -1
		}
	}
	if isNum(name) {
		if len(name) > 8 || name[0] == '0' && len(name) > 1 {
			return -1
		}
		n := 0
		for i := 0; i < len(name); i++ {
			n = n*10 + int(name[i]-'0')
		}
		if n > re.NumSubexp() {
			return -1
		}
		return n
	}
	return re.SubexpIndex(name)
}
