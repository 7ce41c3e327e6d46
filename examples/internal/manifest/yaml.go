package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// containerLists are the Kubernetes pod-spec keys whose items carry an
// "image" field.
var containerLists = map[string]bool{"containers": true, "initContainers": true, "ephemeralContainers": true}

// maxVisits bounds the nodes one document may expand to through aliases,
// so a small file of nested aliases cannot make Find run for ever.
const maxVisits = 1 << 16

// maxDepth bounds how deep documents, alias chains and merge keys nest.
const maxDepth = 200

var errTooLarge = errors.New("the document expands to too many nodes through aliases")

// yamlDoc is one decoded document with the keys of its nodes.
type yamlDoc struct {
	root   *yaml.Node
	keys   map[*yaml.Node]string
	parent map[*yaml.Node]*yaml.Node
}

// decodeYAML decodes every document of data.
func decodeYAML(data []byte) ([]yamlDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []yamlDoc
	for doc := 0; ; doc++ {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc+1, cleanYAMLError(err))
		}
		d := yamlDoc{root: &root, keys: map[*yaml.Node]string{}, parent: map[*yaml.Node]*yaml.Node{}}
		if !d.index(&root, "d"+strconv.Itoa(doc), 0) {
			return nil, fmt.Errorf("document %d: nested more than %d levels deep", doc+1, maxDepth)
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// cleanYAMLError drops the parser's "yaml: " prefix, which says nothing to
// a user who knows the file is YAML.
func cleanYAMLError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return errors.New(msg)
}

// index gives every node of the tree a key made of its document and its
// position among its parents' children (the same file parsed again gives
// the same keys), and records their parents.
func (d *yamlDoc) index(n *yaml.Node, key string, depth int) bool {
	if depth > maxDepth {
		return false
	}
	d.keys[n] = key
	for i, c := range n.Content {
		d.parent[c] = n
		if !d.index(c, key+"/"+strconv.Itoa(i), depth+1) {
			return false
		}
	}
	return true
}

// countUses counts, for every scalar, the places it is read once aliases
// and merge keys are expanded as YAML defines them (a merged key that the
// mapping sets itself is not read): its own place, plus every place an
// alias or a merge brings it to.
func (w *walker) countUses(n *yaml.Node, counts map[*yaml.Node]int, depth int) {
	if n == nil || depth > maxDepth || !w.visit() {
		return
	}
	switch n.Kind {
	case yaml.AliasNode:
		w.countUses(n.Alias, counts, depth+1)
	case yaml.ScalarNode:
		counts[n]++
	case yaml.MappingNode:
		for _, p := range w.pairs(n) {
			w.countUses(p.value, counts, depth+1)
		}
	default:
		for _, c := range n.Content {
			w.countUses(c, counts, depth+1)
		}
	}
}

// extension reports whether n is written under a top-level key starting
// with "x-", a Compose extension field: a template, not a value in use.
func (d *yamlDoc) extension(n *yaml.Node) bool {
	for p, ok := d.parent[n]; ok; n, p = p, d.parent[p] {
		if p.Kind == yaml.MappingNode && d.parent[p] != nil && d.parent[p].Kind == yaml.DocumentNode {
			for i := 1; i < len(p.Content); i += 2 {
				if p.Content[i] == n {
					return strings.HasPrefix(p.Content[i-1].Value, "x-")
				}
			}
			return false
		}
		if _, ok = d.parent[p]; !ok {
			break
		}
	}
	return false
}

func findYAML(data []byte) ([]Image, error) {
	bom, err := checkEncoding(data)
	if err != nil {
		return nil, err
	}
	docs, err := decodeYAML(data)
	if err != nil {
		return nil, templateHint(data, err)
	}
	return imagesOf(data, bom, docs)
}

// imagesOf finds the images of the decoded documents of data.
func imagesOf(data []byte, bom int, docs []yamlDoc) ([]Image, error) {
	lines := lineStarts(data, bom)
	var out []Image
	for i, d := range docs {
		if len(d.root.Content) == 0 {
			continue
		}
		top := d.root.Content[0]
		if top.Kind == yaml.ScalarNode && top.ShortTag() == "!!null" {
			continue // an empty document
		}
		first := len(out)
		w := &walker{data: data, lines: lines, keys: d.keys, out: &out}
		var kind string
		if top.Kind == yaml.MappingNode {
			if k := w.get(top, "kind"); k != nil && k.Kind == yaml.ScalarNode && k.Value != "" {
				kind = k.Value
			}
		}
		switch {
		case kind != "":
			w.object = kind + "/" + objectName(w, top)
			w.walk(top, "", false, 0)
			if kind == "Kustomization" {
				w.kustomize(top)
			}
		case top.Kind == yaml.MappingNode && w.get(top, "services") != nil:
			services := w.deref(w.get(top, "services"))
			if services.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("document %d, line %d: services must be a mapping of service names to services", i+1, services.Line)
			}
			w.compose(services)
		default:
			return nil, fmt.Errorf("%w: document %d (line %d) is neither a Kubernetes object (it has no kind) nor a Compose file (it has no services); a Helm values file or other YAML is not read, because its images cannot be found reliably",
				ErrUnsupported, i+1, top.Line)
		}
		if w.err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, w.err)
		}
		counts := map[*yaml.Node]int{}
		w.countUses(d.root, counts, 0)
		if w.err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, w.err)
		}
		for j := first; j < len(out); j++ {
			if n := out[j].node; n != nil {
				out[j].uses = counts[n]
				out[j].extension = d.extension(n)
				out[j].node = nil
			}
		}
	}
	return out, nil
}

// templateHint adds a word on templates to a parse error of a file that
// contains template braces, such as a Helm chart's templates.
func templateHint(data []byte, err error) error {
	if bytes.Contains(data, []byte("{{")) {
		return fmt.Errorf("%w (the file looks like a template; run it through its tool, such as helm template, and lint the output)", err)
	}
	return err
}

// lineStarts returns the byte offset of every line as the YAML parser
// counts lines: CR LF, CR, LF, NEL (U+0085), LS (U+2028) and PS (U+2029)
// each end a line. skip is the length of a byte order mark, which the
// parser does not count as a column.
func lineStarts(data []byte, skip int) []int {
	offs := []int{skip}
	for i := skip; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			offs = append(offs, i+1)
		case c == '\n':
			offs = append(offs, i+1)
		case c == 0xC2 && i+1 < len(data) && data[i+1] == 0x85:
			i++
			offs = append(offs, i+1)
		case c == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9):
			i += 2
			offs = append(offs, i+1)
		}
	}
	return offs
}

type walker struct {
	data   []byte
	lines  []int
	keys   map[*yaml.Node]string
	object string
	out    *[]Image
	visits int
	err    error
}

// pair is one key and value of a mapping, after merge keys were applied.
type pair struct {
	key, value *yaml.Node
	via        string
}

// deref follows aliases to the node they name.
func (w *walker) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	return n
}

// get returns the value of key in mapping m, merge keys included.
func (w *walker) get(m *yaml.Node, key string) *yaml.Node {
	for _, p := range w.pairs(m) {
		if p.key.Value == key {
			return p.value
		}
	}
	return nil
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.ShortTag() == "!!merge" || k.Style == 0)
}

// pairs returns the entries of mapping m as YAML merge keys define them:
// its own keys first, then the keys of each merged mapping it does not
// have itself, earlier merge sources before later ones.
func (w *walker) pairs(m *yaml.Node) []pair {
	var out []pair
	seen := map[string]bool{}
	w.collect(m, "", seen, &out, 0)
	return out
}

func (w *walker) collect(m *yaml.Node, via string, seen map[string]bool, out *[]pair, depth int) {
	if m == nil || m.Kind != yaml.MappingNode || depth > maxDepth || !w.visit() {
		return
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if isMerge(k) {
			merges = append(merges, v)
			continue
		}
		if seen[k.Value] {
			continue
		}
		seen[k.Value] = true
		*out = append(*out, pair{key: k, value: v, via: via})
	}
	for _, v := range merges {
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, s := range sources {
			name := "<<"
			if s.Kind == yaml.AliasNode {
				name = "<<: *" + s.Value
			}
			name += " (line " + strconv.Itoa(s.Line) + ")"
			if via != "" {
				name = via + ", " + name
			}
			w.collect(w.deref(s), name, seen, out, depth+1)
		}
	}
}

func (w *walker) visit() bool {
	w.visits++
	if w.visits > maxVisits {
		if w.err == nil {
			w.err = errTooLarge
		}
		return false
	}
	return true
}

func (w *walker) compose(services *yaml.Node) {
	for _, p := range w.pairs(services) {
		svc := w.deref(p.value)
		if svc == nil || svc.Kind != yaml.MappingNode {
			continue
		}
		for _, q := range w.pairs(svc) {
			if q.key.Value == "image" {
				w.add(q.value, "services."+p.key.Value+".image", joinVia(p.via, q.via), true)
			}
		}
	}
}

// kustomize reports the image overrides of a Kustomization, which say
// only part of a reference each (name, newName, newTag, digest): they are
// listed as images that cannot be checked from the file alone.
func (w *walker) kustomize(top *yaml.Node) {
	list := w.deref(w.get(top, "images"))
	if list == nil || list.Kind != yaml.SequenceNode {
		return
	}
	for j, item := range list.Content {
		item = w.deref(item)
		value := ""
		if item.Kind == yaml.MappingNode {
			if n := w.deref(w.get(item, "name")); n != nil && n.Kind == yaml.ScalarNode {
				value = n.Value
			}
		}
		path := w.object + ": images[" + strconv.Itoa(j) + "]"
		*w.out = append(*w.out, Image{Value: value, Path: path, Line: item.Line, format: YAML, start: -1, end: -1,
			Unresolved: "a kustomize image override is not read; lint the output of kustomize build",
			locErr:     fmt.Errorf("line %d: %s is a kustomize image override, which is not rewritten", item.Line, path)})
	}
}

func joinVia(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ", " + b
}

// walk visits n; inContainer is true when n is an item of a container list.
func (w *walker) walk(n *yaml.Node, path string, inContainer bool, depth int) {
	if depth > maxDepth || w.err != nil || !w.visit() {
		return
	}
	n = w.deref(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for _, p := range w.pairs(n) {
			k := p.key
			v := p.value
			pth := join(path, k.Value)
			if inContainer && k.Value == "image" {
				w.add(v, pth, p.via, false)
				continue
			}
			if list := w.deref(v); containerLists[k.Value] && list != nil && list.Kind == yaml.SequenceNode {
				for j, item := range list.Content {
					w.walk(item, pth+"["+strconv.Itoa(j)+"]", true, depth+1)
				}
				continue
			}
			w.walk(v, pth, false, depth+1)
		}
	case yaml.SequenceNode:
		for j, item := range n.Content {
			w.walk(item, path+"["+strconv.Itoa(j)+"]", false, depth+1)
		}
	}
}

// add records the image value v found at path. compose says whether
// Compose variable interpolation applies.
func (w *walker) add(v *yaml.Node, path, via string, compose bool) {
	if !w.visit() {
		return
	}
	if w.object != "" {
		path = w.object + ": " + path
	}
	if v.Kind == yaml.AliasNode {
		via = joinVia(via, "*"+v.Value+" (line "+strconv.Itoa(v.Line)+")")
	}
	n := w.deref(v)
	img := Image{Path: path, Via: via, Line: n.Line, format: YAML, key: w.keys[n], start: -1, end: -1, node: n}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		what := "a " + kindName(n)
		if n.Kind == yaml.ScalarNode {
			what = "the YAML value " + strconv.Quote(n.Value) + " of type " + n.ShortTag()
		}
		img.Unresolved = "the image is " + what + ", not a string"
		img.locErr = fmt.Errorf("line %d: %s is %s, not an image reference", n.Line, path, what)
		*w.out = append(*w.out, img)
		return
	}
	img.Value = n.Value
	img.Resolved = n.Value
	if compose {
		img.Resolved, img.Unresolved = interpolate(n.Value)
	}
	if !compose && strings.Contains(n.Value, "${") {
		img.Resolved, img.Unresolved = "", "the value holds a ${…} variable, which Kubernetes does not expand; lint the file after the step that fills it in (envsubst, for instance)"
	}
	if strings.Contains(n.Value, "{{") {
		img.Resolved, img.Unresolved = "", "the value is a template expression; lint the rendered output (such as helm template's)"
	}
	img.start, img.end, img.style, img.locErr = w.locate(n)
	if img.locErr != nil {
		img.locErr = fmt.Errorf("line %d: %s: %w", n.Line, path, img.locErr)
	}
	*w.out = append(*w.out, img)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

// locate finds the bytes of scalar n in the file, quotes included, and
// checks that they spell n's value.
func (w *walker) locate(n *yaml.Node) (int, int, style, error) {
	if n.Line < 1 || n.Line > len(w.lines) || n.Column < 1 {
		return -1, -1, 0, errors.New("the parser reported a position outside the file")
	}
	lineStart := w.lines[n.Line-1]
	start := lineStart + columnBytes(w.data[lineStart:], n.Column-1)
	start = skipProperties(w.data, start)
	if start >= len(w.data) {
		return -1, -1, 0, errors.New("cannot locate the value in the file")
	}
	var st style
	switch n.Style &^ (yaml.FlowStyle | yaml.TaggedStyle) {
	case yaml.DoubleQuotedStyle:
		st = doubleQuoted
	case yaml.SingleQuotedStyle:
		st = singleQuoted
	case yaml.LiteralStyle, yaml.FoldedStyle:
		return -1, -1, block, errors.New("the value is a block scalar (| or >); rewrite it by hand")
	case 0:
		st = plain
	default:
		return -1, -1, 0, errors.New("the value has a YAML style that is not rewritten")
	}
	end := scalarEnd(w.data, start, st, false)
	if st == plain && end >= 0 && string(w.data[start:end]) != n.Value {
		end = scalarEnd(w.data, start, st, true) // inside [] or {}
	}
	if end < 0 {
		return -1, -1, 0, errors.New("cannot find the end of the value in the file")
	}
	raw := w.data[start:end]
	if hasBreak(raw) {
		return -1, -1, 0, errors.New("the value spans several lines; rewrite it by hand")
	}
	switch st {
	case plain:
		if string(raw) != n.Value {
			return -1, -1, 0, fmt.Errorf("found %q where the value %q was expected", raw, n.Value)
		}
	default:
		if !quotedIs(raw, st, n.Value) {
			return -1, -1, 0, fmt.Errorf("found %q where the value %q was expected", raw, n.Value)
		}
	}
	return start, end, st, nil
}

// quotedIs reports whether the quoted scalar raw, on one line, spells
// value.
func quotedIs(raw []byte, st style, value string) bool {
	inner := string(raw[1 : len(raw)-1])
	switch {
	case st == singleQuoted:
		return strings.ReplaceAll(inner, "''", "'") == value
	case !strings.Contains(inner, "\\"):
		return inner == value
	}
	var s string
	err := yaml.Unmarshal(raw, &s)
	return err == nil && s == value
}

func hasBreak(b []byte) bool {
	return bytes.ContainsAny(b, "\r\n\u0085\u2028\u2029")
}

// skipProperties moves start past the anchors (&name) and tags (!tag,
// !!str, !<uri>) before a value, and the blanks, comments and line breaks
// after them.
func skipProperties(data []byte, start int) int {
	i := start
	for i < len(data) && (data[i] == '&' || data[i] == '!') {
		if data[i] == '!' && i+1 < len(data) && data[i+1] == '<' {
			for i < len(data) && data[i] != '>' {
				i++
			}
			i++
		}
		for i < len(data) && !isSpace(data[i]) && !isFlow(data[i]) {
			i++
		}
		i = skipSpace(data, i)
	}
	return i
}

// skipSpace skips blanks, line breaks and comments.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch {
		case isSpace(data[i]):
			i++
		case data[i] == 0xC2 && i+1 < len(data) && data[i+1] == 0x85:
			i += 2
		case data[i] == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9):
			i += 3
		case data[i] == '#':
			for i < len(data) && data[i] != '\n' && data[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isFlow(c byte) bool  { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}' }

// columnBytes converts a 0-based character column on a line to a byte
// offset.
func columnBytes(line []byte, col int) int {
	off := 0
	for n := 0; n < col && off < len(line); n++ {
		_, size := utf8.DecodeRune(line[off:])
		off += size
	}
	return off
}

// scalarEnd finds the end of the scalar that starts at start, or -1; flow
// says whether a plain scalar is inside a flow collection, where ",[]{}"
// end it.
func scalarEnd(data []byte, start int, st style, flow bool) int {
	switch st {
	case doubleQuoted:
		if data[start] != '"' {
			return -1
		}
		for i := start + 1; i < len(data); i++ {
			switch data[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case singleQuoted:
		if data[start] != '\'' {
			return -1
		}
		for i := start + 1; i < len(data); i++ {
			if data[i] == '\'' {
				if i+1 < len(data) && data[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
		return -1
	}
	if c := data[start]; c == '"' || c == '\'' || c == '|' || c == '>' {
		return -1
	}
	// A plain scalar ends at the end of the line, a comment, or in a flow
	// collection a flow indicator. The value is compared with the
	// parser's afterwards.
	i := start
	for i < len(data) && data[i] != '\n' && data[i] != '\r' && !(flow && isFlow(data[i])) {
		if data[i] == '#' && i > start && (data[i-1] == ' ' || data[i-1] == '\t') {
			break
		}
		if data[i] == 0xC2 && i+1 < len(data) && data[i+1] == 0x85 ||
			data[i] == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9) {
			break
		}
		i++
	}
	for i > start && (data[i-1] == ' ' || data[i-1] == '\t') {
		i--
	}
	return i
}

func objectName(w *walker, top *yaml.Node) string {
	if md := w.deref(w.get(top, "metadata")); md != nil && md.Kind == yaml.MappingNode {
		if n := w.deref(w.get(md, "name")); n != nil && n.Kind == yaml.ScalarNode {
			return n.Value
		}
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
