package manifest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// FindDockerfile returns the images a Dockerfile pulls: the image of
// every FROM line and of every COPY --from that names an image rather
// than a stage, in file order. It follows line continuations, comments,
// the escape parser directive and heredocs. A FROM naming an earlier
// stage (FROM build) or scratch is not an image and is left out.
// Variables in a FROM ($BASE, ${TAG:-1.27}) are resolved with the defaults
// of the ARG lines before the first FROM, as docker build does without
// --build-arg; an image that needs a value from outside the file is
// returned with Resolved empty and Unresolved saying which.
func FindDockerfile(data []byte) ([]Image, error) {
	bom, err := checkEncoding(data)
	if err != nil {
		return nil, err
	}
	lines := physicalLines(data, bom)
	escape := byte('\\')
	first := 0
	// Parser directives: "# name=value" lines at the very top.
	for ; first < len(lines); first++ {
		m := directive.FindSubmatch(data[lines[first].start:lines[first].end])
		if m == nil {
			break
		}
		if strings.EqualFold(string(m[1]), "escape") {
			switch string(m[2]) {
			case "\\":
				escape = '\\'
			case "`":
				escape = '`'
			default:
				return nil, fmt.Errorf("line %d: the escape directive must be \\ or `, not %q", first+1, m[2])
			}
		}
	}

	var (
		out    []Image
		args   = map[string]*string{} // global ARGs; nil value: no default
		stages = map[string]bool{}
		stage  = 0
		seen   = false // a FROM was seen
	)
	for i := first; i < len(lines); {
		l := lines[i]
		text := data[l.start:l.end]
		trimmed := strings.TrimLeft(string(text), " \t")
		if trimmed == "" || trimmed[0] == '#' {
			i++
			continue
		}
		// Gather one instruction over its continuation lines.
		var logical []byte
		var offs []int
		startLine := i
		for ; i < len(lines); i++ {
			l := lines[i]
			text := data[l.start:l.end]
			t := strings.TrimLeft(string(text), " \t")
			if i > startLine && (t == "" || t[0] == '#') {
				continue // comments and blank lines inside a continuation
			}
			body := strings.TrimRight(string(text), " \t")
			if n := len(body); n > 0 && body[n-1] == escape {
				for j := 0; j < n-1; j++ {
					logical = append(logical, text[j])
					offs = append(offs, l.start+j)
				}
				continue
			}
			for j := range len(text) {
				logical = append(logical, text[j])
				offs = append(offs, l.start+j)
			}
			i++
			break
		}
		words := fields(logical)
		if len(words) == 0 {
			continue
		}
		keyword := strings.ToUpper(string(logical[words[0][0]:words[0][1]]))
		switch keyword {
		case "ARG":
			if seen {
				continue // a stage's ARG is not in scope for FROM lines
			}
			for _, w := range words[1:] {
				decl := string(logical[w[0]:w[1]])
				name, value, hasDefault := strings.Cut(decl, "=")
				if !hasDefault {
					if _, ok := args[name]; !ok {
						args[name] = nil
					}
					continue
				}
				v, why := dockerExpand(unquote(value), args)
				if why != "" {
					args[name] = nil
					continue
				}
				args[name] = &v
			}
		case "FROM":
			seen = true
			img := fromImage(data, logical, offs, words, lines, stage, args, stages)
			stage++
			if img != nil {
				out = append(out, *img)
			}
		case "COPY":
			if img := copyFrom(data, logical, offs, words, lines, stage, stages); img != nil {
				out = append(out, *img)
			}
			i = skipHeredocs(data, lines, i, string(logical))
		case "RUN", "ADD":
			i = skipHeredocs(data, lines, i, string(logical))
		}
	}
	return out, nil
}

var (
	directive = regexp.MustCompile(`^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(\S+)\s*$`)
	heredoc   = regexp.MustCompile(`<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)(["']?)`)
)

type span struct{ start, end int }

// physicalLines splits data into lines at LF, CR LF or a lone CR,
// without the line ends; skip is the length of a byte order mark.
func physicalLines(data []byte, skip int) []span {
	var out []span
	start := skip
	for i := skip; i < len(data); i++ {
		switch data[i] {
		case '\n':
			out = append(out, span{start, i})
			start = i + 1
		case '\r':
			out = append(out, span{start, i})
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(data) {
		out = append(out, span{start, len(data)})
	}
	return out
}

// fields returns the [start, end) of each blank-separated word of b.
func fields(b []byte) [][2]int {
	var out [][2]int
	i := 0
	for i < len(b) {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i >= len(b) {
			break
		}
		j := i
		for j < len(b) && b[j] != ' ' && b[j] != '\t' {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// skipHeredocs returns the index of the line after the bodies of the
// heredocs (<<EOF) an instruction opens, or next when it opens none. A
// heredoc whose terminator never comes is not one: nothing is skipped, so
// no FROM line can hide behind it.
func skipHeredocs(data []byte, lines []span, next int, instruction string) int {
	for _, m := range heredoc.FindAllStringSubmatchIndex(instruction, -1) {
		if m[0] > 0 && instruction[m[0]-1] != ' ' && instruction[m[0]-1] != '\t' {
			continue // inside a word, such as echo "a<<b"
		}
		opening, word, closing := instruction[m[4]:m[5]], instruction[m[6]:m[7]], instruction[m[8]:m[9]]
		if opening != closing {
			continue
		}
		dash := m[3] > m[2]
		end := -1
		for j := next; j < len(lines); j++ {
			l := string(data[lines[j].start:lines[j].end])
			if dash {
				l = strings.TrimLeft(l, "\t")
			}
			if l == word {
				end = j + 1
				break
			}
		}
		if end < 0 {
			return next
		}
		next = end
	}
	return next
}

// copyFrom returns the image a COPY --from=… names, or nil when it names
// a stage (by name or number) or has no --from.
func copyFrom(data, logical []byte, offs []int, words [][2]int, lines []span, stage int, stages map[string]bool) *Image {
	for _, w := range words[1:] {
		word := string(logical[w[0]:w[1]])
		if !strings.HasPrefix(word, "--") {
			return nil // flags come before the sources
		}
		value, ok := strings.CutPrefix(word, "--from=")
		if !ok {
			continue
		}
		if _, err := strconv.Atoi(value); err == nil || stages[strings.ToLower(value)] {
			return nil
		}
		first := w[0] + len("--from=")
		if value == "" {
			line := lineOf(lines, offs[w[0]])
			return &Image{Path: "COPY --from (stage " + strconv.Itoa(stage) + ")", Line: line, format: Dockerfile, start: -1, end: -1,
				Unresolved: "COPY --from= names nothing", locErr: fmt.Errorf("line %d: COPY --from= names nothing", line)}
		}
		start, end := offs[first], offs[w[1]-1]+1
		line := lineOf(lines, start)
		// A COPY --from sees the build arguments of its stage, which this
		// reader does not track: only a literal value is resolved.
		resolved, why := value, ""
		if strings.Contains(value, "$") {
			resolved, why = "", "it uses a build argument in COPY --from, which is not resolved from the file"
		}
		img := &Image{Value: value, Resolved: resolved, Unresolved: why, Path: "COPY --from (stage " + strconv.Itoa(stage) + ")",
			Line: line, format: Dockerfile, key: "f" + strconv.Itoa(start), start: start, end: end}
		if end-start != len(value) || string(data[start:end]) != value {
			img.start, img.end, img.key = -1, -1, ""
			img.locErr = fmt.Errorf("line %d: the image is split over several lines; rewrite it by hand", line)
		}
		return img
	}
	return nil
}

// fromImage reads one FROM instruction; it returns nil for a FROM that
// names an earlier stage or scratch.
func fromImage(data, logical []byte, offs []int, words [][2]int, lines []span, stage int, args map[string]*string, stages map[string]bool) *Image {
	rest := words[1:]
	for len(rest) > 0 && strings.HasPrefix(string(logical[rest[0][0]:rest[0][1]]), "--") {
		rest = rest[1:] // --platform=…
	}
	path := "FROM (stage " + strconv.Itoa(stage+1) + ")"
	line := lineOf(lines, offs[words[0][0]])
	if len(rest) == 0 {
		return &Image{Path: path, Line: line, format: Dockerfile, start: -1, end: -1,
			Unresolved: "the FROM line names no image",
			locErr:     fmt.Errorf("line %d: the FROM line names no image", line)}
	}
	tok := rest[0]
	value := string(logical[tok[0]:tok[1]])
	var name string
	switch {
	case len(rest) == 3 && strings.EqualFold(string(logical[rest[1][0]:rest[1][1]]), "as"):
		name = string(logical[rest[2][0]:rest[2][1]])
		path = "FROM (stage " + strconv.Itoa(stage+1) + ", " + name + ")"
	case len(rest) != 1:
		return &Image{Value: value, Path: path, Line: line, format: Dockerfile, start: -1, end: -1,
			Unresolved: "the FROM line has words after the image other than AS name",
			locErr:     fmt.Errorf("line %d: the FROM line has words after the image other than AS name", line)}
	}
	resolved, why := dockerExpand(value, args)
	defer func() {
		if name != "" {
			stages[strings.ToLower(name)] = true
		}
	}()
	if why == "" && (stages[strings.ToLower(resolved)] || strings.EqualFold(resolved, "scratch")) {
		return nil
	}
	start, end := offs[tok[0]], offs[tok[1]-1]+1
	img := &Image{Value: value, Resolved: resolved, Unresolved: why, Path: path, Line: lineOf(lines, start),
		format: Dockerfile, key: "f" + strconv.Itoa(start), start: start, end: end}
	if end-start != len(value) || string(data[start:end]) != value {
		img.start, img.end, img.key = -1, -1, ""
		img.locErr = fmt.Errorf("line %d: the image is split over several lines; rewrite it by hand", img.Line)
	}
	return img
}

func lineOf(lines []span, off int) int {
	lo, hi := 0, len(lines)
	for lo < hi {
		m := (lo + hi) / 2
		if lines[m].end < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo + 1
}

// unquote removes the quotes around an ARG default.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// dockerExpand substitutes Dockerfile variables ($NAME, ${NAME},
// ${NAME:-word}, ${NAME:+word}) from args. It returns "" and the reason
// when a value is not known from the file.
func dockerExpand(s string, args map[string]*string) (string, string) {
	if !strings.Contains(s, "$") {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		var name, op, word string
		switch {
		case i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", "it has an unclosed ${"
			}
			body := s[i+2 : i+2+end]
			name, op, word = splitVar(body)
			if name == "" || op == "?" || op == ":?" || op == "-" || op == "+" {
				return "", "it uses ${" + body + "}, which is not resolved from the file"
			}
			i += 2 + end
		case i+1 < len(s) && isNameStart(s[i+1]):
			j := i + 1
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			name = s[i+1 : j]
			i = j - 1
		default:
			b.WriteByte('$')
			continue
		}
		v, declared := args[name]
		has := declared && v != nil && *v != ""
		switch op {
		case ":-":
			if has {
				b.WriteString(*v)
			} else {
				b.WriteString(word)
			}
		case ":+":
			if has {
				b.WriteString(word)
			}
		default:
			if !declared {
				return "", "it uses $" + name + ", which no ARG before the first FROM declares"
			}
			if v == nil {
				return "", "it uses $" + name + ", an ARG without a default (set with --build-arg)"
			}
			b.WriteString(*v)
		}
	}
	return b.String(), ""
}
