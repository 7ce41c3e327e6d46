package metadataaction

import (
	"regexp"
	"strconv"
	"strings"
)

// slashRe recognises a pattern written as /expression/flags.
var slashRe = regexp.MustCompile(`^/(.+)/(.*)$`)

// jsRegexp compiles a pattern written for JavaScript. With slashes, a
// pattern of the form /expression/flags takes the flags i, m, s, u, v, d
// (no effect), y (match at the start) and g (every match instead of the
// groups of the first). Go's engine has no look-around or
// back-references; such a pattern is an error saying so.
func jsRegexp(p string, slashes bool) (*regexp.Regexp, bool, error) {
	expr, flags := p, ""
	if slashes {
		if m := slashRe.FindStringSubmatch(p); m != nil {
			expr, flags = m[1], m[2]
		}
	}
	global := false
	var mods, prefix string
	for _, f := range flags {
		switch f {
		case 'g':
			global = true
		case 'i', 'm', 's':
			if !strings.ContainsRune(mods, f) {
				mods += string(f)
			}
		case 'u', 'v', 'd':
		case 'y':
			prefix = `\A`
		default:
			return nil, false, exprErrf("pattern ", strconv.Quote(p), " has the unknown flag ", strconv.QuoteRune(f), "; allowed: g, i, m, s, u, y")
		}
	}
	src := expr
	if prefix != "" {
		src = prefix + "(?:" + src + ")"
	}
	if mods != "" {
		src = "(?" + mods + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, false, exprErrf("pattern ", strconv.Quote(p), " is not a regular expression this engine runs (RE2 syntax: no look-around, no back-references): ", err.Error())
	}
	return re, global, nil
}

// execJS matches like JavaScript's String.prototype.match: the groups of
// the first match (nil for a group that took no part), or with the g
// flag every full match; nil when nothing matches.
func execJS(re *regexp.Regexp, global bool, s string) []*string {
	if global {
		ms := re.FindAllString(s, -1)
		if ms == nil {
			return nil
		}
		out := make([]*string, len(ms))
		for i := range ms {
			out[i] = &ms[i]
		}
		return out
	}
	idx := re.FindStringSubmatchIndex(s)
	if idx == nil {
		return nil
	}
	out := make([]*string, len(idx)/2)
	for i := range out {
		if idx[2*i] < 0 {
			continue
		}
		v := s[idx[2*i]:idx[2*i+1]]
		out[i] = &v
	}
	return out
}
