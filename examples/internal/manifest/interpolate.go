package manifest

import "strings"

// interpolate resolves Compose variable interpolation in s with the
// defaults written in the file: ${NAME:-default} and ${NAME-default} become
// their default, $$ a dollar sign. A variable without a default ($NAME,
// ${NAME}), a required one (${NAME:?err}) or an alternative
// (${NAME:+alt}) depends on the environment, so the value cannot be
// resolved: interpolate returns "" and the reason.
func interpolate(s string) (string, string) {
	if !strings.Contains(s, "$") {
		return s, ""
	}
	out, why := expand(s, 0)
	if why != "" {
		return "", why
	}
	return out, ""
}

func expand(s string, depth int) (string, string) {
	if depth > 8 {
		return "", "its variables nest too deeply to resolve"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", "it ends with a lone $ (write $$ for a dollar sign)"
		}
		switch n := s[i+1]; {
		case n == '$':
			b.WriteByte('$')
			i++
		case n == '{':
			end := closingBrace(s, i+2)
			if end < 0 {
				return "", "it has an unclosed ${"
			}
			body := s[i+2 : end]
			name, op, arg := splitVar(body)
			if name == "" {
				return "", "it has a variable without a name: ${" + body + "}"
			}
			switch op {
			case ":-", "-":
				v, why := expand(arg, depth+1)
				if why != "" {
					return "", why
				}
				b.WriteString(v)
			case "":
				return "", "it uses ${" + name + "}, which has no default in the file"
			default:
				return "", "it uses ${" + body + "}, whose value depends on the environment"
			}
			i = end
		case isNameStart(n):
			j := i + 1
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			return "", "it uses $" + s[i+1:j] + ", which has no default in the file"
		default:
			return "", "it has a $ that starts no variable (write $$ for a dollar sign)"
		}
	}
	return b.String(), ""
}

// closingBrace returns the index of the } that closes a ${ whose body
// starts at from, allowing nested ${...} in a default.
func closingBrace(s string, from int) int {
	depth := 0
	for i := from; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// splitVar splits the body of ${...} into the variable name, the operator
// (":-", "-", ":?", "?", ":+", "+" or "") and its argument.
func splitVar(body string) (string, string, string) {
	i := 0
	for i < len(body) && isNameChar(body[i]) {
		i++
	}
	if i == 0 || !isNameStart(body[0]) {
		return "", "", ""
	}
	name, rest := body[:i], body[i:]
	if rest == "" {
		return name, "", ""
	}
	for _, op := range []string{":-", ":?", ":+", "-", "?", "+"} {
		if strings.HasPrefix(rest, op) {
			return name, op, rest[len(op):]
		}
	}
	return "", "", ""
}

func isNameStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isNameChar(c byte) bool { return isNameStart(c) || '0' <= c && c <= '9' }
