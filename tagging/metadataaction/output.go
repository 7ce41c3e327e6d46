package metadataaction

import (
	"strings"
	"unicode/utf8"
)

// localeCompare orders label keys the way JavaScript's
// String.prototype.localeCompare does in the root locale for the
// characters keys are made of: ASCII punctuation and symbols first (in
// the collation's order), then digits, then letters ignoring case, a
// lower-case letter before its upper-case form only when all else is
// equal. Other characters sort after these, by code point.
func localeCompare(a, b string) int {
	if c := compareLevel(a, b, primaryWeight); c != 0 {
		return c
	}
	if c := compareLevel(a, b, tertiaryWeight); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// punctOrder is the root collation order of ASCII punctuation and
// symbols.
const punctOrder = "\t\n\v\f\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"

func primaryWeight(r rune) int {
	if i := strings.IndexRune(punctOrder, r); i >= 0 && r < utf8.RuneSelf {
		return 1 + i
	}
	switch {
	case r >= '0' && r <= '9':
		return 100 + int(r-'0')
	case r >= 'a' && r <= 'z':
		return 200 + int(r-'a')
	case r >= 'A' && r <= 'Z':
		return 200 + int(r-'A')
	}
	return 1000 + int(r)
}

func tertiaryWeight(r rune) int {
	if r >= 'A' && r <= 'Z' {
		return 1
	}
	return 0
}

func compareLevel(a, b string, w func(rune) int) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if wa, wb := w(ra), w(rb); wa != wb {
			if wa < wb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// jsonWriter writes JSON as JavaScript's JSON.stringify does: members in
// the order given, the same escapes, and with an indent of two spaces
// when pretty.
type jsonWriter struct {
	b      strings.Builder
	pretty bool
	depth  int
}

// jsonValue is a value jsonWriter writes: a string, a []string, a list
// of members, or nothing (a member whose value is nothing is left out,
// as JSON.stringify leaves out undefined).
type jsonValue any

type member struct {
	key string
	val jsonValue
}

type object []member

type undefined struct{}

func (w *jsonWriter) newline() {
	if w.pretty {
		w.b.WriteByte('\n')
		for range w.depth {
			w.b.WriteString("  ")
		}
	}
}

func (w *jsonWriter) write(v jsonValue) {
	switch v := v.(type) {
	case string:
		writeJSString(&w.b, v)
	case []string:
		if len(v) == 0 {
			w.b.WriteString("[]")
			return
		}
		w.b.WriteByte('[')
		w.depth++
		for i, s := range v {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.newline()
			writeJSString(&w.b, s)
		}
		w.depth--
		w.newline()
		w.b.WriteByte(']')
	case object:
		n := 0
		for _, m := range v {
			if _, skip := m.val.(undefined); !skip {
				n++
			}
		}
		if n == 0 {
			w.b.WriteString("{}")
			return
		}
		w.b.WriteByte('{')
		w.depth++
		first := true
		for _, m := range v {
			if _, skip := m.val.(undefined); skip {
				continue
			}
			if !first {
				w.b.WriteByte(',')
			}
			first = false
			w.newline()
			writeJSString(&w.b, m.key)
			w.b.WriteByte(':')
			if w.pretty {
				w.b.WriteByte(' ')
			}
			w.write(m.val)
		}
		w.depth--
		w.newline()
		w.b.WriteByte('}')
	}
}

func writeJSString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s { // invalid UTF-8 reads as U+FFFD, as a UTF-8 decoder would give JavaScript
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[r>>4])
				b.WriteByte(hex[r&0xF])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func encodeJSON(v jsonValue, pretty bool) []byte {
	w := &jsonWriter{pretty: pretty}
	w.write(v)
	return []byte(w.b.String())
}

// labelObject turns "key=value" lines into an object, as metadata-action
// does for its json and bake outputs: the key runs to the first '=', the
// value to the end of its first line.
func labelObject(lines []string) object {
	o := make(object, 0, len(lines))
	seen := map[string]int{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		if i := strings.IndexAny(v, "\n\r\u2028\u2029"); i >= 0 {
			v = v[:i]
		}
		if i, dup := seen[k]; dup {
			o[i].val = v
			continue
		}
		seen[k] = len(o)
		o = append(o, member{k, v})
	}
	return o
}

// LeveledAnnotations returns the annotations with every level in front,
// level by level: "manifest:org.opencontainers.image.title=app".
func (r Result) LeveledAnnotations() []string {
	out := make([]string, 0, len(r.Annotations)*len(r.AnnotationLevels))
	for _, l := range r.AnnotationLevels {
		for _, a := range r.Annotations {
			out = append(out, l+":"+a)
		}
	}
	return out
}

// JSON returns the json output: {"tags": […], "tag-names": […],
// "labels": {…}, "annotations": […]} on one line, as metadata-action
// writes it.
func (r Result) JSON() []byte {
	return encodeJSON(object{
		{"tags", nonNil(r.Tags)},
		{"tag-names", nonNil(r.TagNames)},
		{"labels", labelObject(r.Labels)},
		{"annotations", r.LeveledAnnotations()},
	}, false)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (r Result) args() object {
	var ver jsonValue = undefined{}
	if r.Version.Main != "" {
		ver = r.Version.Main
	}
	return object{{"DOCKER_META_IMAGES", strings.Join(r.Images, ",")}, {"DOCKER_META_VERSION", ver}}
}

func (r Result) bake(o object) []byte {
	return encodeJSON(object{{"target", object{{r.BakeTarget, o}}}}, true)
}

// BakeFileTags returns the bake-file-tags file: the target's tags and the
// args DOCKER_META_IMAGES and DOCKER_META_VERSION (left out when there is
// no version).
func (r Result) BakeFileTags() []byte {
	return r.bake(object{{"tags", nonNil(r.Tags)}, {"args", r.args()}})
}

// BakeFileLabels returns the bake-file-labels file: the target's labels.
func (r Result) BakeFileLabels() []byte {
	return r.bake(object{{"labels", labelObject(r.Labels)}})
}

// BakeFileAnnotations returns the bake-file-annotations file: the
// target's annotations with their levels.
func (r Result) BakeFileAnnotations() []byte {
	return r.bake(object{{"annotations", r.LeveledAnnotations()}})
}

// BakeFile returns the bake-file file: tags, labels and args together.
func (r Result) BakeFile() []byte {
	return r.bake(object{{"tags", nonNil(r.Tags)}, {"labels", labelObject(r.Labels)}, {"args", r.args()}})
}

// Output is one named output of the action.
type Output struct {
	Name  string
	Value string
}

// Outputs returns the action's text outputs in the order metadata-action
// sets them: version, tags, tag-names, labels, annotations, json. The
// bake-file outputs are paths of files the caller writes (see
// BakeFileTags and the others).
func (r Result) Outputs() []Output {
	return []Output{
		{"version", r.Version.Main},
		{"tags", strings.Join(r.Tags, r.SepTags)},
		{"tag-names", strings.Join(r.TagNames, r.SepTags)},
		{"labels", strings.Join(r.Labels, r.SepLabels)},
		{"annotations", strings.Join(r.LeveledAnnotations(), r.SepAnnotations)},
		{"json", string(r.JSON())},
	}
}
