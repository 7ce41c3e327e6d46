package tagging

import (
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/reference"
)

// Tag is one tag of a Set with what is known about it.
type Tag struct {
	// Name is the tag, "2.4.1".
	Name string `json:"name"`
	// Class says what the tag is. Derive fills it from the rule that
	// emitted the tag, so a branch tag is a Channel of FormBranch even
	// though Classify cannot tell a branch name from any other word.
	Class Class `json:"-"`
	// Kind and Form repeat Class.Kind and Class.Form for encoders.
	Kind Kind `json:"kind"`
	Form Form `json:"form"`
	// Rule is the rule that emitted the tag, as Rule.String shows it, or
	// "latest" and "channels" for the tags the scheme adds itself.
	Rule string `json:"rule"`
	// Why says in one line why the tag was emitted.
	Why string `json:"why"`
	// Priority is the ordering key: higher first.
	Priority int `json:"priority"`
}

// Skip records a tag a rule chose not to emit, and why: a rolling tag not
// moved because a newer release of its line exists, a prerelease that gets
// no major tag, a major-zero line, a branch whose name is reserved, a rule
// that does not apply to a pull-request build. It also records a build
// fact that no rule of the scheme used (Fact is set, Rule is empty).
type Skip struct {
	Rule   string `json:"rule,omitempty"` // the rule, as Rule.String shows it, or "latest" or "channels"
	Fact   string `json:"fact,omitempty"` // the unused fact: "version", "commit", "branch", "pr" or "buildID"
	Tag    string `json:"tag,omitempty"`  // the tag it did not emit, when known
	Reason string `json:"reason"`         // why not
}

// Set is the result of Derive: the ordered tags of one image and its OCI
// labels and annotations. A Set never holds a tag twice, and every tag is
// valid by the distribution grammar.
type Set struct {
	// Tags are ordered most specific first (see Derive).
	Tags []Tag `json:"tags"`
	// Version is the first tag, like metadata-action's version output, or
	// empty when there is no tag.
	Version string `json:"version"`
	// Labels are the org.opencontainers.image.* labels (and extra labels).
	Labels map[string]string `json:"labels"`
	// Annotations hold the same keys and values as Labels, for OCI
	// manifest annotations.
	Annotations map[string]string `json:"annotations"`
	// Skipped lists what rules decided not to emit, and why, and the
	// facts that no rule used.
	Skipped []Skip `json:"skipped,omitempty"`
}

// Names returns the tag names in order, a new slice.
func (s Set) Names() []string {
	out := make([]string, len(s.Tags))
	for i, t := range s.Tags {
		out[i] = t.Name
	}
	return out
}

// Has reports whether the set holds tag.
func (s Set) Has(tag string) bool {
	for _, t := range s.Tags {
		if t.Name == tag {
			return true
		}
	}
	return false
}

// Lookup returns the Tag named tag.
func (s Set) Lookup(tag string) (Tag, bool) {
	for _, t := range s.Tags {
		if t.Name == tag {
			return t, true
		}
	}
	return Tag{}, false
}

// ByForm returns the first tag of the set with form f, which is the
// highest-priority one: ByForm(FormSemver) is the full version tag,
// ByForm(FormSHA) the commit tag, ByForm(FormLatest) the latest tag. A
// branch tag has FormBranch, a pull-request tag FormPR.
func (s Set) ByForm(f Form) (Tag, bool) {
	for _, t := range s.Tags {
		if t.Form == f {
			return t, true
		}
	}
	return Tag{}, false
}

// KeyValue is one label or annotation.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SortedLabels returns the labels sorted by key, a new slice, for output
// that must not change from run to run (maps have no order).
func (s Set) SortedLabels() []KeyValue { return sortedPairs(s.Labels) }

// SortedAnnotations returns the annotations sorted by key, a new slice.
func (s Set) SortedAnnotations() []KeyValue { return sortedPairs(s.Annotations) }

func sortedPairs(m map[string]string) []KeyValue {
	out := make([]KeyValue, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, KeyValue{Key: k, Value: m[k]})
	}
	return out
}

// Default priorities of the rule types; higher comes first.
const (
	prioSemver3    = 930
	prioSemver2    = 920
	prioSemver1    = 910
	prioPrerelease = 850
	prioSHA        = 800
	prioBranchSHA  = 790
	prioBuildID    = 780
	prioDate       = 770
	prioPR         = 700
	prioBranch     = 690
	prioRaw        = 600
	prioChannel    = 500
	prioEdge       = 490
	prioLatest     = 100
)

// Derive applies scheme to the build facts and returns the tag set.
//
// Order: tags are sorted by priority, higher first, keeping rule order for
// equal priorities; a tag emitted twice is kept once, at its first place.
// The default priorities put the most specific tag first: full version
// (930), major.minor (920), major (910), prerelease channel (850), commit
// (800), branch-commit (790), build id (780), date (770), pull request
// (700), branch (690), raw (600), channel (500), edge (490), latest (100).
// Rule.Priority overrides them.
//
// Release lines: a major.minor tag is emitted only when the version is the
// newest patch of its minor among Facts.ExistingTags, a major tag only
// when it is the newest of its major, and latest (in LatestAuto mode) only
// when it is the newest stable release overall; so a 1.9.1 hotfix
// published after 2.0.1 moves "1.9" and "1" but not "2" or "latest". Only
// stable full-version tags with the same prefix count ("v2.0.1" and
// "2.0.1-alpine" both count as 2.0.1). Without existing tags Derive
// assumes the version is the newest, which is right for the usual release
// from the tip of the default branch; pass the repository's tags when
// publishing hotfixes of older lines.
//
// Prereleases get their full version tags only (patterns with {{version}}
// or {{raw}}), plus the prerelease rule's channel; never major.minor,
// major or latest. Build metadata ("+build.5") cannot be part of a tag
// ('+' is not allowed): it is left out of every tag and kept in the
// org.opencontainers.image.version label.
//
// Latest: by default (LatestAuto) latest goes only to a stable release
// that is the newest among the existing tags; a build without a version
// (a branch push, a schedule) never takes it. An edge rule gives the
// default branch a moving tag of its own; Flavor.Latest LatestAlways adds
// latest to every set but a pull request's.
//
// Pull requests: a build with Facts.PR is tagged only as itself: its pull
// request, commit, build id. Semver, prerelease, branch, branch-sha, edge,
// date, raw and channel rules, Facts.Channels and latest are skipped with
// the reason, whatever the head branch is called, so a pull request from
// a fork's main never takes main, edge or latest.
//
// Reserved names: every tag is read back with the scheme's Classifier,
// and a tag that means something only another rule may emit is not
// emitted by a rule that does not own that meaning. Latest, its aliases
// and bare flavor tags belong to the latest setting; version-shaped tags
// ("2.4", "v1", "1.2.3", and "app-2.4" when the semver rules prefix their
// tags with "app-") to semver rules;
// commit tags ("a3f2c8d", "fix-a3f2c8d") to sha and branch-sha rules, and
// digest shapes ("sha256-…") to none; pull-request tags to the pr rule;
// channel words of the Classifier ("staging", "production") and the
// values of the scheme's channel and edge rules to channel, edge and
// prerelease rules and Facts.Channels. A branch may still be tagged with
// a channel word that names a branch by convention (main, master,
// develop, development, dev, next, trunk). A branch (which comes from the
// CI, not from the user) or build id with a reserved name is skipped
// with the reason; a value the user gave (a raw, channel or edge value,
// Facts.Channels, Facts.Variant, a prefix or layout that makes one) is
// refused with an error matching ErrReservedTag.
//
// Unused facts: a Version, Commit, Branch, PR or BuildID that no enabled
// rule of the scheme reads is listed in Set.Skipped with its Fact, so no
// fact is dropped without a word. Time, DefaultBranch, ExistingTags and
// Metadata are context for the labels and the decisions and are not
// listed.
//
// Errors: a fact that is malformed (a version that is not semver, a commit
// that is not hex) or a rule whose output cannot be made into a valid tag
// gives an *Error naming the rule and the input. Derive never returns an
// invalid tag.
func Derive(f Facts, s Scheme) (Set, error) {
	d := deriver{f: f, s: s, tags: make([]Tag, 0, len(s.Rules)+len(f.Channels)+1)}
	d.text.Grow(512)
	if err := d.prepare(); err != nil {
		return Set{}, err
	}
	for _, r := range s.Rules {
		if r.Disabled {
			continue
		}
		if err := d.rule(r); err != nil {
			return Set{}, err
		}
	}
	for _, c := range f.Channels {
		if d.f.PR > 0 {
			d.skipped = append(d.skipped, Skip{Rule: "channels", Reason: d.cat("channel ", d.quoted(c), ": ", d.prReason())})
			continue
		}
		if _, err := d.emitSanitized(Rule{Type: RuleChannel}, "channels", c, prioChannel, Channel, FormChannel, whyChannel, "channel from the build facts"); err != nil {
			return Set{}, err
		}
	}
	if err := d.latest(); err != nil {
		return Set{}, err
	}
	d.unusedFacts()
	// Insertion sort: stable, and the tags arrive nearly in order.
	tags := d.tags
	for i := 1; i < len(tags); i++ {
		for j := i; j > 0 && tags[j].Priority > tags[j-1].Priority; j-- {
			tags[j], tags[j-1] = tags[j-1], tags[j]
		}
	}
	out := tags[:0]
next:
	for i := range tags {
		for j := range out {
			if out[j].Name == tags[i].Name {
				continue next
			}
		}
		out = append(out, tags[i])
	}
	// A tag one rule skipped and another emitted is in the set: the skip
	// would contradict it. (A branch "uat" next to a channel rule "uat".)
	skipped := d.skipped[:0]
	for _, sk := range d.skipped {
		if sk.Tag == "" || !hasName(out, sk.Tag) {
			skipped = append(skipped, sk)
		}
	}
	set := Set{Tags: out, Skipped: skipped}
	if len(out) > 0 {
		set.Version = out[0].Name
	}
	labels, err := d.labels(set.Version)
	if err != nil {
		return Set{}, err
	}
	set.Labels = labels
	set.Annotations = maps.Clone(labels)
	return set, nil
}

func hasName(tags []Tag, name string) bool {
	for i := range tags {
		if tags[i].Name == name {
			return true
		}
	}
	return false
}

type deriver struct {
	f       Facts
	s       Scheme
	tags    []Tag
	skipped []Skip

	variant string // sanitized variant, without "-"
	branch  string // branch without refs/heads/
	commit  string // lower-case commit

	ver      *semver.Version // parsed release version, or nil
	verStr   string          // the version, M.m.p[-pre][+meta]
	verTag   string          // verStr without build metadata
	raw      string          // version as given after VersionPrefix, without build metadata
	existing [][3]uint64     // stable versions among the existing tags
	linePfx  string          // versionLinePrefix, computed once
	cut      bool            // the value being emitted was cut and given a hash suffix

	// text holds the strings Derive builds (rule names, reasons, wrapped
	// tags) end to end: each is a slice of one buffer instead of an
	// allocation of its own. A strings.Builder never changes bytes it has
	// handed out, so the slices stay valid as it grows.
	text    strings.Builder
	scratch [64]byte
}

// cat returns the concatenation of parts, built in d.text. A single
// non-empty part is returned as it is.
func (d *deriver) cat(parts ...string) string {
	n, last := 0, ""
	for _, p := range parts {
		if p != "" {
			n++
			last = p
		}
	}
	if n <= 1 {
		return last
	}
	start := d.text.Len()
	for _, p := range parts {
		d.text.WriteString(p)
	}
	return d.text.String()[start:]
}

// quoted returns strconv.Quote(v), built in d.text.
func (d *deriver) quoted(v string) string {
	start := d.text.Len()
	d.text.Write(strconv.AppendQuote(d.scratch[:0], v))
	return d.text.String()[start:]
}

// ruleName returns r.String(), built in d.text.
func (d *deriver) ruleName(r Rule) string {
	if n, ok := r.commonName(); ok {
		return n
	}
	start := d.text.Len()
	r.writeName(&d.text)
	return d.text.String()[start:]
}

func (d *deriver) prepare() error {
	f := &d.f
	if f.Variant != "" {
		v, err := Sanitizer{Lowercase: d.s.Lowercase}.Sanitize(f.Variant)
		if err != nil {
			return &Error{Rule: "variant", Input: f.Variant, Reason: "cannot be a tag suffix", Err: ErrInvalidInput, Cause: err}
		}
		d.variant = v
		// The variant's bare tag floats like latest for the variant: a
		// variant that reads as anything else would take over that name.
		if c := d.s.Classifier.Classify(v); c.Kind != Unknown && c.Form != FormFlavor {
			return &Error{Rule: "variant", Input: f.Variant, Reason: "gives the bare tag " + strconv.Quote(v) + ", which reads as " + c.Kind.String() +
				" (" + c.Reason + "); a variant is a name such as alpine, slim or gpu", Err: ErrReservedTag}
		}
	}
	d.branch = strings.TrimPrefix(f.Branch, "refs/heads/")
	if f.Commit != "" {
		if n := len(f.Commit); n < 4 || n > 64 || !isHexString(f.Commit) {
			return &Error{Rule: "commit", Input: f.Commit, Reason: "is not a git commit (4 to 64 hex digits)", Err: ErrInvalidInput}
		}
		d.commit = strings.ToLower(f.Commit)
	}
	if f.PR < 0 {
		return &Error{Rule: "pr", Input: strconv.Itoa(f.PR), Reason: "is not a pull-request number (want 1 or more, or 0 for none)", Err: ErrInvalidInput}
	}
	if f.Version != "" {
		if err := d.parseVersion(); err != nil {
			return err
		}
	}
	d.linePfx = d.versionLinePrefix()
	for _, t := range f.ExistingTags {
		c := d.s.Classifier.Classify(t)
		if c.Form == FormSemver && c.Precision == 3 && c.Prerelease == "" && linePrefix(c.Prefix) == d.linePfx {
			d.existing = append(d.existing, [3]uint64{c.major, c.minor, c.patch})
		}
	}
	return nil
}

// versionLinePrefix is the prefix, without a trailing "v", in front of the
// full-version tags of this scheme: existing tags with another prefix
// belong to another line (another app of a monorepo).
func (d *deriver) versionLinePrefix() string {
	p := d.s.Flavor.Prefix
	for _, r := range d.s.Rules {
		if r.Type == RuleSemver && !r.Disabled {
			lit := r.Pattern
			if i := strings.Index(lit, "{{"); i >= 0 {
				lit = lit[:i]
			}
			p += r.Prefix + lit
			break
		}
	}
	return linePrefix(p)
}

func linePrefix(p string) string {
	if n := len(p); n > 0 && (p[n-1] == 'v' || p[n-1] == 'V') {
		return p[:n-1]
	}
	return p
}

func (d *deriver) parseVersion() error {
	in := d.f.Version
	s := in
	if d.s.VersionPrefix != "" {
		if !strings.HasPrefix(s, d.s.VersionPrefix) {
			return &Error{Rule: "version", Input: in, Reason: "does not start with the scheme's VersionPrefix " + strconv.Quote(d.s.VersionPrefix), Err: ErrInvalidVersion}
		}
		s = s[len(d.s.VersionPrefix):]
	}
	d.raw = s
	if i := strings.IndexByte(s, '+'); i >= 0 {
		d.raw = s[:i]
	}
	core := strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	end := strings.IndexAny(core, "-+")
	if end < 0 {
		end = len(core)
	}
	switch strings.Count(core[:end], ".") {
	case 0:
		core = core[:end] + ".0.0" + core[end:]
	case 1:
		core = core[:end] + ".0" + core[end:]
	}
	v, err := semver.StrictNewVersion(core)
	if err != nil {
		return &Error{Rule: "version", Input: in, Reason: "is not a semantic version (want [v]MAJOR[.MINOR[.PATCH]][-prerelease][+build])", Err: ErrInvalidVersion, Cause: err}
	}
	d.ver = v
	// core is exactly what StrictNewVersion accepted: M.m.p[-pre][+meta].
	d.verStr = core
	d.verTag = core
	if i := strings.IndexByte(core, '+'); i >= 0 {
		d.verTag = core[:i]
	}
	return nil
}

func (d *deriver) rule(r Rule) error {
	if r.Length != 0 && r.Length < 4 {
		return &Error{Rule: r.String(), Input: strconv.Itoa(r.Length), Reason: "is not a commit length (want 4 or more, 0 for 7)", Err: ErrInvalidScheme}
	}
	switch r.Type {
	case RuleSemver:
		return d.semverRule(r)
	case RulePrerelease:
		if d.ver == nil || d.ver.Prerelease() == "" || d.prSkip(r) {
			return nil
		}
		label := d.ver.Prerelease()
		if i := strings.IndexAny(label, ".-"); i >= 0 {
			label = label[:i]
		}
		label = strings.TrimRight(label, "0123456789")
		if label == "" {
			d.skip(r, "", "prerelease "+strconv.Quote(d.ver.Prerelease())+" has no label to make a channel of")
			return nil
		}
		_, err := d.emit(r, label, pick(r.Priority, prioPrerelease), Channel, FormChannel, whyChannel,
			"rolling channel of "+label+" prereleases")
		return err
	case RuleSHA:
		if d.commit == "" {
			return nil
		}
		return d.shaRule(r)
	case RuleBranch:
		if d.branch == "" || d.prSkip(r) {
			return nil
		}
		_, err := d.emitSanitized(r, d.ruleName(r), d.branch, pick(r.Priority, prioBranch), Channel, FormBranch, "branch, moves with each push", "the branch of the build")
		return err
	case RuleBranchSHA:
		if d.branch == "" || d.commit == "" || d.prSkip(r) {
			return nil
		}
		sha := d.shortSHA(r)
		r2 := r
		r2.Suffix = d.cat("-", sha, r.Suffix)
		c, err := d.emitSanitized(r2, d.ruleName(r), d.branch, pick(r.Priority, prioBranchSHA), Immutable, FormSHA, whySHA, "the commit and branch of the build")
		if c != nil {
			c.Commit = sha
		}
		return err
	case RulePR:
		if d.f.PR == 0 {
			return nil
		}
		if r.Prefix == "" {
			r.Prefix = "pr-"
		}
		_, err := d.emit(r, strconv.Itoa(d.f.PR), pick(r.Priority, prioPR), Channel, FormPR, whyPR, "the pull request of the build")
		return err
	case RuleBuildID:
		if d.f.BuildID == "" {
			return nil
		}
		if r.Prefix == "" {
			r.Prefix = "build-"
		}
		c, err := d.emitSanitized(r, d.ruleName(r), d.f.BuildID, pick(r.Priority, prioBuildID), Immutable, FormBuildID, whyBuild, "the CI build id of the build")
		if c != nil {
			c.BuildID = d.f.BuildID
		}
		return err
	case RuleDate:
		if d.f.Time.IsZero() || d.prSkip(r) {
			return nil
		}
		layout := r.Pattern
		if layout == "" {
			layout = "20060102"
		}
		_, err := d.emitSanitized(r, d.ruleName(r), d.f.Time.UTC().Format(layout), pick(r.Priority, prioDate), Immutable, FormDate, whyDate, "date of the build time")
		return err
	case RuleRaw:
		if r.Value == "" {
			return &Error{Rule: r.String(), Input: "", Reason: "raw rule needs a Value", Err: ErrInvalidScheme}
		}
		if d.prSkip(r) {
			return nil
		}
		_, err := d.emitSanitized(r, d.ruleName(r), r.Value, pick(r.Priority, prioRaw), 0, 0, "", "raw value")
		return err
	case RuleChannel:
		if r.Value == "" {
			return &Error{Rule: r.String(), Input: "", Reason: "channel rule needs a Value", Err: ErrInvalidScheme}
		}
		if d.prSkip(r) {
			return nil
		}
		_, err := d.emitSanitized(r, d.ruleName(r), r.Value, pick(r.Priority, prioChannel), Channel, FormChannel, whyChannel, "a channel of the scheme")
		return err
	case RuleEdge:
		if d.branch == "" || d.prSkip(r) || d.branch != strings.TrimPrefix(d.f.DefaultBranch, "refs/heads/") {
			return nil
		}
		_, err := d.emitSanitized(r, d.ruleName(r), edgeValue(r), pick(r.Priority, prioEdge), Channel, FormChannel, whyChannel, "a build of the default branch")
		return err
	default:
		return &Error{Rule: "rule", Input: string(r.Type), Reason: "is not a rule type (want semver, prerelease, sha, branch, branch-sha, pr, build-id, date, raw, channel or edge)", Err: ErrInvalidScheme}
	}
}

func edgeValue(r Rule) string {
	if r.Value == "" {
		return "edge"
	}
	return r.Value
}

// prSkip records and reports that rule r does not apply because the build
// is a pull request.
func (d *deriver) prSkip(r Rule) bool {
	if d.f.PR <= 0 {
		return false
	}
	d.skip(r, "", d.prReason())
	return true
}

func (d *deriver) prReason() string {
	return "pull request " + strconv.Itoa(d.f.PR) + " is tagged only as itself (pr, sha, build-id rules)"
}

func pick(p, def int) int {
	if p != 0 {
		return p
	}
	return def
}

func (d *deriver) shortSHA(r Rule) string {
	n := r.Length
	if n == 0 {
		n = 7
	}
	if n > len(d.commit) {
		n = len(d.commit)
	}
	return d.commit[:n]
}

func (d *deriver) shaRule(r Rule) error {
	sha := d.shortSHA(r)
	if r.Prefix == "" && d.s.Flavor.Prefix == "" && !strings.ContainsAny(sha, "abcdef") {
		// All digits would read as a version ("1234567" as major 1234567):
		// take more of the commit, as git does to keep abbreviations apart.
		i := strings.IndexAny(d.commit, "abcdef")
		if i < 0 {
			return &Error{Rule: r.String(), Input: d.commit, Reason: "is all digits, so a bare commit tag would read as a version; give the rule a Prefix such as sha-", Err: ErrInvalidInput}
		}
		sha = d.commit[:max(len(sha), i+1)]
	}
	c, err := d.emit(r, sha, pick(r.Priority, prioSHA), Immutable, FormSHA, whySHA, "the commit of the build")
	if c != nil {
		c.Commit = sha
	}
	return err
}

// semverRule expands one semver pattern.
func (d *deriver) semverRule(r Rule) error {
	prec, usesFull, err := patternPrecision(r)
	if err != nil {
		return err
	}
	if d.ver == nil {
		return nil
	}
	v := d.ver
	if d.prSkip(r) {
		return nil
	}
	if prec == 3 && usesRawOnly(r.Pattern) {
		// {{raw}} is as precise as the version was written: "v1.6"
		// names a minor line, not one release.
		prec = rawPrecision(d.raw)
		usesFull = prec == 3
	}
	pre := v.Prerelease() != ""
	if pre && !usesFull {
		d.skip(r, "", d.verStr+" is a prerelease: only full-version tags, never a release line")
		return nil
	}
	if prec == 1 && v.Major() == 0 && !r.MajorZero {
		d.skip(r, "0", "major version zero gets no major tag (set MajorZero to allow it)")
		return nil
	}
	tag := expand(r.Pattern, v, d.raw, d.verTag)
	why := "the version of the build"
	kind, form, reason := Immutable, FormSemver, whySemver
	if pre {
		reason = whyPre
	}
	switch prec {
	case 2:
		kind, form, reason = ReleaseLine, FormMajorMinor, whyMinor
		line := d.verTag[:strings.IndexByte(d.verTag, '.')+1+len(strconv.FormatUint(v.Minor(), 10))]
		if newer, ok := d.newer(func(e [3]uint64) bool { return e[0] == v.Major() && e[1] == v.Minor() && e[2] > v.Patch() }); ok {
			d.skip(r, d.wrap(r, tag), "line "+line+" not moved: "+newer+" is newer")
			return nil
		}
		why = d.newestWhy("patch of ", line)
	case 1:
		kind, form, reason = ReleaseLine, FormMajor, whyMajor
		line := d.verTag[:strings.IndexByte(d.verTag, '.')]
		if newer, ok := d.newer(func(e [3]uint64) bool {
			return e[0] == v.Major() && (e[1] > v.Minor() || e[1] == v.Minor() && e[2] > v.Patch())
		}); ok {
			d.skip(r, d.wrap(r, tag), "line "+line+" not moved: "+newer+" is newer")
			return nil
		}
		why = d.newestWhy("release of major ", line)
	}
	c, err := d.emit(r, tag, pick(r.Priority, 900+10*prec), kind, form, reason, why)
	if c == nil {
		return err
	}
	c.major, c.minor, c.patch, c.Precision = v.Major(), v.Minor(), v.Patch(), prec
	if prec == 3 {
		c.Prerelease = v.Prerelease()
	}
	return nil
}

func (d *deriver) newestWhy(what, line string) string {
	if len(d.f.ExistingTags) == 0 {
		return d.cat(d.verStr, " is assumed the newest ", what, line, " (no existing tags given)")
	}
	return d.cat(d.verStr, " is the newest ", what, line, " among the existing tags")
}

// newer returns the first existing stable version matching f.
func (d *deriver) newer(f func([3]uint64) bool) (string, bool) {
	for _, e := range d.existing {
		if f(e) {
			return strconv.FormatUint(e[0], 10) + "." + strconv.FormatUint(e[1], 10) + "." + strconv.FormatUint(e[2], 10), true
		}
	}
	return "", false
}

// usesRawOnly reports whether a semver pattern's only full-precision
// placeholder is {{raw}}.
func usesRawOnly(pattern string) bool {
	return strings.Contains(pattern, "{{raw}}") && !strings.Contains(pattern, "{{version}}") && !strings.Contains(pattern, "{{patch}}")
}

// rawPrecision counts the numeric parts of a version as written: 2 for
// "v1.6", 3 for "1.6.0-rc.1".
func rawPrecision(raw string) int {
	core := strings.TrimLeft(raw, "vV")
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core = core[:i]
	}
	return min(strings.Count(core, ".")+1, 3)
}

// patternPrecision checks a semver pattern and returns how precise it is
// and whether it spells the full version (with any prerelease).
func patternPrecision(r Rule) (prec int, full bool, err error) {
	p := r.Pattern
	if p == "" {
		return 0, false, &Error{Rule: r.String(), Input: "", Reason: "semver rule needs a Pattern such as {{version}}", Err: ErrInvalidScheme}
	}
	for {
		i := strings.Index(p, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(p[i:], "}}")
		if j < 0 {
			return 0, false, &Error{Rule: r.String(), Input: r.Pattern, Reason: "has an unclosed {{", Err: ErrInvalidScheme}
		}
		switch strings.TrimSpace(p[i+2 : i+j]) {
		case "version", "raw":
			prec, full = 3, true
		case "patch":
			prec = 3
		case "minor":
			prec = max(prec, 2)
		case "major":
			prec = max(prec, 1)
		case "prerelease":
		default:
			return 0, false, &Error{Rule: r.String(), Input: r.Pattern,
				Reason: "uses " + p[i:i+j+2] + " (want {{version}}, {{raw}}, {{major}}, {{minor}}, {{patch}} or {{prerelease}})", Err: ErrInvalidScheme}
		}
		p = p[i+j+2:]
	}
	if prec == 0 {
		return 0, false, &Error{Rule: r.String(), Input: r.Pattern, Reason: "has no version placeholder", Err: ErrInvalidScheme}
	}
	return prec, full, nil
}

func expand(p string, v *semver.Version, raw, version string) string {
	// The usual patterns are prefixes of the version: no need to build them.
	switch p {
	case "{{version}}":
		return version
	case "{{major}}.{{minor}}":
		i := strings.IndexByte(version, '.')
		if j := strings.IndexByte(version[i+1:], '.'); i > 0 && j > 0 {
			return version[:i+1+j]
		}
	case "{{major}}":
		if i := strings.IndexByte(version, '.'); i > 0 {
			return version[:i]
		}
	}
	var b strings.Builder
	for {
		i := strings.Index(p, "{{")
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i])
		j := strings.Index(p[i:], "}}")
		switch strings.TrimSpace(p[i+2 : i+j]) {
		case "version":
			b.WriteString(version)
		case "raw":
			b.WriteString(raw)
		case "major":
			b.WriteString(strconv.FormatUint(v.Major(), 10))
		case "minor":
			b.WriteString(strconv.FormatUint(v.Minor(), 10))
		case "patch":
			b.WriteString(strconv.FormatUint(v.Patch(), 10))
		case "prerelease":
			b.WriteString(v.Prerelease())
		}
		p = p[i+j+2:]
	}
}

func (d *deriver) skip(r Rule, tag, reason string) {
	d.skipped = append(d.skipped, Skip{Rule: d.ruleName(r), Tag: tag, Reason: reason})
}

// wrap composes flavor and rule prefixes and suffixes and the variant
// around body.
func (d *deriver) wrap(r Rule, body string) string {
	dash := ""
	if d.variant != "" {
		dash = "-"
	}
	return d.cat(d.s.Flavor.Prefix, r.Prefix, body, r.Suffix, d.s.Flavor.Suffix, dash, d.variant)
}

// emitSanitized sanitizes value to fit the room the prefixes and suffixes
// leave, then emits it.
func (d *deriver) emitSanitized(r Rule, name, value string, prio int, kind Kind, form Form, reason, why string) (*Class, error) {
	room := maxTagLen - len(d.s.Flavor.Prefix) - len(r.Prefix) - len(r.Suffix) - len(d.s.Flavor.Suffix)
	if d.variant != "" {
		room -= 1 + len(d.variant)
	}
	if room < hashSuffixLen+2 {
		return nil, &Error{Rule: name, Input: value, Reason: "prefixes, suffixes and variant leave only " + strconv.Itoa(room) + " bytes of the 128-byte tag", Err: ErrInvalidTag}
	}
	body, cut, err := Sanitizer{Lowercase: d.s.Lowercase, MaxLength: room}.sanitize(value)
	if err != nil {
		return nil, &Error{Rule: name, Input: value, Reason: "cannot be made into a tag", Err: ErrInvalidTag, Cause: err}
	}
	d.cut = cut
	c, err := d.emitNamed(r, name, value, body, prio, kind, form, reason, why)
	d.cut = false
	return c, err
}

func (d *deriver) emit(r Rule, body string, prio int, kind Kind, form Form, reason, why string) (*Class, error) {
	return d.emitNamed(r, d.ruleName(r), body, body, prio, kind, form, reason, why)
}

// emitNamed wraps body, checks the result and appends the tag; it returns
// the new tag's Class, or nil when the tag is reserved for another rule
// and was skipped. A zero kind means "as the classifier reads it" (raw
// values). input is the value the body was made from, for messages.
func (d *deriver) emitNamed(r Rule, name, input, body string, prio int, kind Kind, form Form, reason, why string) (*Class, error) {
	tag := d.wrap(r, body)
	if err := checkTag(name, input, tag); err != nil {
		return nil, err
	}
	read := d.s.Classifier.Classify(tag)
	if clash := d.reserved(r, tag, read); clash != "" {
		if r.Type == RuleBranch || r.Type == RuleBranchSHA || r.Type == RuleBuildID {
			// The value comes from the CI, not from the user: skip it and
			// say why, the rest of the set is still right.
			d.skipped = append(d.skipped, Skip{Rule: name, Tag: tag, Reason: d.cat(d.quoted(input), " gives a tag that ", clash)})
			return nil, nil
		}
		return nil, &Error{Rule: name, Input: input, Reason: "gives the tag " + strconv.Quote(tag) + ", which " + clash, Err: ErrReservedTag}
	}
	c := read
	if reason != "" {
		c = Class{Tag: tag, Kind: kind, Form: form, Reason: reason, Prefix: d.s.Flavor.Prefix + r.Prefix}
		if r.Type == RuleSemver {
			if i := strings.Index(r.Pattern, "{{"); i > 0 {
				c.Prefix += r.Pattern[:i]
			}
		}
	}
	c.Variant = d.variant
	d.tags = append(d.tags, Tag{Name: tag, Class: c, Kind: c.Kind, Form: c.Form, Rule: name, Why: why, Priority: prio})
	return &d.tags[len(d.tags)-1].Class, nil
}

// branchChannels are channel words that name a branch by convention: a
// branch rule may emit them, they mean the head of that branch.
var branchChannels = [...]string{"main", "master", "develop", "development", "dev", "next", "trunk"}

// reserved says why tag, as the classifier reads it (c), may not come
// from rule r, or returns "" when r may emit it. See Derive.
func (d *deriver) reserved(r Rule, tag string, c Class) string {
	t := r.Type
	switch {
	case c.Kind == Latest && c.Form == FormFlavor:
		return "reads as the latest of variant " + strconv.Quote(c.Variant) + ": only the latest setting (Flavor.Latest) adds it"
	case c.Kind == Latest:
		return "reads as latest: only the latest setting (Flavor.Latest) adds it"
	case isDigestShape(tag):
		return "has the shape of a digest or referrers tag (<algorithm>-<hex>): no rule emits one"
	case c.Precision > 0 && (linePrefix(c.Prefix) == "" || linePrefix(c.Prefix) == d.linePfx) && t != RuleSemver:
		// An unprefixed version ("2.4", "v1") or one with the scheme's
		// own version prefix: either would read as a release line.
		return "reads as a version (" + c.Form.String() + "): only semver rules emit one, it would take over a release line"
	case c.Form == FormSHA && t != RuleSHA && t != RuleBranchSHA && !d.cut:
		// (A cut value ends in Sanitize's hash suffix, 8 hex digits
		// that name no commit: the tag is still the branch.)
		return "reads as a git commit: only sha and branch-sha rules emit one"
	case c.Form == FormPR && t != RulePR:
		return "reads as a pull-request tag: only the pr rule emits one"
	case c.Form == FormChannel && c.Variant == d.variant && t != RuleChannel && t != RuleEdge && t != RulePrerelease:
		if t == RuleBranch && isBranchChannel(strings.TrimSuffix(strings.TrimSuffix(tag, c.Variant), "-")) {
			return ""
		}
		return "reads as a deployment channel: only channel, edge and prerelease rules emit one"
	}
	if t == RuleBranch && d.claimed(tag) {
		return "is a channel of this scheme or build: only its channel or edge rule emits it"
	}
	return ""
}

func isBranchChannel(w string) bool {
	for _, b := range branchChannels {
		if len(b) == len(w) && equalFold(b, w) {
			return true
		}
	}
	return false
}

// claimed reports whether tag is what a channel or edge rule of the scheme,
// or a channel of the facts, gives.
func (d *deriver) claimed(tag string) bool {
	is := func(r Rule, v string) bool {
		body, err := Sanitizer{Lowercase: d.s.Lowercase}.Sanitize(v)
		return err == nil && d.wrap(r, body) == tag
	}
	for _, r := range d.s.Rules {
		switch {
		case r.Disabled:
		case r.Type == RuleChannel && r.Value != "" && is(r, r.Value):
			return true
		case r.Type == RuleEdge && is(r, edgeValue(r)):
			return true
		}
	}
	for _, c := range d.f.Channels {
		if is(Rule{Type: RuleChannel}, c) {
			return true
		}
	}
	return false
}

// isDigestShape reports whether t starts like a digest written as a tag:
// "sha256", "sha384" or "sha512", a separator, and a hex run of at least
// four digits that ends the tag or a "-" segment.
func isDigestShape(t string) bool {
	if len(t) < 11 || t[:3] != "sha" {
		return false
	}
	switch t[3:6] {
	case "256", "384", "512":
	default:
		return false
	}
	if c := t[6]; c != '-' && c != '_' && c != '.' {
		return false
	}
	n := hexRun(t[7:])
	return n >= 4 && (7+n == len(t) || t[7+n] == '-')
}

// checkTag rejects a tag the distribution grammar rejects, and the OCI
// referrers fallback shape.
func checkTag(rule, input, tag string) error {
	if err := reference.ValidateTag(tag); err != nil {
		return &Error{Rule: rule, Input: input, Reason: "gives the tag " + strconv.Quote(tag) + ", which is not valid", Err: ErrInvalidTag, Cause: err}
	}
	if isReferrersTag(tag) {
		return &Error{Rule: rule, Input: input, Reason: "gives the tag " + strconv.Quote(tag) + ", which has the OCI referrers fallback shape <alg>-<hex>", Err: ErrInvalidTag}
	}
	return nil
}

// latest adds the latest tag (or the variant's bare tag) when the scheme's
// LatestMode says so.
func (d *deriver) latest() error {
	mode := d.s.Flavor.Latest
	name, form, reason := "latest", FormLatest, whyLatest
	if d.variant != "" {
		name, form, reason = d.variant, FormFlavor, whyFlavor
	}
	var why string
	switch mode {
	case LatestNever:
		return nil
	case LatestAlways:
		if d.f.PR > 0 {
			d.skipped = append(d.skipped, Skip{Rule: "latest", Tag: name, Reason: d.prReason()})
			return nil
		}
		why = "the scheme always adds latest"
	case LatestAuto:
		switch {
		case d.f.PR > 0:
			d.skipped = append(d.skipped, Skip{Rule: "latest", Tag: name, Reason: d.prReason()})
			return nil
		case d.ver == nil:
			d.skipped = append(d.skipped, Skip{Rule: "latest", Tag: name,
				Reason: "no release version: latest goes only to the newest stable release (an edge rule gives the default branch a moving tag)"})
			return nil
		case d.ver.Prerelease() != "":
			d.skipped = append(d.skipped, Skip{Rule: "latest", Tag: name, Reason: d.verStr + " is a prerelease"})
			return nil
		default:
			v := d.ver
			if newer, ok := d.newer(func(e [3]uint64) bool {
				return e[0] > v.Major() || e[0] == v.Major() && (e[1] > v.Minor() || e[1] == v.Minor() && e[2] > v.Patch())
			}); ok {
				d.skipped = append(d.skipped, Skip{Rule: "latest", Tag: name, Reason: "not moved: " + newer + " is newer"})
				return nil
			}
			why = d.newestWhy("stable release", "")
		}
	default:
		return &Error{Rule: "flavor", Input: string(mode), Reason: "is not a latest mode (want \"\" for auto, always or never)", Err: ErrInvalidScheme}
	}
	tag := name
	if d.s.Flavor.OnLatest {
		tag = d.s.Flavor.Prefix + name + d.s.Flavor.Suffix
	}
	if err := checkTag("latest", name, tag); err != nil {
		return err
	}
	c := Class{Tag: tag, Kind: Latest, Form: form, Reason: reason, Variant: d.variant}
	d.tags = append(d.tags, Tag{Name: tag, Class: c, Kind: Latest, Form: form, Rule: "latest", Why: why, Priority: prioLatest})
	return nil
}

// unusedFacts lists the facts that could make tags but that no enabled
// rule of the scheme reads.
func (d *deriver) unusedFacts() {
	var uses [5]bool // version, commit, branch, pr, build id
	for _, r := range d.s.Rules {
		if r.Disabled {
			continue
		}
		switch r.Type {
		case RuleSemver, RulePrerelease:
			uses[0] = true
		case RuleSHA:
			uses[1] = true
		case RuleBranchSHA:
			uses[1], uses[2] = true, true
		case RuleBranch, RuleEdge:
			uses[2] = true
		case RulePR:
			uses[3] = true
		case RuleBuildID:
			uses[4] = true
		}
	}
	unused := func(fact, value, rules, note string) {
		d.skipped = append(d.skipped, Skip{Fact: fact, Reason: d.cat(fact, " ", d.quoted(value), " is given but the scheme has no ", rules, " rule", note)})
	}
	if d.f.Version != "" && !uses[0] {
		unused("version", d.f.Version, "semver", " (it is in the version label only)")
	}
	if d.f.Commit != "" && !uses[1] {
		unused("commit", d.f.Commit, "sha or branch-sha", " (it is in the revision label only)")
	}
	if d.f.Branch != "" && !uses[2] {
		unused("branch", d.f.Branch, "branch, branch-sha or edge", "")
	}
	if d.f.PR > 0 && !uses[3] {
		unused("pr", strconv.Itoa(d.f.PR), "pr", "")
	}
	if d.f.BuildID != "" && !uses[4] {
		unused("buildID", d.f.BuildID, "build-id", "")
	}
}

// labels builds the org.opencontainers.image.* labels.
func (d *deriver) labels(first string) (map[string]string, error) {
	m := d.f.Metadata
	// Size the map exactly: a map sized for more than it holds costs
	// allocations for groups it never fills.
	n := len(m.Labels)
	for _, v := range [...]string{d.commit, first, m.Source, m.URL, m.Title, m.Description, m.Licenses, m.Authors,
		m.Vendor, m.Documentation, m.BaseName, m.BaseDigest} {
		if v != "" {
			n++
		}
	}
	if !d.f.Time.IsZero() {
		n++
	}
	if d.ver != nil && first == "" {
		n++
	}
	l := make(map[string]string, n)
	put := func(k, v string) {
		if v != "" {
			l[k] = v
		}
	}
	if !d.f.Time.IsZero() {
		start := d.text.Len()
		d.text.Write(d.f.Time.UTC().AppendFormat(d.scratch[:0], time.RFC3339))
		put(v1.AnnotationCreated, d.text.String()[start:])
	}
	put(v1.AnnotationRevision, d.commit)
	if d.ver != nil {
		put(v1.AnnotationVersion, d.verStr)
	} else {
		put(v1.AnnotationVersion, first)
	}
	put(v1.AnnotationRefName, first)
	put(v1.AnnotationSource, m.Source)
	put(v1.AnnotationURL, m.URL)
	put(v1.AnnotationTitle, m.Title)
	put(v1.AnnotationDescription, m.Description)
	put(v1.AnnotationLicenses, m.Licenses)
	put(v1.AnnotationAuthors, m.Authors)
	put(v1.AnnotationVendor, m.Vendor)
	put(v1.AnnotationDocumentation, m.Documentation)
	put(v1.AnnotationBaseImageName, m.BaseName)
	if m.BaseDigest != "" {
		if err := reference.ValidateDigest(m.BaseDigest); err != nil {
			return nil, &Error{Rule: "base digest", Input: m.BaseDigest, Reason: "is not a digest", Err: ErrInvalidInput, Cause: err}
		}
		put(v1.AnnotationBaseImageDigest, m.BaseDigest)
	}
	for k, v := range m.Labels {
		if k == "" || strings.ContainsAny(k, "=\n") {
			return nil, &Error{Rule: "labels", Input: k, Reason: "is not a label key (non-empty, no '=' or newline)", Err: ErrInvalidInput}
		}
		l[k] = v
	}
	return l, nil
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !isDigit(s[i]) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
