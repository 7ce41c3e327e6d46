package policy

import (
	"slices"

	"github.com/imagetags/imagetags/tagging"
)

// TagList is a repository's tag listing with every tag classified once,
// for deciding about many builds of that repository: TagList.Decide gives
// the Decision Decider.Decide gives with the same tags as Observation.Tags,
// without classifying them again. Make one with Decider.ClassifyTags. A
// TagList is immutable and safe for concurrent use; it holds the tags,
// the class of each and the version tags grouped by shape, so its size is
// linear in the number of tags.
type TagList struct {
	d       Decider
	tags    []string         // nil: not listed
	index   map[string]int32 // tag -> its class in classes
	classes []tagging.Class
	groups  map[shapeKey][]listedTag // version tags by shape, highest version first
}

// shapeKey is what makes two version tags comparable: the same prefix,
// variant and number of parts.
type shapeKey struct {
	prefix, variant string
	precision       int
}

// listedTag is a version tag of a listing, read once.
type listedTag struct {
	tag string
	v   version
	pos int32 // position in the listing, for ties
}

// ClassifyTags classifies tags with d's Classifier for TagList.Decide. A
// nil tags means the repository was not listed, an empty one that it was
// listed and has no tags, as for Observation.Tags. The list is copied.
func (d Decider) ClassifyTags(tags []string) *TagList {
	l := &TagList{d: d}
	if tags == nil {
		return l
	}
	l.tags = slices.Clone(tags)
	l.index = make(map[string]int32, len(tags))
	l.classes = make([]tagging.Class, 0, len(tags))
	l.groups = map[shapeKey][]listedTag{}
	for _, t := range l.tags {
		if _, dup := l.index[t]; dup {
			continue // a tag listed twice is the same candidate; the first counts
		}
		c := d.Classifier.Classify(t)
		l.index[t] = int32(len(l.classes))
		l.classes = append(l.classes, c)
		if c.Precision == 0 || !isVersionForm(c.Form) {
			continue
		}
		k := shapeKey{prefix: c.Prefix, variant: c.Variant, precision: c.Precision}
		l.groups[k] = append(l.groups[k], listedTag{tag: t, v: versionOf(&c), pos: int32(len(l.classes))})
	}
	// Highest first, so that a scan for newer versions stops at the
	// deployed one; equal versions keep the listing's order, so the first
	// listed wins ties, as in a scan.
	for _, g := range l.groups {
		slices.SortFunc(g, func(a, b listedTag) int {
			if c := b.v.compare(a.v); c != 0 {
				return c
			}
			return int(a.pos - b.pos)
		})
	}
	return l
}

// Tags returns the listed tags, nil when the repository was not listed.
// The slice is the caller's to keep.
func (l *TagList) Tags() []string {
	if l == nil {
		return nil
	}
	return slices.Clone(l.tags)
}

// Decide is Decider.Decide, by the Decider that made l, with l's tags in
// place of o.Tags: o.Tags is not read. Every other field of o (Truncated
// for one) is used as Decider.Decide uses it. A nil TagList is the zero
// Decider's list of a repository that was not listed.
func (l *TagList) Decide(b Build, o Observation) Decision {
	if l == nil {
		l = &TagList{}
	}
	o.Tags = l.tags
	return l.d.decide(b, o, l)
}

func (l *TagList) listed() bool { return l.tags != nil }

func (l *TagList) contains(tag string) bool {
	_, ok := l.index[tag]
	return ok
}

// class returns the class of a listed tag, nil for a tag not listed.
func (l *TagList) class(tag string) *tagging.Class {
	if i, ok := l.index[tag]; ok {
		return &l.classes[i]
	}
	return nil
}

func (l *TagList) classify(tag string) tagging.Class {
	if i, ok := l.index[tag]; ok {
		return l.classes[i]
	}
	return l.d.Classifier.Classify(tag)
}

func (l *TagList) descending() bool { return true }

// tagSource is how a decision reads the listed tags: classified one by one
// (scanTags) or in advance (TagList).
type tagSource interface {
	// listed reports whether the repository was listed.
	listed() bool
	// contains reports whether tag is listed.
	contains(tag string) bool
	// descending reports whether eachShaped yields the highest version
	// first.
	descending() bool
	// classify classifies tag with the Decider's Classifier.
	classify(tag string) tagging.Class
}

// scanTags classifies the tags as they are read.
type scanTags struct {
	d    Decider
	tags []string
}

func (s scanTags) listed() bool { return s.tags != nil }

func (s scanTags) contains(tag string) bool { return slices.Contains(s.tags, tag) }

func (s scanTags) descending() bool { return false }

func (s scanTags) classify(tag string) tagging.Class { return s.d.Classifier.Classify(tag) }

// eachShaped calls yield with the listed version tags of ts that have
// cl's prefix, variant and precision, until yield returns false: in
// listing order, or for a TagList from the highest version down (equal
// versions in listing order). It is a function rather than a method of
// tagSource so that yield stays on the stack.
func eachShaped(ts tagSource, cl tagging.Class, yield func(listedTag) bool) {
	switch s := ts.(type) {
	case *TagList:
		for _, c := range s.groups[shapeKey{prefix: cl.Prefix, variant: cl.Variant, precision: cl.Precision}] {
			if !yield(c) {
				return
			}
		}
	case scanTags:
		for _, t := range s.tags {
			c := s.d.Classifier.Classify(t)
			if !sameShape(cl, c) {
				continue
			}
			if !yield(listedTag{tag: t, v: versionOf(&c)}) {
				return
			}
		}
	}
}
