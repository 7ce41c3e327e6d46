package metadataaction

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// The expression language is the part of Handlebars that metadata-action's
// inputs use: text with {{name}} expressions, where a name is a value or a
// helper called with quoted arguments and key='value' options, such as
// {{date 'YYYYMMDD' tz='Asia/Tokyo'}}. {{{name}}} and {{&name}} insert
// without HTML escaping, {{! comment }} inserts nothing, {{~ and ~}} trim
// the white space next to them, and \{{ is a literal "{{". Blocks,
// partials, paths and sub-expressions are refused.

// template is a parsed expression text.
type template struct {
	nodes []node
}

// node is a run of text or one expression.
type node struct {
	text     string
	expr     bool
	name     string
	params   []param
	hash     []hashPair
	unescape bool
}

// param is a positional argument: a quoted string, or a bare word, which
// names a value of the scope (and is undefined when the scope has none).
type param struct {
	str    string
	quoted bool
}

type hashPair struct {
	key string
	val param
}

// exprError is an error in an expression; the caller adds the input and
// line.
type exprError struct{ msg string }

func (e *exprError) Error() string { return e.msg }

func exprErrf(parts ...string) error { return &exprError{msg: strings.Join(parts, "")} }

// parseTemplate parses s.
func parseTemplate(s string) (template, error) {
	var t template
	var text strings.Builder
	trimNext := false
	flush := func(trimRight bool) {
		str := text.String()
		text.Reset()
		if trimNext {
			str = strings.TrimLeft(str, " \t\r\n\f\v")
			trimNext = false
		}
		if trimRight {
			str = strings.TrimRight(str, " \t\r\n\f\v")
		}
		if str != "" {
			t.nodes = append(t.nodes, node{text: str})
		}
	}
	for i := 0; i < len(s); {
		if s[i] == '\\' && strings.HasPrefix(s[i+1:], "{{") {
			text.WriteString("{{")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "{{") {
			text.WriteByte(s[i])
			i++
			continue
		}
		start := i
		i += 2
		triple := false
		if strings.HasPrefix(s[i:], "{") {
			triple = true
			i++
		}
		trimLeft := false
		if strings.HasPrefix(s[i:], "~") {
			trimLeft = true
			i++
		}
		// A comment: {{! … }} or {{!-- … --}}.
		if !triple && strings.HasPrefix(s[i:], "!") {
			endTok := "}}"
			if strings.HasPrefix(s[i:], "!--") {
				endTok = "--}}"
			}
			j := strings.Index(s[i:], endTok)
			if j < 0 {
				return template{}, exprErrf("the comment at ", strconv.Quote(s[start:]), " is never closed with ", endTok)
			}
			flush(trimLeft)
			body := s[i : i+j]
			i += j + len(endTok)
			if strings.HasSuffix(body, "~") {
				trimNext = true
			}
			continue
		}
		closeTok := "}}"
		if triple {
			closeTok = "}}}"
		}
		j := strings.Index(s[i:], closeTok)
		if j < 0 {
			return template{}, exprErrf("the expression ", strconv.Quote(s[start:]), " is never closed with ", closeTok)
		}
		body := s[i : i+j]
		i += j + len(closeTok)
		trimRight := false
		if strings.HasSuffix(body, "~") {
			trimRight = true
			body = body[:len(body)-1]
		}
		unescape := triple
		if !triple && strings.HasPrefix(body, "&") {
			unescape = true
			body = body[1:]
		}
		n, err := parseExpr(body, s[start:i])
		if err != nil {
			return template{}, err
		}
		n.unescape = unescape
		flush(trimLeft)
		t.nodes = append(t.nodes, n)
		trimNext = trimRight
	}
	flush(false)
	return t, nil
}

// parseExpr parses the inside of one {{…}}.
func parseExpr(body, whole string) (node, error) {
	b := strings.TrimSpace(body)
	if b == "" {
		return node{}, exprErrf(strconv.Quote(whole), " is empty; write a name such as {{branch}}")
	}
	switch b[0] {
	case '#', '/', '^', '>', '*':
		return node{}, exprErrf(strconv.Quote(whole), " is a block or partial; only plain expressions such as {{branch}} or {{date 'YYYYMMDD'}} are supported")
	}
	toks, err := lexExpr(b, whole)
	if err != nil {
		return node{}, err
	}
	if toks[0].quoted || toks[0].key != "" {
		return node{}, exprErrf(strconv.Quote(whole), " does not start with a name; write a name such as {{branch}}")
	}
	n := node{expr: true, name: toks[0].str}
	if n.name == "else" {
		return node{}, exprErrf(strconv.Quote(whole), " is a block; only plain expressions are supported")
	}
	if err := checkName(n.name, whole); err != nil {
		return node{}, err
	}
	for _, tk := range toks[1:] {
		if tk.key != "" {
			n.hash = append(n.hash, hashPair{key: tk.key, val: param{str: tk.str, quoted: tk.quoted}})
			continue
		}
		if len(n.hash) > 0 {
			return node{}, exprErrf(strconv.Quote(whole), " has an argument after an option; options (key='value') come last")
		}
		if !tk.quoted {
			if err := checkName(tk.str, whole); err != nil {
				return node{}, err
			}
		}
		n.params = append(n.params, param{str: tk.str, quoted: tk.quoted})
	}
	return n, nil
}

// checkName refuses the Handlebars forms this language does not have:
// paths (a.b, ../a), data (@index), literals used as names.
func checkName(name, whole string) error {
	if strings.ContainsAny(name, "./[]@") {
		return exprErrf(strconv.Quote(whole), " uses ", strconv.Quote(name), "; paths and data variables are not supported, write a plain name such as {{branch}}")
	}
	return nil
}

type token struct {
	key    string // set for key=value
	str    string
	quoted bool
}

// lexExpr splits the inside of an expression into names, quoted strings
// and key=value options.
func lexExpr(b, whole string) ([]token, error) {
	var toks []token
	for i := 0; i < len(b); {
		c := b[i]
		if isSpace(c) {
			i++
			continue
		}
		if c == '(' || c == ')' {
			return nil, exprErrf(strconv.Quote(whole), " uses a sub-expression; only quoted arguments such as {{date 'YYYYMMDD'}} are supported")
		}
		tk := token{}
		// key=value?
		j := i
		for j < len(b) && !isSpace(b[j]) && b[j] != '=' && b[j] != '\'' && b[j] != '"' && b[j] != '(' && b[j] != ')' {
			j++
		}
		if j < len(b) && b[j] == '=' && j > i {
			tk.key = b[i:j]
			i = j + 1
			if i >= len(b) || isSpace(b[i]) {
				return nil, exprErrf(strconv.Quote(whole), " gives option ", tk.key, " no value; write ", tk.key, "='value'")
			}
		}
		if i < len(b) && (b[i] == '\'' || b[i] == '"') {
			q := b[i]
			var sb strings.Builder
			k := i + 1
			closed := false
			for k < len(b) {
				if b[k] == '\\' && k+1 < len(b) && b[k+1] == q {
					sb.WriteByte(q)
					k += 2
					continue
				}
				if b[k] == q {
					closed = true
					k++
					break
				}
				sb.WriteByte(b[k])
				k++
			}
			if !closed {
				return nil, exprErrf(strconv.Quote(whole), " has a quote that is never closed")
			}
			tk.str, tk.quoted = sb.String(), true
			i = k
			if i < len(b) && !isSpace(b[i]) {
				return nil, exprErrf(strconv.Quote(whole), " has text right after a quoted string; separate arguments with spaces")
			}
		} else {
			k := i
			for k < len(b) && !isSpace(b[k]) {
				if b[k] == '=' || b[k] == '\'' || b[k] == '"' || b[k] == '(' || b[k] == ')' {
					return nil, exprErrf(strconv.Quote(whole), " has an unexpected ", strconv.QuoteRune(rune(b[k])), "; arguments are quoted strings, options are key='value'")
				}
				k++
			}
			tk.str = b[i:k]
			i = k
		}
		toks = append(toks, tk)
	}
	return toks, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isRawStatement reports whether the pattern is the single expression
// {{raw}} (any spacing), which makes semver and pep440 keep pre-releases
// as written instead of normalising them.
func isRawStatement(pattern string) bool {
	t, err := parseTemplate(pattern)
	if err != nil {
		return false
	}
	return len(t.nodes) == 1 && t.nodes[0].expr && t.nodes[0].name == "raw"
}

// helper computes the value of a name. params and hash are nil for a
// plain {{name}}.
type helper func(params []param, hash []hashPair) (string, error)

// scope is the set of names an input's expressions may use.
type scope struct {
	what    string // "a tag value", "a semver pattern", … for messages
	helpers map[string]helper
}

func (s scope) names() string {
	n := make([]string, 0, len(s.helpers))
	for k := range s.helpers {
		n = append(n, k)
	}
	slices.Sort(n)
	return strings.Join(n, ", ")
}

// eval renders the template in the scope.
func (t template) eval(sc scope) (string, error) {
	var b strings.Builder
	for _, n := range t.nodes {
		if !n.expr {
			b.WriteString(n.text)
			continue
		}
		h, ok := sc.helpers[n.name]
		if !ok {
			return "", exprErrf("unknown expression {{", n.name, "}} in ", sc.what, "; allowed here: ", sc.names())
		}
		v, err := h(n.params, n.hash)
		if err != nil {
			var ee *exprError
			if errors.As(err, &ee) {
				return "", exprErrf("{{", n.name, "}}: ", ee.msg)
			}
			return "", err
		}
		if n.unescape {
			b.WriteString(v)
		} else {
			b.WriteString(escapeHTML(v))
		}
	}
	return b.String(), nil
}

// escapeHTML escapes what Handlebars escapes in {{…}} output.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, "&<>\"'`=") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#x27;")
		case '`':
			b.WriteString("&#x60;")
		case '=':
			b.WriteString("&#x3D;")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// value returns a helper for a plain value that takes no arguments.
func value(v string) helper {
	return func(params []param, hash []hashPair) (string, error) {
		if len(params) > 0 || len(hash) > 0 {
			return "", exprErrf("takes no arguments")
		}
		return v, nil
	}
}

// lazy returns a helper that computes its value when used.
func lazy(f func() (string, error)) helper {
	return func(params []param, hash []hashPair) (string, error) {
		if len(params) > 0 || len(hash) > 0 {
			return "", exprErrf("takes no arguments")
		}
		return f()
	}
}
