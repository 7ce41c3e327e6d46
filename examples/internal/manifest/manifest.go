// Package manifest finds container image references in Kubernetes manifests
// and Compose files and rewrites them in place, leaving every other byte of
// the file as it was.
//
// It reads the YAML with a real YAML parser (go.yaml.in/yaml/v3), so
// comments, anchors, flow style and multi-document streams are understood,
// and it edits the original bytes at the positions the parser reports, so a
// rewrite changes the image values and nothing else.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Image is one image reference found in a file.
type Image struct {
	// Value is the reference as written, for example "nginx:1.27".
	Value string
	// Path says where it was found, for example
	// "Deployment/web: spec.template.spec.containers[0].image" or
	// "services.api.image".
	Path string
	// Line is the 1-based line of the value in the file.
	Line int

	start, end int // byte range of the scalar in the file, quotes included
	style      yaml.Style
	alias      bool // an alias (*name) of an image written elsewhere
}

// containerLists are the Kubernetes pod-spec keys whose items carry an
// "image" field.
var containerLists = map[string]bool{"containers": true, "initContainers": true, "ephemeralContainers": true}

// Find returns the image references in data, a YAML stream of one or more
// Kubernetes objects or a Compose file, in file order. Kubernetes images are
// the "image" fields of items under containers, initContainers and
// ephemeralContainers at any depth (so Deployments, Jobs, CronJobs and
// custom resources embedding a pod template all work); Compose images are
// services.<name>.image.
func Find(data []byte) ([]Image, error) {
	offsets := lineOffsets(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []Image
	for doc := 0; ; doc++ {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc+1, err)
		}
		if len(root.Content) == 0 {
			continue
		}
		top := root.Content[0]
		w := walker{data: data, offsets: offsets, out: &out}
		if top.Kind == yaml.MappingNode {
			w.object = objectName(top)
			if services := lookup(top, "services"); services != nil && services.Kind == yaml.MappingNode && lookup(top, "kind") == nil {
				w.compose(services)
				continue
			}
		}
		w.walk(top, "", false)
	}
	return out, nil
}

type walker struct {
	data    []byte
	offsets []int
	object  string
	out     *[]Image
}

func (w walker) compose(services *yaml.Node) {
	for i := 0; i+1 < len(services.Content); i += 2 {
		name, svc := services.Content[i], services.Content[i+1]
		if svc.Kind != yaml.MappingNode {
			continue
		}
		if img := lookup(svc, "image"); img != nil && isImage(img) {
			w.add(img, "services."+name.Value+".image")
		}
	}
}

// walk visits n; inContainer is true when n is an item of a container list.
func (w walker) walk(n *yaml.Node, path string, inContainer bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if inContainer && k.Value == "image" && isImage(v) {
				w.add(v, p)
				continue
			}
			if containerLists[k.Value] && v.Kind == yaml.SequenceNode {
				for j, item := range v.Content {
					w.walk(item, p+"["+strconv.Itoa(j)+"]", true)
				}
				continue
			}
			w.walk(v, p, false)
		}
	case yaml.SequenceNode:
		for j, item := range n.Content {
			w.walk(item, path+"["+strconv.Itoa(j)+"]", false)
		}
	}
}

// isImage reports whether v can hold an image reference: a scalar, or an
// alias of one.
func isImage(v *yaml.Node) bool {
	return v.Kind == yaml.ScalarNode || v.Kind == yaml.AliasNode && v.Alias != nil && v.Alias.Kind == yaml.ScalarNode
}

func (w walker) add(v *yaml.Node, path string) {
	if w.object != "" {
		path = w.object + ": " + path
	}
	if v.Kind == yaml.AliasNode {
		// The value is written at its anchor; rewriting the anchor
		// rewrites every alias of it.
		*w.out = append(*w.out, Image{Value: v.Alias.Value, Path: path, Line: v.Line, start: -1, end: -1, alias: true})
		return
	}
	start := -1
	if v.Line-1 < len(w.offsets) {
		start = w.offsets[v.Line-1] + columnBytes(w.data[w.offsets[v.Line-1]:], v.Column-1)
	}
	if v.Anchor != "" {
		start = skipAnchor(w.data, start)
	}
	end := scalarEnd(w.data, start, v.Style)
	*w.out = append(*w.out, Image{Value: v.Value, Path: path, Line: v.Line, start: start, end: end, style: v.Style})
}

// skipAnchor moves start past an "&name" anchor and the blanks after it.
func skipAnchor(data []byte, start int) int {
	if start < 0 || start >= len(data) || data[start] != '&' {
		return start
	}
	i := start
	for i < len(data) && data[i] != ' ' && data[i] != '\t' && data[i] != '\n' {
		i++
	}
	for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	return i
}

// Rewrite returns data with the images for which replace returns a new
// value and true rewritten; everything else, comments and formatting
// included, is left byte for byte. Quoted values stay quoted the same way.
// An alias (*name) is not rewritten itself: it follows its anchor.
func Rewrite(data []byte, images []Image, replace func(Image) (string, bool)) ([]byte, int, error) {
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, img := range images {
		if img.alias {
			continue
		}
		v, ok := replace(img)
		if !ok || v == img.Value {
			continue
		}
		if img.start < 0 || img.end > len(data) || img.start >= img.end ||
			(img.style == 0 && string(data[img.start:img.end]) != img.Value) {
			return nil, 0, fmt.Errorf("line %d: cannot locate the value of %s in the file", img.Line, img.Path)
		}
		var text string
		switch img.style {
		case yaml.DoubleQuotedStyle:
			text = strconv.Quote(v)
		case yaml.SingleQuotedStyle:
			text = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case 0:
			text = v
		default:
			return nil, 0, fmt.Errorf("line %d: %s uses a block scalar; rewrite it by hand", img.Line, img.Path)
		}
		edits = append(edits, edit{img.start, img.end, text})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.start < last {
			return nil, 0, errors.New("overlapping rewrites")
		}
		b.Write(data[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(data[last:])
	return b.Bytes(), len(edits), nil
}

func lineOffsets(data []byte) []int {
	offs := []int{0}
	for i, c := range data {
		if c == '\n' {
			offs = append(offs, i+1)
		}
	}
	return offs
}

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

// scalarEnd finds the end of the scalar that starts at start.
func scalarEnd(data []byte, start int, style yaml.Style) int {
	if start < 0 || start >= len(data) {
		return -1
	}
	switch style {
	case yaml.DoubleQuotedStyle:
		for i := start + 1; i < len(data); i++ {
			switch data[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case yaml.SingleQuotedStyle:
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
	// A plain scalar ends at the end of the line, a comment, or a flow
	// indicator; image references contain none of ",[]{}" or " #".
	i := start
	for i < len(data) && data[i] != '\n' && data[i] != '\r' && data[i] != ',' && data[i] != '}' && data[i] != ']' {
		if data[i] == '#' && i > start && (data[i-1] == ' ' || data[i-1] == '\t') {
			break
		}
		i++
	}
	for i > start && (data[i-1] == ' ' || data[i-1] == '\t') {
		i--
	}
	return i
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func objectName(top *yaml.Node) string {
	kind := lookup(top, "kind")
	if kind == nil {
		return ""
	}
	name := ""
	if md := lookup(top, "metadata"); md != nil {
		if n := lookup(md, "name"); n != nil {
			name = n.Value
		}
	}
	return kind.Value + "/" + name
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
