package policy

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/imagetags/imagetags/reference"
)

// NamingScheme is a pattern references must follow, such as
//
//	{registry}/{company}/{department}/{software}:{major}
//
// Each {field} matches one part of the reference and Match returns what
// it matched. Text outside braces must appear as written. The fields:
//
//	{registry}   the registry host with its port, "registry.corp:5000"
//	{major}      a major version, "3" or "v3"
//	{version}    a version of one to three parts, "3", "v3.1", "3.1.4"
//	{tag}        any tag
//	{name}       any other name: one path component, [a-z0-9._-]+
//	{name?}      an optional path component, with the "/" after it
//
// A pattern with a ":" after its last "/" is matched against
// registry/path:tag (the tag "latest" when the reference has none);
// otherwise against registry/path. A digest never takes part.
type NamingScheme struct {
	pattern string
	re      *regexp.Regexp
	withTag bool
}

// ParseNamingScheme compiles pattern. Errors match ErrInvalidPattern and
// say what is wrong.
func ParseNamingScheme(pattern string) (NamingScheme, error) {
	bad := func(reason string) (NamingScheme, error) {
		return NamingScheme{}, &Error{Field: "pattern", Input: pattern, Reason: reason, Err: ErrInvalidPattern}
	}
	if pattern == "" {
		return bad("is empty; write a pattern such as \"{registry}/{team}/{software}:{major}\"")
	}
	var b strings.Builder
	b.WriteString("^")
	seen := map[string]bool{}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch c {
		case '}':
			return bad("has a \"}\" without \"{\" at offset " + strconv.Itoa(i))
		case '{':
			end := strings.IndexByte(pattern[i:], '}')
			if end < 0 {
				return bad("has an unclosed \"{\" at offset " + strconv.Itoa(i))
			}
			name := pattern[i+1 : i+end]
			optional := strings.HasSuffix(name, "?")
			name = strings.TrimSuffix(name, "?")
			if !validFieldName(name) {
				return bad("has a field {" + pattern[i+1:i+end] + "}; field names are letters, digits and _")
			}
			if seen[name] {
				return bad("names the field {" + name + "} twice")
			}
			seen[name] = true
			i += end + 1
			var expr string
			switch name {
			case "registry":
				expr = `[a-zA-Z0-9.-]+(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?`
			case "major":
				expr = `v?[0-9]+`
			case "version":
				expr = `v?[0-9]+(?:\.[0-9]+){0,2}`
			case "tag":
				expr = `[A-Za-z0-9_][A-Za-z0-9_.-]*`
			default:
				expr = `[a-z0-9._-]+`
			}
			if optional {
				if i >= len(pattern) || pattern[i] != '/' {
					return bad("has an optional field {" + name + "?} not followed by \"/\"")
				}
				b.WriteString("(?:(?P<" + name + ">" + expr + ")/)?")
				i++
				continue
			}
			b.WriteString("(?P<" + name + ">" + expr + ")")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
			i++
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return NamingScheme{}, &Error{Field: "pattern", Input: pattern, Reason: "cannot be compiled", Err: ErrInvalidPattern, Cause: err}
	}
	last := strings.LastIndexByte(pattern, '/')
	return NamingScheme{pattern: pattern, re: re, withTag: strings.IndexByte(pattern[last+1:], ':') >= 0}, nil
}

func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

// String returns the pattern.
func (n NamingScheme) String() string { return n.pattern }

// Match reports whether r follows the scheme and returns the fields it
// matched, a new map the caller keeps. An optional field that is absent
// maps to "". The zero NamingScheme matches nothing.
func (n NamingScheme) Match(r reference.Reference) (map[string]string, bool) {
	if n.re == nil || r.IsZero() {
		return nil, false
	}
	s := r.Name()
	if n.withTag {
		s += ":" + r.TagOrLatest()
	}
	m := n.re.FindStringSubmatch(s)
	if m == nil {
		return nil, false
	}
	fields := make(map[string]string, len(m)-1)
	for i, name := range n.re.SubexpNames() {
		if name != "" {
			fields[name] = m[i]
		}
	}
	return fields, true
}
