package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/imagetags/imagetags/reference"
)

// ErrVerify is matched by the error of Rewrite and Edit when the edited
// bytes, parsed again, do not show exactly the intended change. The file
// must then be left as it is.
var ErrVerify = errors.New("the rewrite did not verify")

// Change is one place a rewrite edited: the value written at Line, and the
// images that read it (more than one when aliases or merge keys share
// it).
type Change struct {
	// Line is the 1-based line of the edited value in the original file.
	Line int
	// Old and New are the value before and after.
	Old, New string
	// Images are the images the edit changes, in file order.
	Images []Image
}

// Rewrite returns data with the images for which replace returns a new
// value and true rewritten, and the number of places edited. It is Edit
// with a count; see Edit.
func Rewrite(data []byte, images []Image, replace func(Image) (string, bool)) ([]byte, int, error) {
	out, changes, err := Edit(data, images, replace)
	return out, len(changes), err
}

// Edit returns data with the images for which replace returns a new value
// and true rewritten, and the list of edits made, in file order.
// images must be all the images Find, FindFile or FindDockerfile returned
// for data (filter in replace, not by passing fewer: a shared value is
// checked against every image that reads it); replace is called once for
// each of them, in order.
// Everything else, comments and formatting included, is left byte for
// byte; quoted values stay quoted the same way. An image reached through
// an alias or a merge key is rewritten where its anchor is written, which
// changes every image that shares it: when replace asks for different
// values for them, or declines some, Edit refuses.
//
// Asking to change an image that is not Editable is an error. After
// editing, the result is parsed again; unless exactly the intended values
// changed and every other value, key, comment and document is as before,
// Edit returns an error matching ErrVerify and no data. With nothing to
// change it returns data itself and no changes.
func Edit(data []byte, images []Image, replace func(Image) (string, bool)) ([]byte, []Change, error) {
	type edit struct {
		Change
		start, end int
		text       string
		declined   []Image
	}
	byKey := map[string]*edit{}
	var keys []string
	var format Format
	for _, img := range images {
		if img.format == 0 {
			return nil, nil, errors.New("the images were not found by this package")
		}
		if format != 0 && img.format != format {
			return nil, nil, errors.New("the images come from files of different formats")
		}
		format = img.format
		v, ok := replace(img)
		if ok && v == img.Value {
			ok = false
		}
		if img.key == "" {
			if !ok {
				continue
			}
			if err := img.Editable(); err != nil {
				return nil, nil, err
			}
			return nil, nil, fmt.Errorf("line %d: cannot locate the value of %s in the file", img.Line, img.Path)
		}
		e := byKey[img.key]
		if e == nil {
			e = &edit{Change: Change{Line: img.Line, Old: img.Value}, start: img.start, end: img.end}
			byKey[img.key] = e
			keys = append(keys, img.key)
		}
		if !ok {
			e.declined = append(e.declined, img)
			continue
		}
		if err := img.Editable(); err != nil {
			return nil, nil, err
		}
		if e.New != "" && e.New != v {
			return nil, nil, fmt.Errorf("line %d: %s and %s share the value written there (%s) but would be rewritten to %q and %q; give them their own values first",
				img.Line, e.Images[0].Path, img.Path, sharedVia(img), e.New, v)
		}
		e.New = v
		e.Images = append(e.Images, img)
	}
	var edits []*edit
	for _, k := range keys {
		e := byKey[k]
		if e.New == "" {
			continue
		}
		if len(e.declined) > 0 {
			return nil, nil, fmt.Errorf("line %d: rewriting the value written there for %s would also change %s, which shares it (%s); give them their own values first",
				e.Line, e.Images[0].Path, e.declined[0].Path, sharedVia(e.declined[0])+sharedVia(e.Images[0]))
		}
		if err := otherUses(e.Images, e.declined); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", e.Line, err)
		}
		text, err := quote(e.New, e.Images[0].style, format)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %s: %w", e.Line, e.Images[0].Path, err)
		}
		e.text = text
		edits = append(edits, e)
	}
	if len(edits) == 0 {
		return data, nil, nil
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b bytes.Buffer
	b.Grow(len(data) + 80*len(edits))
	last := 0
	for _, e := range edits {
		if e.start < last || e.start < 0 || e.end > len(data) {
			return nil, nil, fmt.Errorf("%w: line %d: overlapping or misplaced edits", ErrVerify, e.Line)
		}
		b.Write(data[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(data[last:])
	out := b.Bytes()

	want := map[string]string{}
	changes := make([]Change, len(edits))
	for i, e := range edits {
		want[e.Images[0].key] = e.New
		changes[i] = e.Change
	}
	var err error
	switch format {
	case YAML:
		err = verifyYAML(data, out, want)
	case Dockerfile:
		err = verifyDockerfile(data, out, want)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v; the file was not changed", ErrVerify, err)
	}
	return out, changes, nil
}

// otherUses refuses to rewrite a value that, through its anchor, is also
// read somewhere that is not one of the images found (an environment
// variable, a label): the rewrite would change it too.
func otherUses(changed, declined []Image) error {
	img := changed[0]
	if img.format != YAML || img.uses == 0 {
		return nil
	}
	found := len(changed) + len(declined)
	direct := false
	for _, i := range append(changed[:len(changed):len(changed)], declined...) {
		if i.Via == "" {
			direct = true
		}
	}
	others := img.uses - found
	if !direct && img.extension {
		others-- // the template under x-… where the value is written
	}
	if others > 0 {
		return fmt.Errorf("the value of %s (%s) is also read at %d place(s) that are not image fields, through its anchor; rewriting it would change them too, so give the image its own value first",
			img.Path, sharedVia(img), others)
	}
	return nil
}

func sharedVia(img Image) string {
	if img.Via == "" {
		return "it is written there"
	}
	return "through " + img.Via
}

// quote spells v for the place it is written, in the style it was
// written in.
func quote(v string, st style, format Format) (string, error) {
	if v == "" || strings.ContainsAny(v, "\r\n\t\u0085\u2028\u2029") {
		return "", fmt.Errorf("refusing to write the value %q", v)
	}
	if format == Dockerfile {
		if strings.ContainsAny(v, " \\`$") {
			return "", fmt.Errorf("refusing to write %q into a FROM line", v)
		}
		return v, nil
	}
	switch st {
	case doubleQuoted:
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range v {
			switch {
			case r == '"' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r < 0x20 || r == 0x7f:
				b.WriteString(`\x` + strconv.FormatInt(int64(r)+0x100, 16)[1:])
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
		return b.String(), nil
	case singleQuoted:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'", nil
	case plain:
		return v, nil
	}
	return "", errors.New("the value is a block scalar; rewrite it by hand")
}

// verifyYAML parses before and after and checks that they are the same
// trees, node for node, except that the nodes keyed in want now hold the
// wanted values.
func verifyYAML(before, after []byte, want map[string]string) error {
	bomAfter, err := checkEncoding(after)
	if err != nil {
		return err
	}
	bomBefore, err := checkEncoding(before)
	if err != nil {
		return err
	}
	old, err := decodeYAML(before)
	if err != nil {
		return fmt.Errorf("the original no longer parses: %v", err)
	}
	neu, err := decodeYAML(after)
	if err != nil {
		return fmt.Errorf("the result does not parse: %v", err)
	}
	if len(old) != len(neu) {
		return fmt.Errorf("the result has %d documents instead of %d", len(neu), len(old))
	}
	seen := 0
	for i := range old {
		if err := sameNode(old[i].root, neu[i].root, old[i].keys, want, &seen, 0); err != nil {
			return err
		}
	}
	if seen != len(want) {
		return fmt.Errorf("%d of %d edited values were not found again", len(want)-seen, len(want))
	}
	// The values must still be read as the same images.
	oldImgs, err := imagesOf(before, bomBefore, old)
	if err != nil {
		return err
	}
	newImgs, err := imagesOf(after, bomAfter, neu)
	if err != nil {
		return fmt.Errorf("the result is not read as before: %v", err)
	}
	return sameImages(oldImgs, newImgs, want)
}

func sameImages(oldImgs, newImgs []Image, want map[string]string) error {
	if len(oldImgs) != len(newImgs) {
		return fmt.Errorf("the result has %d images instead of %d", len(newImgs), len(oldImgs))
	}
	for i, o := range oldImgs {
		n := newImgs[i]
		v, changed := want[o.key]
		if !changed {
			v = o.Value
		}
		if n.Path != o.Path || n.Value != v {
			return fmt.Errorf("line %d: %s reads %q after the rewrite, not %q", n.Line, n.Path, n.Value, v)
		}
	}
	return nil
}

func sameNode(a, b *yaml.Node, keys map[*yaml.Node]string, want map[string]string, seen *int, depth int) error {
	if depth > maxDepth {
		return errors.New("the document nests too deeply")
	}
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Anchor != b.Anchor || a.Style != b.Style ||
		a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment ||
		len(a.Content) != len(b.Content) {
		return fmt.Errorf("line %d: the structure, a comment or a style changed", b.Line)
	}
	v, edited := want[keys[a]]
	switch {
	case edited:
		*seen++
		if b.Value != v {
			return fmt.Errorf("line %d: the value reads %q, not %q", b.Line, b.Value, v)
		}
	case a.Value != b.Value:
		return fmt.Errorf("line %d: the value %q changed to %q although it was not to be rewritten", b.Line, a.Value, b.Value)
	}
	for i := range a.Content {
		if err := sameNode(a.Content[i], b.Content[i], keys, want, seen, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// verifyDockerfile parses the edited Dockerfile again and checks that it
// has the same FROM lines with only the wanted values changed.
func verifyDockerfile(before, after []byte, want map[string]string) error {
	images, err := FindDockerfile(before)
	if err != nil {
		return fmt.Errorf("the original no longer parses: %v", err)
	}
	newImgs, err := FindDockerfile(after)
	if err != nil {
		return fmt.Errorf("the result does not parse: %v", err)
	}
	return sameImages(images, newImgs, want)
}

// RewriteTag rewrites the images that name repository and tag of from —
// same registry and repository, same tag (an untagged reference counts as
// latest), whatever digest they carry — to the reference to returns for
// them. Other images, such as the same repository on another tag, are
// left alone. to gets each matching image's parsed reference; its result
// is written in the image's spelling (short or fully qualified, see
// Spell). It returns the edited data, the edits, and how many images
// matched (matched but already equal counts as matched, not as an edit).
// images must be all of Find's result for data, as for Edit. Errors are
// Edit's, or the first error of to, naming the image's line.
//
// To point a manifest's references of a promoted tag at the channel and
// digest it was promoted to, pass the promoted reference as from and a to
// that returns r.WithoutDigest().WithTag(channel) with the digest added; a
// CronJob on :staging or a sidecar on another version in the same file is
// left as it is.
func RewriteTag(data []byte, images []Image, from reference.Reference, to func(reference.Reference) (reference.Reference, error)) ([]byte, []Change, int, error) {
	matched := 0
	var toErr error
	out, changes, err := Edit(data, images, func(img Image) (string, bool) {
		r, ok := names(img, from)
		if !ok || toErr != nil {
			return "", false
		}
		matched++
		n, err := to(r)
		if err != nil {
			toErr = fmt.Errorf("line %d: %s: %w", img.Line, img.Path, err)
			return "", false
		}
		return Spell(img.Value, n), true
	})
	if toErr != nil {
		return nil, nil, 0, toErr
	}
	return out, changes, matched, err
}

// Naming returns the images that name the repository and tag of from, as
// RewriteTag matches them, in file order. A caller checks with it that a
// file has the image it is about to rewrite, and that each of them is
// Editable, before it changes anything elsewhere (moves a tag, say).
func Naming(images []Image, from reference.Reference) []Image {
	var out []Image
	for _, img := range images {
		if _, ok := names(img, from); ok {
			out = append(out, img)
		}
	}
	return out
}

// names reports whether img names the repository and tag of from, and
// returns its parsed reference.
func names(img Image, from reference.Reference) (reference.Reference, bool) {
	if img.Resolved == "" {
		return reference.Reference{}, false
	}
	r, err := reference.Parse(img.Resolved)
	if err != nil || r.Name() != from.Name() || r.TagOrLatest() != from.TagOrLatest() {
		return reference.Reference{}, false
	}
	return r, true
}
