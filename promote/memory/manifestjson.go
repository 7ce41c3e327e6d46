package memory

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// manifestProbe holds the fields of a manifest or index that the registry
// checks: what it is, and the descriptors it points at.
type manifestProbe struct {
	MediaType    string
	ArtifactType string
	Config       *ocispec.Descriptor
	Layers       []ocispec.Descriptor
	Manifests    []ocispec.Descriptor
	Subject      *ocispec.Descriptor
}

// errManifestAmbiguous marks JSON that encoding/json would decode but the
// registry refuses because it could be read two ways: a known key given
// twice, a known key in another letter case (which encoding/json would
// match), or a top-level value that is not an object.
var errManifestAmbiguous = errors.New("ambiguous manifest JSON")

// maxJSONDepth bounds nesting, as encoding/json does.
const maxJSONDepth = 10000

// scanManifest checks that data is one well-formed JSON object and decodes
// the fields of manifestProbe in a single pass, type-checking each
// descriptor field as decoding into ocispec.Descriptor would (sizes are
// integers, data is base64, urls and annotations hold strings, a platform
// is an object). Unknown keys are checked for syntax and skipped. Keys are
// matched exactly, as the image specification defines them.
func scanManifest(data []byte) (manifestProbe, error) {
	var p manifestProbe
	s := jsonScanner{data: data}
	s.ws()
	if s.pos >= len(s.data) {
		return p, s.errorf("empty body")
	}
	if s.data[s.pos] != '{' {
		isNull := s.data[s.pos] == 'n'
		if err := s.skipValue(); err != nil {
			return p, err
		}
		if isNull {
			// encoding/json decodes null into an empty struct.
			return p, fmt.Errorf("%w: the manifest is null, not a JSON object", errManifestAmbiguous)
		}
		return p, s.errorf("the manifest must be a JSON object")
	}
	if err := s.topLevel(&p); err != nil {
		return manifestProbe{}, err
	}
	s.ws()
	if s.pos < len(s.data) {
		return manifestProbe{}, s.errorf("unexpected %s after the top-level object", s.describe())
	}
	return p, nil
}

// knownStrings are the media types manifests mention most, returned
// without allocating a copy.
var knownStrings = [...]string{
	ocispec.MediaTypeImageManifest,
	ocispec.MediaTypeImageIndex,
	ocispec.MediaTypeImageConfig,
	ocispec.MediaTypeImageLayer,
	ocispec.MediaTypeImageLayerGzip,
	ocispec.MediaTypeImageLayerZstd,
	ocispec.MediaTypeEmptyJSON,
	mediaTypeDockerManifest,
	mediaTypeDockerList,
	"application/vnd.docker.container.image.v1+json",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
}

var (
	topKeys      = []string{"mediaType", "artifactType", "config", "layers", "manifests", "subject"}
	descKeys     = []string{"mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType"}
	platformKeys = []string{"architecture", "os", "os.version", "os.features", "variant"}
)

// topLevel reads the members of the manifest object into p.
func (s *jsonScanner) topLevel(p *manifestProbe) error {
	if err := s.open('{'); err != nil {
		return err
	}
	var seen uint32
	for first := true; ; first = false {
		more, err := s.next('}', first)
		if err != nil || !more {
			return err
		}
		key, err := s.key()
		if err != nil {
			return err
		}
		i, err := matchKey(key, topKeys, &seen)
		if err != nil {
			return err
		}
		switch i {
		case 0:
			err = s.stringOrNull(&p.MediaType)
		case 1:
			err = s.stringOrNull(&p.ArtifactType)
		case 2:
			p.Config, err = s.descriptorPointer()
		case 3:
			p.Layers, err = s.descriptors()
		case 4:
			p.Manifests, err = s.descriptors()
		case 5:
			p.Subject, err = s.descriptorPointer()
		default:
			err = s.skipValue()
		}
		if err != nil {
			return err
		}
	}
}

// matchKey returns the index of key in known, or -1 for an unknown key.
// A known key seen before, or one that differs from a known key only in
// letter case, is an error.
func matchKey(key []byte, known []string, seen *uint32) (int, error) {
	for i, k := range known {
		if string(key) == k {
			if *seen&(1<<i) != 0 {
				return 0, fmt.Errorf("%w: key %q appears twice", errManifestAmbiguous, key)
			}
			*seen |= 1 << i
			return i, nil
		}
	}
	ascii := true
	for _, c := range key {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	for _, k := range known {
		if ascii && len(key) != len(k) {
			continue // an ASCII key folds only to one of the same length
		}
		if bytes.EqualFold(key, []byte(k)) {
			return 0, fmt.Errorf("%w: key %q: keys are case-sensitive, the specification's key is %q", errManifestAmbiguous, key, k)
		}
	}
	return -1, nil
}

// jsonScanner reads JSON from data, validating as it goes.
type jsonScanner struct {
	data  []byte
	pos   int
	depth int
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("byte %d: "+format, append([]any{s.pos}, args...)...)
}

// describe names the byte at the current position, for errors.
func (s *jsonScanner) describe() string {
	if s.pos >= len(s.data) {
		return "end of input"
	}
	return strconv.QuoteRune(rune(s.data[s.pos]))
}

func (s *jsonScanner) ws() {
	data, i := s.data, s.pos
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r') {
		i++
	}
	s.pos = i
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// null consumes a null literal if one comes next.
func (s *jsonScanner) null() (bool, error) {
	if s.peek() != 'n' {
		return false, nil
	}
	return true, s.literal("null")
}

func (s *jsonScanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.errorf("invalid literal, expected %q", word)
	}
	s.pos += len(word)
	return nil
}

// open consumes the opening bracket of an object ('{') or array ('[').
func (s *jsonScanner) open(c byte) error {
	if s.peek() != c {
		kind := "an object"
		if c == '[' {
			kind = "an array"
		}
		return s.errorf("expected %s, found %s", kind, s.describe())
	}
	s.depth++
	if s.depth > maxJSONDepth {
		return s.errorf("nested more than %d levels deep", maxJSONDepth)
	}
	s.pos++
	return nil
}

// next moves to the next member of the object or array opened last,
// whose closing bracket is end, and reports whether there is one. first
// says whether no member has been read yet.
func (s *jsonScanner) next(end byte, first bool) (bool, error) {
	c := s.peek()
	if c == end {
		s.pos++
		s.depth--
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, s.errorf("expected ',' or %q, found %s", end, s.describe())
		}
		s.pos++
	}
	return true, nil
}

// key reads an object key and the colon after it. The key is returned
// as bytes that alias the input when it has no escapes, so matching it
// allocates nothing.
func (s *jsonScanner) key() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.errorf("expected a string key, found %s", s.describe())
	}
	start, end, plain, err := s.stringToken()
	if err != nil {
		return nil, err
	}
	k := s.data[start+1 : end-1]
	if !plain {
		var v string
		if err := json.Unmarshal(s.data[start:end], &v); err != nil {
			return nil, fmt.Errorf("byte %d: %v", start, err)
		}
		k = []byte(v)
	}
	if s.peek() != ':' {
		return nil, s.errorf("expected ':' after object key, found %s", s.describe())
	}
	s.pos++
	return k, nil
}

// stringToken scans a string and returns its bounds, quotes included,
// and whether its content is plain printable ASCII without escapes, which
// then is its decoded value.
func (s *jsonScanner) stringToken() (start, end int, plain bool, err error) {
	if s.peek() != '"' {
		return 0, 0, false, s.errorf("expected a string, found %s", s.describe())
	}
	start = s.pos
	plain = true
	data := s.data
	i := s.pos + 1
	for i < len(data) {
		// Plain bytes first, in a tight loop.
		for i < len(data) && plainByte[data[i]] {
			i++
		}
		if i >= len(data) {
			break
		}
		c := data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return start, s.pos, plain, nil
		case c == '\\':
			plain = false
			if i+1 >= len(s.data) {
				s.pos = i
				return 0, 0, false, s.errorf("unterminated escape in string")
			}
			switch s.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s.data) || !isHex4(s.data[i+2:i+6]) {
					s.pos = i
					return 0, 0, false, s.errorf("invalid \\u escape in string")
				}
				i += 6
			default:
				s.pos = i
				return 0, 0, false, s.errorf("invalid escape %q in string", s.data[i:i+2])
			}
		case c < 0x20:
			s.pos = i
			return 0, 0, false, s.errorf("control character %#x in string", c)
		default:
			if c >= 0x7f {
				plain = false
			}
			i++
		}
	}
	s.pos = i
	return 0, 0, false, s.errorf("unterminated string")
}

// plainByte marks the bytes a string may hold as they are: printable
// ASCII other than '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// str reads a string and returns its decoded value, as encoding/json
// decodes it.
func (s *jsonScanner) str() (string, error) {
	start, end, plain, err := s.stringToken()
	if err != nil {
		return "", err
	}
	if plain {
		raw := s.data[start+1 : end-1]
		for _, known := range knownStrings {
			if string(raw) == known {
				return known, nil
			}
		}
		return string(raw), nil
	}
	// Escapes or non-ASCII bytes: rare in manifests, so leave decoding
	// (and its replacement of invalid UTF-8) to encoding/json.
	var v string
	if err := json.Unmarshal(s.data[start:end], &v); err != nil {
		return "", fmt.Errorf("byte %d: %v", start, err)
	}
	return v, nil
}

// stringOrNull reads a string into *dst; null leaves *dst as it is.
func (s *jsonScanner) stringOrNull(dst *string) error {
	if isNull, err := s.null(); isNull || err != nil {
		return err
	}
	v, err := s.str()
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// stringsOrNull reads an array of strings (null elements decode as "").
func (s *jsonScanner) stringsOrNull() ([]string, error) {
	if isNull, err := s.null(); isNull || err != nil {
		return nil, err
	}
	if err := s.open('['); err != nil {
		return nil, err
	}
	out := []string{}
	for first := true; ; first = false {
		more, err := s.next(']', first)
		if err != nil || !more {
			return out, err
		}
		var v string
		if err := s.stringOrNull(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// numberToken scans a number and returns its text.
func (s *jsonScanner) numberToken() (string, error) {
	start := s.pos
	i := s.pos
	digits := func() int {
		n := 0
		for i < len(s.data) && '0' <= s.data[i] && s.data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s.data) && s.data[i] == '-' {
		i++
	}
	switch {
	case i < len(s.data) && s.data[i] == '0':
		i++
	case digits() == 0:
		s.pos = i
		return "", s.errorf("invalid number")
	}
	if i < len(s.data) && s.data[i] == '.' {
		i++
		if digits() == 0 {
			s.pos = i
			return "", s.errorf("invalid number: no digits after '.'")
		}
	}
	if i < len(s.data) && (s.data[i] == 'e' || s.data[i] == 'E') {
		i++
		if i < len(s.data) && (s.data[i] == '+' || s.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			s.pos = i
			return "", s.errorf("invalid number: no digits in the exponent")
		}
	}
	s.pos = i
	return string(s.data[start:i]), nil
}

// skipValue checks one value of any kind and moves past it.
func (s *jsonScanner) skipValue() error {
	switch c := s.peek(); {
	case c == '{' || c == '[':
		return s.skipContainer()
	case c == '"':
		_, _, _, err := s.stringToken()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		_, err := s.numberToken()
		return err
	}
	return s.errorf("expected a value, found %s", s.describe())
}

// descriptorPointer reads a descriptor object, or null as nil.
func (s *jsonScanner) descriptorPointer() (*ocispec.Descriptor, error) {
	if isNull, err := s.null(); isNull || err != nil {
		return nil, err
	}
	d := new(ocispec.Descriptor)
	return d, s.descriptor(d)
}

// descriptors reads an array of descriptors, or null as nil; a null
// element decodes as an empty descriptor.
func (s *jsonScanner) descriptors() ([]ocispec.Descriptor, error) {
	if isNull, err := s.null(); isNull || err != nil {
		return nil, err
	}
	if err := s.open('['); err != nil {
		return nil, err
	}
	out := []ocispec.Descriptor{}
	for first := true; ; first = false {
		more, err := s.next(']', first)
		if err != nil || !more {
			return out, err
		}
		out = append(out, ocispec.Descriptor{})
		isNull, err := s.null()
		if err == nil && !isNull {
			err = s.descriptor(&out[len(out)-1])
		}
		if err != nil {
			return nil, err
		}
	}
}

// descriptor reads a descriptor object into d. It keeps the media type,
// digest, size, urls and artifact type, and checks the types of the
// annotations, data and platform.
func (s *jsonScanner) descriptor(d *ocispec.Descriptor) error {
	if err := s.open('{'); err != nil {
		return err
	}
	var seen uint32
	for first := true; ; first = false {
		more, err := s.next('}', first)
		if err != nil || !more {
			return err
		}
		key, err := s.key()
		if err != nil {
			return err
		}
		i, err := matchKey(key, descKeys, &seen)
		if err != nil {
			return err
		}
		if err := s.descriptorField(d, i); err != nil {
			return err
		}
	}
}

// descriptorField reads the value of the descriptor key known as
// descKeys[i], or skips it when i is -1.
func (s *jsonScanner) descriptorField(d *ocispec.Descriptor, i int) error {
	switch i {
	case 0:
		return s.stringOrNull(&d.MediaType)
	case 1:
		var v string
		err := s.stringOrNull(&v)
		d.Digest = digest.Digest(v)
		return err
	case 2:
		if isNull, err := s.null(); isNull || err != nil {
			return err
		}
		at := s.pos
		text, err := s.numberToken()
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return fmt.Errorf("byte %d: descriptor size %s is not an integer that fits in 64 bits", at, text)
		}
		d.Size = n
		return nil
	case 3:
		urls, err := s.stringsOrNull()
		d.URLs = urls
		return err
	case 4:
		return s.stringMap()
	case 5:
		if isNull, err := s.null(); isNull || err != nil {
			return err
		}
		at := s.pos
		v, err := s.str()
		if err != nil {
			return err
		}
		if _, err := base64.StdEncoding.DecodeString(v); err != nil {
			return fmt.Errorf("byte %d: descriptor data is not base64: %v", at, err)
		}
		return nil
	case 6:
		if isNull, err := s.null(); isNull || err != nil {
			return err
		}
		return s.platform()
	case 7:
		return s.stringOrNull(&d.ArtifactType)
	}
	return s.skipValue()
}

// stringMap checks an object of strings, or null.
func (s *jsonScanner) stringMap() error {
	if isNull, err := s.null(); isNull || err != nil {
		return err
	}
	if err := s.open('{'); err != nil {
		return err
	}
	for first := true; ; first = false {
		more, err := s.next('}', first)
		if err != nil || !more {
			return err
		}
		if _, err := s.key(); err != nil {
			return err
		}
		var v string
		if err := s.stringOrNull(&v); err != nil {
			return err
		}
	}
}

// platform checks a platform object.
func (s *jsonScanner) platform() error {
	if err := s.open('{'); err != nil {
		return err
	}
	var seen uint32
	for first := true; ; first = false {
		more, err := s.next('}', first)
		if err != nil || !more {
			return err
		}
		key, err := s.key()
		if err != nil {
			return err
		}
		i, err := matchKey(key, platformKeys, &seen)
		if err != nil {
			return err
		}
		switch i {
		case -1:
			err = s.skipValue()
		case 3:
			_, err = s.stringsOrNull()
		default:
			var v string
			err = s.stringOrNull(&v)
		}
		if err != nil {
			return err
		}
	}
}

// skipContainer checks an object or array of any values and moves past
// it.
func (s *jsonScanner) skipContainer() error {
	end := byte('}')
	if s.peek() == '[' {
		end = ']'
	}
	if err := s.open(s.data[s.pos]); err != nil {
		return err
	}
	for first := true; ; first = false {
		more, err := s.next(end, first)
		if err != nil || !more {
			return err
		}
		if end == '}' {
			if _, err := s.key(); err != nil {
				return err
			}
		}
		if err := s.skipValue(); err != nil {
			return err
		}
	}
}
