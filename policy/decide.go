package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
	"github.com/opencontainers/go-digest"
)

// Tracking says which updates a deployment follows. The zero Tracking,
// TrackDefault, derives the mode from the tag's Class; see Decider.
type Tracking string

const (
	// TrackDefault derives the mode from the tag: latest, flavor, unknown
	// and channel tags follow their own republishes; a major tag ("v1")
	// follows its major line and a major.minor tag ("20.04") its minor
	// line, both by republish only; an immutable tag ("v1.3.1") is pinned.
	TrackDefault Tracking = ""
	// TrackSameTag follows republishes of the deployed tag and nothing
	// else. A republished immutable-looking tag is then a rebuild, not an
	// alert: some publishers rebuild "1.25.3" on every base image update.
	TrackSameTag Tracking = "same-tag"
	// TrackPatch follows republishes and newer tags of the same
	// major.minor, with the same prefix, variant and precision.
	TrackPatch Tracking = "patch"
	// TrackMinor follows republishes and newer tags of the same major.
	TrackMinor Tracking = "minor"
	// TrackMajor follows republishes and any newer version tag ("any").
	TrackMajor Tracking = "major"
	// TrackChannel follows a deployment channel: every promotion to the
	// tag, forward or back, is a rebuild.
	TrackChannel Tracking = "channel"
	// TrackPinned follows nothing: the tag is expected never to move, and
	// a move is a security alert.
	TrackPinned Tracking = "pinned"
)

var trackings = []Tracking{TrackDefault, TrackSameTag, TrackPatch, TrackMinor, TrackMajor, TrackChannel, TrackPinned}

// Valid reports whether t is one of the Tracking constants.
func (t Tracking) Valid() bool {
	for _, k := range trackings {
		if t == k {
			return true
		}
	}
	return false
}

// UnmarshalText reads a Tracking from JSON or YAML. It accepts the names
// of the constants, "default" for TrackDefault and "any" for TrackMajor,
// and rejects anything else with an error naming what is allowed.
func (t *Tracking) UnmarshalText(b []byte) error {
	switch s := Tracking(b); s {
	case "default":
		*t = TrackDefault
	case "any":
		*t = TrackMajor
	default:
		if !s.Valid() {
			return &Error{Field: "tracking", Input: string(b), Reason: "is not one of default, same-tag, patch, minor, major (any), channel, pinned", Err: ErrInvalidInput}
		}
		*t = s
	}
	return nil
}

// Outcome is what a Decision found. Outcomes are strings so decisions read
// well in JSON and logs.
type Outcome string

// The outcomes of a Decision; see the package documentation for the table
// of outcomes and actions.
const (
	// UpToDate: the deployment runs what its tag names and no update it
	// follows exists.
	UpToDate Outcome = "up-to-date"
	// TagRepublished: the same tag now names a different image; rebuild to
	// get its patches.
	TagRepublished Outcome = "tag-republished"
	// NewerInRange: a newer tag the tracking mode allows exists, with the
	// same prefix, variant and precision.
	NewerInRange Outcome = "newer-in-range"
	// NewerOutOfRange: a newer version exists outside what the deployment
	// follows ("v2" for "v1", "22.04" for "20.04"). Informational only.
	NewerOutOfRange Outcome = "newer-out-of-range"
	// PrereleaseAvailable: only a newer prerelease exists, and the
	// deployment did not opt in to prereleases. Informational only.
	PrereleaseAvailable Outcome = "prerelease-available"
	// ImmutableTagMoved: a tag that names one build (full semver, commit,
	// build id, date, or any tag tracked as pinned) now names another
	// image. A security alert.
	ImmutableTagMoved Outcome = "immutable-tag-moved"
	// PinnedByDigest: the deployment names a digest, so tag moves do not
	// change what it runs.
	PinnedByDigest Outcome = "pinned-by-digest"
	// TagDeleted: the tag no longer exists; the Decision suggests the
	// nearest tag in line or the repository's default tag.
	TagDeleted Outcome = "tag-deleted"
	// PlatformUnavailable: the tag now names an index without the
	// deployment's platform.
	PlatformUnavailable Outcome = "platform-unavailable"
	// PendingMaturity: an update exists but was pushed less than the
	// minimum age ago (or its push time is unknown).
	PendingMaturity Outcome = "pending-maturity"
	// Unknown: the inputs or the observation were incomplete; never
	// reported as up to date.
	Unknown Outcome = "unknown"
)

// Action is what a caller should do about a Decision.
type Action string

const (
	// ActionNone: nothing to do.
	ActionNone Action = "none"
	// ActionRebuild: rebuild or redeploy from the same tag.
	ActionRebuild Action = "rebuild"
	// ActionUpgrade: a newer tag is available; offer to move to Candidate.
	ActionUpgrade Action = "upgrade"
	// ActionAlert: something is wrong with the registry or the tag; tell a
	// human.
	ActionAlert Action = "alert"
	// ActionRetry: the observation was incomplete; observe again.
	ActionRetry Action = "retry"
)

// Build is what a workspace or deployment was built from.
type Build struct {
	// Ref is the reference as deployed, with the tag as written. A
	// reference without a tag or digest means "latest".
	Ref reference.Reference `json:"ref"`
	// Digest is the digest the tag resolved to at build time: the image
	// index for a multi-arch image, else the manifest.
	Digest digest.Digest `json:"digest,omitempty"`
	// Platform is the platform the deployment runs, "linux/amd64";
	// optional.
	Platform string `json:"platform,omitempty"`
	// PlatformDigest is the platform's own manifest digest inside the
	// index at build time; optional. With it, an index that changed only
	// for other platforms is not a republish.
	PlatformDigest digest.Digest `json:"platformDigest,omitempty"`
	// Tracking overrides how the deployment follows updates; empty means
	// derived from the tag's Class.
	Tracking Tracking `json:"tracking,omitempty"`
	// Prereleases opts in to prerelease tags as update candidates.
	Prereleases bool `json:"prereleases,omitempty"`
}

// Observation is what the registry shows now for a Build's tag and
// repository. A registry client fills it with one resolve of the tag and
// one listing of the repository; every field it could not learn stays
// zero, and the Decider reports Unknown rather than guessing.
type Observation struct {
	// Digest is the tag's current digest; empty when it was not resolved.
	Digest digest.Digest `json:"digest,omitempty"`
	// Gone reports that the registry answered that the tag does not exist.
	Gone bool `json:"gone,omitempty"`
	// PlatformDigest is the current manifest digest of Build.Platform
	// inside the tag's index; empty when not looked up.
	PlatformDigest digest.Digest `json:"platformDigest,omitempty"`
	// PlatformMissing reports that the tag's index has no manifest for
	// Build.Platform.
	PlatformMissing bool `json:"platformMissing,omitempty"`
	// Tags are the repository's tags. Nil means not listed; an empty,
	// non-nil slice means listed and empty.
	Tags []string `json:"tags,omitempty"`
	// Truncated reports that Tags is a partial listing.
	Truncated bool `json:"truncated,omitempty"`
	// Pushed holds the push time of tags, where the registry reports it.
	Pushed map[string]time.Time `json:"pushed,omitempty"`
	// MinAge is how long an update must have been published before it is
	// offered; zero offers updates at once.
	MinAge time.Duration `json:"minAge,omitempty"`
	// Now is the time of the observation, used with MinAge and Pushed.
	Now time.Time `json:"now,omitzero"`
	// Immutable reports that the registry enforces tag immutability for
	// this tag, which makes a moved tag more severe.
	Immutable bool `json:"immutable,omitempty"`
	// DefaultTag is the repository's designated default tag, suggested
	// when the deployed tag is deleted and no tag of its line is left.
	DefaultTag string `json:"defaultTag,omitempty"`
}

// Note is a secondary finding of a Decision, such as a newer tag outside
// the tracked range next to a republish.
type Note struct {
	Outcome Outcome `json:"outcome"`       // what was found, such as NewerOutOfRange
	Tag     string  `json:"tag,omitempty"` // the tag it concerns, when there is one
	Message string  `json:"message"`       // one line for a human
}

// Decision is what to do about one deployment.
type Decision struct {
	// Outcome is what was found; Action what to do about it.
	Outcome Outcome `json:"outcome"`
	Action  Action  `json:"action"`
	// Severity grades the Decision: info for no action, warning for a
	// rebuild or upgrade, error for an alert, critical for a moved tag
	// on a registry that enforces immutability.
	Severity Severity `json:"severity"`
	// Tracking is the mode the Decision applied, after defaults.
	Tracking Tracking `json:"tracking"`
	// Tag is the deployed tag, "latest" for a bare name.
	Tag string `json:"tag,omitempty"`
	// Candidate is the tag to rebuild from or move to, when there is one.
	Candidate string `json:"candidate,omitempty"`
	// Digest is the tag's current digest when it differs from the build's.
	Digest digest.Digest `json:"digest,omitempty"`
	// Message is one line for a human.
	Message string `json:"message"`
	// Notes are secondary findings, informational.
	Notes []Note `json:"notes,omitempty"`
}

// Decider makes Decisions with a configured Classifier. Its zero value
// uses the default Classifier and is what Decide uses. A Decider is a
// plain value and safe for concurrent use.
type Decider struct {
	// Classifier reads the deployed and listed tags.
	Classifier tagging.Classifier `json:"classifier"`
}

// Decide decides with the zero Decider.
func Decide(b Build, o Observation) Decision { return Decider{}.Decide(b, o) }

// DefaultTracking returns the Tracking TrackDefault stands for with
// class c: TrackSameTag for latest, flavor and unknown tags, TrackChannel
// for channels, TrackPatch for major.minor tags, TrackMinor for major tags
// and TrackPinned for immutable tags.
func DefaultTracking(c tagging.Class) Tracking {
	switch c.Kind {
	case tagging.Channel:
		return TrackChannel
	case tagging.ReleaseLine:
		if c.Form == tagging.FormMajor {
			return TrackMinor
		}
		return TrackPatch
	case tagging.Immutable:
		return TrackPinned
	default:
		return TrackSameTag
	}
}

// Decide compares what b was built from with what o observed and says what
// to do. It never fails: invalid or missing inputs give an Unknown
// Decision whose message says what is missing. The rules, in order:
//
//  1. A Build without a reference or digest, an invalid Tracking, or an
//     observation that neither resolved the tag nor found it gone gives
//     Unknown (retry).
//  2. A reference pinned by digest gives PinnedByDigest; an upgrade is
//     offered when the tag now names another image.
//  3. A deleted tag gives TagDeleted with the nearest tag of its line, or
//     the default tag, as the candidate.
//  4. A changed digest is a move, unless the build recorded its platform's
//     digest and the observation shows that digest unchanged (then only
//     other platforms changed). A move of a tag tracked as pinned (the
//     default for immutable tags) and, under patch, minor or major
//     tracking, of an immutable tag, gives ImmutableTagMoved (alert,
//     critical when the registry enforces immutability). Otherwise a move
//     gives PlatformUnavailable when the platform is gone, or
//     TagRepublished (rebuild).
//  5. Under patch, minor or major tracking, the newest listed tag of the
//     line with the same prefix, variant and precision gives NewerInRange.
//  6. A newer version outside the line gives NewerOutOfRange, a newer
//     prerelease without opt-in PrereleaseAvailable; both informational.
//     They are notes when another outcome applies.
//
// An update pushed less than MinAge before Now, or whose push time is not
// known while MinAge is set, gives PendingMaturity instead. A tag listing
// that is missing or truncated when the line needs it gives Unknown rather
// than UpToDate.
func (d Decider) Decide(b Build, o Observation) Decision {
	dec := Decision{Tracking: b.Tracking}
	if b.Ref.IsZero() {
		return unknown(dec, "no deployed reference given")
	}
	dec.Tag = b.Ref.TagOrLatest()
	if !b.Tracking.Valid() {
		return unknown(dec, fmt.Sprintf("tracking %q is not one of same-tag, patch, minor, major, channel, pinned", b.Tracking))
	}
	if msg := checkDigests(b, o); msg != "" {
		return unknown(dec, msg)
	}
	cl := d.Classifier.Classify(dec.Tag)
	if dec.Tracking == TrackDefault {
		dec.Tracking = DefaultTracking(cl)
	}

	if b.Ref.IsPinned() {
		return d.pinned(dec, b, o)
	}
	if o.Gone {
		return d.deleted(dec, cl, b, o)
	}
	if b.Digest == "" {
		return unknown(dec, "no build digest recorded for "+b.Ref.Familiar()+"; cannot tell whether the tag moved")
	}
	if o.Digest == "" {
		return unknown(dec, "the registry did not resolve "+b.Ref.Familiar())
	}

	moved := o.Digest != b.Digest
	if moved && b.Platform != "" && b.PlatformDigest != "" && !o.PlatformMissing {
		if o.PlatformDigest == "" {
			return unknown(dec, "the index of "+b.Ref.Familiar()+" changed but its "+b.Platform+" manifest was not looked up")
		}
		if o.PlatformDigest == b.PlatformDigest {
			moved = false
			dec.Notes = append(dec.Notes, Note{Outcome: UpToDate, Tag: dec.Tag,
				Message: "the index changed for other platforms; " + b.Platform + " is unchanged"})
		}
	}

	if moved {
		dec.Digest = o.Digest
		if dec.Tracking == TrackPinned || cl.Kind == tagging.Immutable && dec.Tracking.follows() {
			return movedAlert(dec, b, o)
		}
		if o.PlatformMissing {
			dec.Outcome, dec.Action, dec.Severity = PlatformUnavailable, ActionAlert, SeverityError
			dec.Candidate = ""
			dec.Message = b.Ref.Familiar() + " now names an image without " + b.Platform + "; do not rebuild from it"
			return dec
		}
		if !o.mature(dec.Tag) {
			return pending(dec, dec.Tag, o, "a republish of "+dec.Tag)
		}
		dec.Outcome, dec.Action, dec.Severity, dec.Candidate = TagRepublished, ActionRebuild, SeverityWarning, dec.Tag
		dec.Message = b.Ref.Familiar() + " was republished (" + short(o.Digest) + "); rebuild to get its updates"
		n := d.newer(dec, cl, b, o)
		if n.inRange != "" {
			dec.Notes = append(dec.Notes, Note{Outcome: NewerInRange, Tag: n.inRange,
				Message: n.inRange + " is also available (" + string(dec.Tracking) + " updates)"})
		}
		dec.Notes = append(dec.Notes, n.notes()...)
		return dec
	}

	n := d.newer(dec, cl, b, o)
	switch {
	case n.inRange != "":
		if !o.mature(n.inRange) {
			return pending(dec, n.inRange, o, dec.Tag+" → "+n.inRange)
		}
		dec.Outcome, dec.Action, dec.Severity, dec.Candidate = NewerInRange, ActionUpgrade, SeverityWarning, n.inRange
		dec.Message = n.inRange + " is available for " + b.Ref.Familiar() + " (" + string(dec.Tracking) + " updates)"
		if n.pending != "" {
			dec.Notes = append(dec.Notes, Note{Outcome: PendingMaturity, Tag: n.pending,
				Message: n.pending + " is newer but younger than the minimum age"})
		}
		dec.Notes = append(dec.Notes, n.notes()...)
		if n.incomplete {
			dec.Notes = append(dec.Notes, Note{Outcome: Unknown, Message: "the tag list was truncated; a newer tag may exist"})
		}
		return dec
	case n.pending != "":
		return pending(dec, n.pending, o, dec.Tag+" → "+n.pending)
	case n.incomplete:
		dec.Notes = append(dec.Notes, n.notes()...)
		return unknown(dec, b.Ref.Familiar()+" is unchanged, but the tag list needed for "+string(dec.Tracking)+" updates is missing or truncated")
	}
	notes := n.notes()
	if len(notes) > 0 {
		first := notes[0]
		dec.Outcome, dec.Action, dec.Severity, dec.Candidate = first.Outcome, ActionNone, SeverityInfo, ""
		dec.Message = first.Message
		dec.Notes = append(dec.Notes, notes...)
		return dec
	}
	dec.Outcome, dec.Action, dec.Severity = UpToDate, ActionNone, SeverityInfo
	dec.Message = b.Ref.Familiar() + " is up to date"
	return dec
}

// follows reports whether t follows version lines.
func (t Tracking) follows() bool { return t == TrackPatch || t == TrackMinor || t == TrackMajor }

func unknown(dec Decision, msg string) Decision {
	dec.Outcome, dec.Action, dec.Severity, dec.Candidate = Unknown, ActionRetry, SeverityWarning, ""
	dec.Message = msg
	return dec
}

func pending(dec Decision, tag string, o Observation, what string) Decision {
	dec.Outcome, dec.Action, dec.Severity, dec.Candidate = PendingMaturity, ActionNone, SeverityInfo, tag
	if t, ok := o.Pushed[tag]; ok && !o.Now.IsZero() {
		wait := o.MinAge - o.Now.Sub(t)
		dec.Message = what + " was pushed " + o.Now.Sub(t).Round(time.Second).String() + " ago; offered in " + wait.Round(time.Second).String()
	} else {
		dec.Message = what + " is held back: a minimum age of " + o.MinAge.String() + " applies and its push time or the current time is not known"
	}
	return dec
}

func movedAlert(dec Decision, b Build, o Observation) Decision {
	dec.Outcome, dec.Action, dec.Severity, dec.Candidate = ImmutableTagMoved, ActionAlert, SeverityError, ""
	dec.Message = b.Ref.Familiar() + " should never move but now names " + short(o.Digest) + " instead of " + short(b.Digest) + "; check the registry before rebuilding"
	if o.Immutable {
		dec.Severity = SeverityCritical
		dec.Message = b.Ref.Familiar() + " moved to " + short(o.Digest) + " although the registry enforces immutable tags; treat the registry as compromised"
	}
	return dec
}

func (d Decider) pinned(dec Decision, b Build, o Observation) Decision {
	dec.Tracking = TrackPinned
	dec.Outcome, dec.Action, dec.Severity = PinnedByDigest, ActionNone, SeverityInfo
	pin := b.Ref.Digest()
	dec.Message = b.Ref.Familiar() + " is pinned by digest; tag moves do not change it"
	if !b.Ref.HasTag() {
		return dec
	}
	// The tag still names what is pinned when it resolves to the pin, to
	// the digest recorded at build time (a pin of the platform's own
	// manifest inside that index), or to an index whose manifest for the
	// build's platform is the one recorded.
	unchanged := o.Digest == pin || o.Digest == b.Digest ||
		b.Platform != "" && b.PlatformDigest != "" && o.PlatformDigest == b.PlatformDigest
	switch {
	case o.Gone:
		dec.Notes = append(dec.Notes, Note{Outcome: TagDeleted, Tag: dec.Tag, Message: "the tag " + dec.Tag + " no longer exists; the pinned image still runs"})
	case o.Digest != "" && !unchanged:
		dec.Action, dec.Severity, dec.Candidate, dec.Digest = ActionUpgrade, SeverityWarning, dec.Tag, o.Digest
		dec.Message = b.Ref.Familiar() + " is pinned; the tag " + dec.Tag + " now names " + short(o.Digest) + ", re-pin to update"
	}
	return dec
}

func (d Decider) deleted(dec Decision, cl tagging.Class, b Build, o Observation) Decision {
	dec.Outcome, dec.Action, dec.Severity = TagDeleted, ActionUpgrade, SeverityWarning
	s := d.replacement(o.Tags, o.DefaultTag, cl)
	dec.Candidate = s.Tag
	if s.Tag == "" {
		dec.Action, dec.Severity = ActionAlert, SeverityError
		dec.Message = b.Ref.Familiar() + " was deleted and no replacement tag is known"
		return dec
	}
	dec.Message = b.Ref.Familiar() + " was deleted; move to " + s.Tag + " (" + s.Reason + ")"
	return dec
}

// mature reports whether tag has been published for at least MinAge.
func (o Observation) mature(tag string) bool {
	if o.MinAge <= 0 {
		return true
	}
	t, ok := o.Pushed[tag]
	if !ok || o.Now.IsZero() {
		return false
	}
	return o.Now.Sub(t) >= o.MinAge
}

// newerFound is what a scan of the listed tags found.
type newerFound struct {
	inRange    string // newest mature tag in the tracked line
	pending    string // newest in-line tag younger than MinAge, newer than inRange
	outOfRange string // newest tag past the line
	pre        string // newest prerelease in the line, not opted in
	incomplete bool   // the line needs a tag list that is missing or truncated
	outMsg     string
	preMsg     string
}

func (n newerFound) notes() []Note {
	var out []Note
	if n.outOfRange != "" {
		out = append(out, Note{Outcome: NewerOutOfRange, Tag: n.outOfRange, Message: n.outMsg})
	}
	if n.pre != "" {
		out = append(out, Note{Outcome: PrereleaseAvailable, Tag: n.pre, Message: n.preMsg})
	}
	return out
}

// lineDepth is how many leading version parts a tracking mode keeps fixed.
func lineDepth(t Tracking, precision int) int {
	switch t {
	case TrackPatch:
		return 2
	case TrackMinor:
		return 1
	case TrackMajor:
		return 0
	default:
		return precision // nothing but the tag itself is in line
	}
}

// newer scans o.Tags for tags of the same shape as cl with a newer
// version, sorted into the tracked line and beyond it.
func (d Decider) newer(dec Decision, cl tagging.Class, b Build, o Observation) newerFound {
	var n newerFound
	if cl.Precision == 0 || dec.Tracking == TrackSameTag || dec.Tracking == TrackChannel {
		return n // latest, channel or unknown: no version line to compare
	}
	depth := lineDepth(dec.Tracking, cl.Precision)
	if depth < cl.Precision && (o.Tags == nil || o.Truncated) {
		n.incomplete = true
	}
	cur := versionOf(cl)
	var in, pend, out, pre version
	for _, t := range o.Tags {
		c := d.Classifier.Classify(t)
		if !sameShape(cl, c) {
			continue
		}
		v := versionOf(c)
		if v.compare(cur) <= 0 {
			continue
		}
		inLine := v.sameLine(cur, depth)
		switch {
		case c.IsPrerelease() && !b.Prereleases && !cl.IsPrerelease():
			if inLine && pre.better(v) {
				pre, n.pre = v, t
			}
		case !inLine:
			if out.better(v) {
				out, n.outOfRange = v, t
			}
		case !o.mature(t):
			if pend.better(v) {
				pend, n.pending = v, t
			}
		default:
			if in.better(v) {
				in, n.inRange = v, t
			}
		}
	}
	if n.pending != "" && n.inRange != "" && pend.compare(in) <= 0 {
		n.pending = ""
	}
	if n.pre != "" && n.inRange != "" && pre.compare(in) <= 0 {
		n.pre = ""
	}
	if n.outOfRange != "" {
		n.outMsg = n.outOfRange + " exists, outside what " + b.Ref.Familiar() + " follows (" + string(dec.Tracking) + " updates); not offered"
	}
	if n.pre != "" {
		n.preMsg = n.pre + " is a newer prerelease; opt in to prereleases to be offered it"
	}
	return n
}

// sameShape reports whether c is a candidate for a deployment on cur: a
// version tag with the same prefix, variant and precision.
func sameShape(cur, c tagging.Class) bool {
	return c.Precision == cur.Precision && c.Prefix == cur.Prefix && c.Variant == cur.Variant &&
		(c.Form == tagging.FormSemver || c.Form == tagging.FormMajorMinor || c.Form == tagging.FormMajor)
}

// short abbreviates a digest to its algorithm and 12 hex digits. It never
// panics, whatever the string holds.
func short(d digest.Digest) string {
	s := string(d)
	if i := strings.IndexByte(s, ':'); i >= 0 && len(s) > i+1+12 {
		return s[:i+1+12]
	}
	return s
}

// checkDigests returns a message naming the first digest of b or o that is
// set but not a valid digest, or "" when all are valid.
func checkDigests(b Build, o Observation) string {
	for _, d := range []struct {
		name string
		d    digest.Digest
	}{
		{"build digest", b.Digest}, {"build platform digest", b.PlatformDigest},
		{"observed digest", o.Digest}, {"observed platform digest", o.PlatformDigest},
	} {
		if d.d == "" {
			continue
		}
		if err := d.d.Validate(); err != nil {
			return fmt.Sprintf("the %s %q is not a valid digest: %v", d.name, string(d.d), err)
		}
	}
	return ""
}
