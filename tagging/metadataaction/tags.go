package metadataaction

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Type is the type of a tags line: the "type=" attribute.
type Type string

// The tag types, with metadata-action's names.
const (
	TypeSchedule Type = "schedule"
	TypeSemver   Type = "semver"
	TypePEP440   Type = "pep440"
	TypeMatch    Type = "match"
	TypeEdge     Type = "edge"
	TypeRef      Type = "ref"
	TypeRaw      Type = "raw"
	TypeSHA      Type = "sha"
)

var allTypes = []Type{TypeSchedule, TypeSemver, TypePEP440, TypeMatch, TypeEdge, TypeRef, TypeRaw, TypeSHA}

// defaultPriority is the priority of each type when a line sets none;
// higher comes first.
var defaultPriority = map[Type]string{
	TypeSchedule: "1000", TypeSemver: "900", TypePEP440: "900", TypeMatch: "800",
	TypeEdge: "700", TypeRef: "600", TypeRaw: "200", TypeSHA: "100",
}

// typeAttrs lists the attributes each type reads, besides type, enable,
// priority, prefix and suffix, which every type takes.
var typeAttrs = map[Type][]string{
	TypeSchedule: {"pattern"},
	TypeSemver:   {"pattern", "value", "match"},
	TypePEP440:   {"pattern", "value", "match"},
	TypeMatch:    {"pattern", "group", "value"},
	TypeEdge:     {"branch"},
	TypeRef:      {"event"},
	TypeRaw:      {"value"},
	TypeSHA:      {"format"},
}

// defaultTags are the tags lines used when the tags input is empty, as
// metadata-action's.
var defaultTags = []string{"type=schedule", "type=ref,event=branch", "type=ref,event=tag", "type=ref,event=pr"}

// DefaultTags returns the tags lines metadata-action uses when the tags
// input is empty. The slice is the caller's.
func DefaultTags() []string { return slices.Clone(defaultTags) }

// Tag is one parsed line of the tags input. Attrs holds every attribute
// after defaults were applied, keys lower-cased, as metadata-action keeps
// them. A prefix or suffix in Attrs, even empty, wins over the flavor's.
type Tag struct {
	Type  Type
	Attrs map[string]string
	// Line is the line as written.
	Line string

	set      map[string]bool
	priority float64
}

// Has reports whether the line, or a default of its type, set key.
func (t Tag) Has(key string) bool { _, ok := t.Attrs[key]; return ok }

// String returns the tag in "type=…,key=value" form, keys sorted.
func (t Tag) String() string {
	var b strings.Builder
	b.WriteString("type=" + string(t.Type))
	keys := make([]string, 0, len(t.Attrs))
	for k := range t.Attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString("," + k + "=" + t.Attrs[k])
	}
	return b.String()
}

// splitAttr splits a field at its first '=' when that '=' is not its
// first character; ok is false for a field without such a '='.
func splitAttr(f string) (key, value string, ok bool) {
	i := strings.IndexByte(f, '=')
	if i <= 0 {
		return "", "", false
	}
	return strings.ToLower(trimJS(f[:i])), trimJS(f[i+1:]), true
}

func typeNames() string {
	s := make([]string, len(allTypes))
	for i, t := range allTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// ParseTag reads one line of the tags input, such as
// "type=semver,pattern={{version}}" or a bare value, which is a raw tag.
// It applies metadata-action's defaults (pattern=nightly for schedule,
// prefix=pr- for ref event=pr, prefix=sha- and format=short for sha,
// group=0 for match, enable=true, the type's priority). An unknown type,
// an attribute the type does not read, a missing required attribute or a
// malformed value is an error naming the line.
func ParseTag(line string) (Tag, error) {
	fs, err := fields("tags", line)
	if err != nil {
		return Tag{}, err
	}
	t := Tag{Attrs: map[string]string{}, set: map[string]bool{}, Line: line}
	for _, f := range fs {
		k, v, ok := splitAttr(f)
		if !ok {
			t.Attrs["value"] = trimJS(f)
			t.set["value"] = true
			continue
		}
		if k == "type" {
			if !slices.Contains(allTypes, Type(v)) {
				return Tag{}, syntaxErr("tags", line, "unknown type "+strconv.Quote(v)+"; allowed: "+typeNames())
			}
			t.Type = Type(v)
			continue
		}
		t.Attrs[k] = v
		t.set[k] = true
	}
	if t.Type == "" {
		t.Type = TypeRaw
	}
	allowed := append([]string{"enable", "priority", "prefix", "suffix"}, typeAttrs[t.Type]...)
	for k := range t.set {
		if !slices.Contains(allowed, k) {
			what := "attribute " + strconv.Quote(k)
			if k == "value" {
				what = "value (a field without '=')"
			}
			return Tag{}, syntaxErr("tags", line, "type="+string(t.Type)+" does not take the "+what+"; allowed: "+strings.Join(allowed, ", "))
		}
	}
	def := func(k, v string) {
		if _, ok := t.Attrs[k]; !ok {
			t.Attrs[k] = v
		}
	}
	switch t.Type {
	case TypeSchedule:
		def("pattern", "nightly")
	case TypeSemver, TypePEP440:
		if !t.Has("pattern") {
			return Tag{}, syntaxErr("tags", line, "type="+string(t.Type)+" needs a pattern, such as pattern={{version}}")
		}
		def("value", "")
		def("match", "")
	case TypeMatch:
		if !t.Has("pattern") {
			return Tag{}, syntaxErr("tags", line, "type=match needs a pattern, such as \"pattern=v(\\d+)\"")
		}
		def("group", "0")
		if !isIndex(t.Attrs["group"]) {
			return Tag{}, syntaxErr("tags", line, "group "+strconv.Quote(t.Attrs["group"])+" is not a capture group number (0 for the whole match, 1 for the first group, …)")
		}
		def("value", "")
	case TypeEdge:
		def("branch", "")
	case TypeRef:
		switch ev, ok := t.Attrs["event"]; {
		case !ok:
			return Tag{}, syntaxErr("tags", line, "type=ref needs an event: event=branch, event=tag or event=pr")
		case ev != "branch" && ev != "tag" && ev != "pr":
			return Tag{}, syntaxErr("tags", line, "unknown event "+strconv.Quote(ev)+"; allowed: branch, tag, pr")
		case ev == "pr":
			def("prefix", "pr-")
		}
	case TypeRaw:
		if !t.Has("value") {
			return Tag{}, syntaxErr("tags", line, "type=raw needs a value, such as type=raw,value=stable")
		}
	case TypeSHA:
		def("prefix", "sha-")
		def("format", "short")
		if f := t.Attrs["format"]; f != "short" && f != "long" {
			return Tag{}, syntaxErr("tags", line, "unknown format "+strconv.Quote(f)+"; allowed: short, long")
		}
	}
	def("enable", "true")
	def("priority", defaultPriority[t.Type])
	p, err := strconv.ParseFloat(trimJS(t.Attrs["priority"]), 64)
	if err != nil || math.IsNaN(p) || math.IsInf(p, 0) {
		return Tag{}, syntaxErr("tags", line, "priority "+strconv.Quote(t.Attrs["priority"])+" is not a number; higher numbers come first, the defaults are 100 (sha) to 1000 (schedule)")
	}
	t.priority = p
	return t, nil
}

func isIndex(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseTags reads the tags input, one line per item, and returns the tags
// ordered by priority, highest first, lines of equal priority in the
// order given. An empty input means DefaultTags.
func ParseTags(lines []string) ([]Tag, error) {
	if len(lines) == 0 {
		lines = defaultTags
	}
	tags := make([]Tag, 0, len(lines))
	for _, l := range lines {
		t, err := ParseTag(l)
		if err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	slices.SortStableFunc(tags, func(a, b Tag) int {
		switch {
		case a.priority > b.priority:
			return -1
		case a.priority < b.priority:
			return 1
		}
		return 0
	})
	return tags, nil
}

// Latest is the flavor's latest setting.
type Latest string

// The latest settings, as metadata-action's, and LatestNewest, this
// package's opt-in: it is auto, except that nothing moves back to an older
// release. latest stays off when a stable release among
// Options.ExistingTags is newer than the version (semver, or PEP 440 for
// pep440 rules), and a semver or pep440 rule's tag (such as {{major}}) is
// left out when a newer existing release renders the same tag.
const (
	LatestAuto   Latest = "auto"
	LatestTrue   Latest = "true"
	LatestFalse  Latest = "false"
	LatestNewest Latest = "newest"
)

// Flavor is the parsed flavor input.
type Flavor struct {
	Latest       Latest
	Prefix       string
	PrefixLatest bool // the prefix is also put on latest (onlatest=true)
	Suffix       string
	SuffixLatest bool // the suffix is also put on latest (onlatest=true)
}

// ParseFlavor reads the flavor input: lines of latest=auto|true|false
// (or newest), prefix=…, suffix=…, each prefix or suffix optionally
// followed on its line by onlatest=true|false. Anything else is an error
// naming the line.
func ParseFlavor(lines []string) (Flavor, error) {
	fl := Flavor{Latest: LatestAuto}
	for _, line := range lines {
		fs, err := fields("flavor", line)
		if err != nil {
			return Flavor{}, err
		}
		onlatestFor := ""
		for _, f := range fs {
			parts := strings.Split(f, "=")
			if len(parts) == 1 {
				return Flavor{}, syntaxErr("flavor", line, "field "+strconv.Quote(f)+" is not key=value; allowed keys: latest, prefix, suffix, onlatest")
			}
			if len(parts) > 2 {
				return Flavor{}, syntaxErr("flavor", line, "field "+strconv.Quote(f)+" has more than one '='; a flavor value cannot contain '='")
			}
			k, v := strings.ToLower(trimJS(parts[0])), trimJS(parts[1])
			switch k {
			case "latest":
				switch Latest(v) {
				case LatestAuto, LatestTrue, LatestFalse, LatestNewest:
					fl.Latest = Latest(v)
				default:
					return Flavor{}, syntaxErr("flavor", line, "latest="+v+" is not allowed; allowed: auto, true, false, newest")
				}
			case "prefix":
				fl.Prefix = v
				onlatestFor = "prefix"
			case "suffix":
				fl.Suffix = v
				onlatestFor = "suffix"
			case "onlatest":
				if v != "true" && v != "false" {
					return Flavor{}, syntaxErr("flavor", line, "onlatest="+v+" is not allowed; allowed: true, false")
				}
				switch onlatestFor {
				case "prefix":
					fl.PrefixLatest = v == "true"
				case "suffix":
					fl.SuffixLatest = v == "true"
				default:
					return Flavor{}, syntaxErr("flavor", line, "onlatest must follow a prefix= or suffix= on the same line, such as prefix=dev-,onlatest=true")
				}
			default:
				return Flavor{}, syntaxErr("flavor", line, "unknown key "+strconv.Quote(k)+"; allowed: latest, prefix, suffix, onlatest")
			}
		}
	}
	return fl, nil
}

// Image is one entry of the images input.
type Image struct {
	Name   string
	Enable bool
}

// ParseImages reads the images input: one image per line as
// "name=ghcr.io/acme/app,enable=true" or a bare name; a single line of
// bare names separated by commas is the older form and gives one image
// per name. Names are kept as written here; the outputs lower-case them.
func ParseImages(lines []string) ([]Image, error) {
	if len(lines) == 1 {
		fs, err := fields("images", lines[0])
		if err != nil {
			return nil, err
		}
		var out []Image
		old := true
		for _, f := range fs {
			if strings.Contains(f, "=") {
				old = false
				break
			}
			out = append(out, Image{Name: trimJS(f), Enable: true})
		}
		if old {
			for _, im := range out {
				if im.Name == "" {
					return nil, syntaxErr("images", lines[0], "has an empty image name")
				}
			}
			return out, nil
		}
	}
	out := make([]Image, 0, len(lines))
	for _, line := range lines {
		fs, err := fields("images", line)
		if err != nil {
			return nil, err
		}
		im := Image{Enable: true}
		for _, f := range fs {
			parts := strings.Split(f, "=")
			switch {
			case len(parts) == 1:
				if im.Name != "" {
					return nil, syntaxErr("images", line, "gives more than one image name; write one image per line")
				}
				im.Name = trimJS(parts[0])
				continue
			case len(parts) > 2:
				return nil, syntaxErr("images", line, "field "+strconv.Quote(f)+" has more than one '='")
			}
			k, v := strings.ToLower(trimJS(parts[0])), trimJS(parts[1])
			switch k {
			case "name":
				if im.Name != "" {
					return nil, syntaxErr("images", line, "gives more than one image name; write one image per line")
				}
				im.Name = v
			case "enable":
				if v != "true" && v != "false" {
					return nil, syntaxErr("images", line, "enable="+v+" is not allowed; allowed: true, false")
				}
				im.Enable = v == "true"
			default:
				return nil, syntaxErr("images", line, "unknown attribute "+strconv.Quote(k)+"; allowed: name, enable")
			}
		}
		if im.Name == "" {
			return nil, syntaxErr("images", line, "has no image name; write name=ghcr.io/owner/app or the bare name")
		}
		out = append(out, im)
	}
	return out, nil
}
