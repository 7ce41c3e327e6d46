package policy

import (
	"slices"

	"github.com/imagetags/imagetags/tagging"
)

// Suggestion is a tag to use and why.
type Suggestion struct {
	// Tag is the suggested tag; empty when there is none.
	Tag string `json:"tag,omitempty"`
	// Reason says in a few words why Tag was chosen, or why none was.
	Reason string `json:"reason"`
}

// NewWorkspaceTag returns the tag a new workspace should use, given the
// image's tags and its designated default tag (Coder marks one tag of each
// image as default): the designated tag when it is listed (or when tags is
// nil, meaning not listed); else "latest" when listed; else the newest
// stable version tag without a variant, ties going to the lexically
// smallest tag; else no tag.
func NewWorkspaceTag(tags []string, designated string) Suggestion {
	if designated != "" && (tags == nil || slices.Contains(tags, designated)) {
		return Suggestion{Tag: designated, Reason: "the image's default tag"}
	}
	if slices.Contains(tags, "latest") {
		return Suggestion{Tag: "latest", Reason: "no default tag is set; latest is listed"}
	}
	var best version
	tag := ""
	for _, t := range tags {
		c := tagging.Classify(t)
		if c.Precision == 0 || c.Variant != "" || c.IsPrerelease() {
			continue
		}
		v := versionOf(&c)
		if best.better(v) || v.compare(best) == 0 && t < tag {
			best, tag = v, t
		}
	}
	if tag != "" {
		return Suggestion{Tag: tag, Reason: "no default tag is set; newest stable version"}
	}
	return Suggestion{Reason: "no default tag, latest or stable version tag is listed"}
}

// ReplacementTag returns the tag a workspace on a decommissioned (deleted)
// tag gone should move to, given the image's remaining tags and its
// designated default. In order of preference: the nearest newer tag of
// the same line (same prefix, variant and precision, same major), the
// nearest newer tag of the same shape in a later major, the designated
// default, and "latest" when listed. Nearest
// means the smallest newer version: the least disruptive move forward.
func ReplacementTag(tags []string, designated, gone string) Suggestion {
	d := Decider{}
	return replacement(scanTags{d: d, tags: tags}, designated, d.Classifier.Classify(gone))
}

// replacement is ReplacementTag over the listed tags of ts.
func replacement(ts tagSource, designated string, cl tagging.Class) Suggestion {
	if cl.Precision > 0 && cl.Form != tagging.FormDate {
		cur := versionOf(&cl)
		var sameMajor, later version
		var sameTag, laterTag string
		desc := ts.descending()
		eachShaped(ts, cl, func(c listedTag) bool {
			v, t := c.v, c.tag
			if v.compare(cur) <= 0 {
				return !desc // when descending, the rest is older still
			}
			if v.pre != "" && !cl.IsPrerelease() {
				return true
			}
			if v.major == cur.major {
				if !sameMajor.set || v.compare(sameMajor) < 0 {
					sameMajor, sameTag = v, t
				}
			} else if !later.set || v.compare(later) < 0 {
				later, laterTag = v, t
			}
			return true
		})
		if sameTag != "" {
			return Suggestion{Tag: sameTag, Reason: "nearest newer tag of the same line"}
		}
		if laterTag != "" {
			return Suggestion{Tag: laterTag, Reason: "nearest newer tag of the same shape"}
		}
	}
	if designated != "" && designated != cl.Tag && (!ts.listed() || ts.contains(designated)) {
		return Suggestion{Tag: designated, Reason: "the image's default tag"}
	}
	if cl.Tag != "latest" && ts.contains("latest") {
		return Suggestion{Tag: "latest", Reason: "no default tag is set; latest is listed"}
	}
	return Suggestion{Reason: "no newer tag of the line and no default tag"}
}
