package promote

import (
	"time"

	"github.com/opencontainers/go-digest"
)

// Record is the outcome of one operation: what was asked, what moved and
// what did not. It serialises to JSON for release notes and audit trails.
type Record struct {
	// Operation is "publish", "promote", "rollback" or, in a CopyRecord,
	// "copy".
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
	// exist (or could not be read). Basis says how certain it is.
	Previous digest.Digest `json:"previous,omitempty"`
	// Moved reports that the operation changed the tag. A tag already at
	// its digest is not moved, and is not an error.
	Moved bool `json:"moved"`
	// Basis says, for a moved tag, how the operation knows what it
	// replaced: BasisSwap, BasisRead or BasisReadBack. It is "" for a tag
	// that did not move.
	Basis Basis `json:"basis,omitempty"`
	// Error says why the tag was left alone, or is "" on success.
	Error string `json:"error,omitempty"`
}

// Basis says how a TagChange knows the digest a moved tag replaced.
type Basis string

const (
	// BasisSwap: the registry moved the tag from Previous in one atomic
	// compare-and-swap (it implements TagSwapper), so Previous is exactly
	// the digest the write replaced and no other writer slipped in.
	BasisSwap Basis = "swap"
	// BasisRead: Previous was read just before a plain write. It is what
	// the tag was observed at, not a guarantee: another writer between
	// the read and the write would go unseen, and rolling the record back
	// would restore what was read.
	BasisRead Basis = "read"
	// BasisReadBack: the write's answer was lost (a reset connection, a
	// timeout), and a read afterwards found the tag where the operation
	// wanted it (or, for a delete, gone). Previous is what was read before
	// the write, as for BasisRead.
	BasisReadBack Basis = "read-back"
)

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
