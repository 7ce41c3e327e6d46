package promote

import (
	"time"

	"github.com/opencontainers/go-digest"
)

// Record is the outcome of one operation: what was asked, what moved and
// what did not. It serialises to JSON for release notes and audit trails.
type Record struct {
	// Operation is "publish", "promote" or "rollback".
	Operation string `json:"operation"`
	// Repository is the fully qualified repository name, such as
	// "registry.example.com/team/app".
	Repository string `json:"repository"`
	// Source says what named the digest: a reference for publish and
	// promote, the rolled-back record's operation and time for rollback.
	Source string `json:"source,omitempty"`
	// Digest is the manifest the tags were pointed at, or "" when a
	// rollback sent tags to different digests (see each TagChange).
	Digest digest.Digest `json:"digest,omitempty"`
	// Tags lists each tag the operation considered, in order.
	Tags []TagChange `json:"tags"`
	// Time is when the operation started, from the clock option.
	Time time.Time `json:"time"`
}

// TagChange is what happened to one tag.
type TagChange struct {
	// Tag is the tag name.
	Tag string `json:"tag"`
	// Digest is where the operation pointed the tag; "" when a rollback
	// removed a tag that did not exist before.
	Digest digest.Digest `json:"digest,omitempty"`
	// Previous is where the tag pointed before, or "" when it did not
	// exist (or could not be read).
	Previous digest.Digest `json:"previous,omitempty"`
	// Moved reports that the operation changed the tag. A tag already at
	// its digest is not moved, and is not an error.
	Moved bool `json:"moved"`
	// Error says why the tag was left alone, or is "" on success.
	Error string `json:"error,omitempty"`
}

// Moved returns the tags the operation changed, in order. The slice is the
// caller's to keep.
func (r Record) Moved() []string {
	var out []string
	for _, t := range r.Tags {
		if t.Moved {
			out = append(out, t.Tag)
		}
	}
	return out
}

// Failed returns the tags the operation could not set, in order. The slice
// is the caller's to keep.
func (r Record) Failed() []string {
	var out []string
	for _, t := range r.Tags {
		if t.Error != "" {
			out = append(out, t.Tag)
		}
	}
	return out
}
