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
// no major tag, a major-zero line.
type Skip struct {
	Rule   string `json:"rule"`          // the rule, as Rule.String shows it, or "latest"
	Tag    string `json:"tag,omitempty"` // the tag it did not emit, when known
	Reason string `json:"reason"`        // why not
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
	// Skipped lists what rules decided not to emit, and why.
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
// Errors: a fact that is malformed (a version that is not semver, a commit
// that is not hex) or a rule whose output cannot be made into a valid tag
// gives an *Error naming the rule and the input. Derive never returns an
// invalid tag.
func Derive(f Facts, s Scheme) (Set, error) {
	d := deriver{f: f, s: s, tags: make([]Tag, 0, len(s.Rules)+len(f.Channels)+1)}
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
		if err := d.emitSanitized(Rule{Type: RuleChannel}, "channels", c, prioChannel, Channel, FormChannel, whyChannel, "channel from the build facts"); err != nil {
			return Set{}, err
		}
	}
	if err := d.latest(); err != nil {
		return Set{}, err
	}
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
	set := Set{Tags: out, Skipped: d.skipped}
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
}

func (d *deriver) prepare() error {
	f := &d.f
	if f.Variant != "" {
		v, err := Sanitizer{Lowercase: d.s.Lowercase}.Sanitize(f.Variant)
		if err != nil {
			return &Error{Rule: "variant", Input: f.Variant, Reason: "cannot be a tag suffix", Err: ErrInvalidInput, Cause: err}
		}
		d.variant = v
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
	for _, t := range f.ExistingTags {
		c := d.s.Classifier.Classify(t)
		if c.Form == FormSemver && c.Precision == 3 && c.Prerelease == "" && linePrefix(c.Prefix) == d.versionLinePrefix() {
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
		if d.ver == nil || d.ver.Prerelease() == "" {
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
		return d.emit(r, label, pick(r.Priority, prioPrerelease), Channel, FormChannel, whyChannel,
			"rolling channel of "+label+" prereleases")
	case RuleSHA:
		if d.commit == "" {
			return nil
		}
		return d.shaRule(r)
	case RuleBranch:
		if d.branch == "" {
			return nil
		}
		return d.emitSanitized(r, r.String(), d.branch, pick(r.Priority, prioBranch), Channel, FormBranch, "branch, moves with each push", "the branch of the build")
	case RuleBranchSHA:
		if d.branch == "" || d.commit == "" {
			return nil
		}
		sha := d.shortSHA(r)
		r2 := r
		r2.Suffix = "-" + sha + r.Suffix
		if err := d.emitSanitized(r2, r.String(), d.branch, pick(r.Priority, prioBranchSHA), Immutable, FormSHA, whySHA, "the commit and branch of the build"); err != nil {
			return err
		}
		d.tags[len(d.tags)-1].Class.Commit = sha
		return nil
	case RulePR:
		if d.f.PR == 0 {
			return nil
		}
		if r.Prefix == "" {
			r.Prefix = "pr-"
		}
		return d.emit(r, strconv.Itoa(d.f.PR), pick(r.Priority, prioPR), Channel, FormPR, whyPR, "the pull request of the build")
	case RuleBuildID:
		if d.f.BuildID == "" {
			return nil
		}
		if r.Prefix == "" {
			r.Prefix = "build-"
		}
		if err := d.emitSanitized(r, r.String(), d.f.BuildID, pick(r.Priority, prioBuildID), Immutable, FormBuildID, whyBuild, "the CI build id of the build"); err != nil {
			return err
		}
		d.tags[len(d.tags)-1].Class.BuildID = d.f.BuildID
		return nil
	case RuleDate:
		if d.f.Time.IsZero() {
			return nil
		}
		layout := r.Pattern
		if layout == "" {
			layout = "20060102"
		}
		return d.emitSanitized(r, r.String(), d.f.Time.UTC().Format(layout), pick(r.Priority, prioDate), Immutable, FormDate, whyDate, "date of the build time")
	case RuleRaw:
		if r.Value == "" {
			return &Error{Rule: r.String(), Input: "", Reason: "raw rule needs a Value", Err: ErrInvalidScheme}
		}
		return d.emitSanitized(r, r.String(), r.Value, pick(r.Priority, prioRaw), 0, 0, "", "raw value")
	case RuleChannel:
		if r.Value == "" {
			return &Error{Rule: r.String(), Input: "", Reason: "channel rule needs a Value", Err: ErrInvalidScheme}
		}
		return d.emitSanitized(r, r.String(), r.Value, pick(r.Priority, prioChannel), Channel, FormChannel, whyChannel, "a channel of the scheme")
	case RuleEdge:
		if d.branch == "" || d.branch != strings.TrimPrefix(d.f.DefaultBranch, "refs/heads/") {
			return nil
		}
		v := r.Value
		if v == "" {
			v = "edge"
		}
		return d.emitSanitized(r, r.String(), v, pick(r.Priority, prioEdge), Channel, FormChannel, whyChannel, "a build of the default branch")
	default:
		return &Error{Rule: "rule", Input: string(r.Type), Reason: "is not a rule type (want semver, prerelease, sha, branch, branch-sha, pr, build-id, date, raw, channel or edge)", Err: ErrInvalidScheme}
	}
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
	if err := d.emit(r, sha, pick(r.Priority, prioSHA), Immutable, FormSHA, whySHA, "the commit of the build"); err != nil {
		return err
	}
	d.tags[len(d.tags)-1].Class.Commit = sha
	return nil
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
	if err := d.emit(r, tag, pick(r.Priority, 900+10*prec), kind, form, reason, why); err != nil {
		return err
	}
	c := &d.tags[len(d.tags)-1].Class
	c.major, c.minor, c.patch, c.Precision = v.Major(), v.Minor(), v.Patch(), prec
	if prec == 3 {
		c.Prerelease = v.Prerelease()
	}
	return nil
}

func (d *deriver) newestWhy(what, line string) string {
	if len(d.f.ExistingTags) == 0 {
		return d.verStr + " is assumed the newest " + what + line + " (no existing tags given)"
	}
	return d.verStr + " is the newest " + what + line + " among the existing tags"
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
	if p == "{{version}}" {
		return version
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
	d.skipped = append(d.skipped, Skip{Rule: r.String(), Tag: tag, Reason: reason})
}

// wrap composes flavor and rule prefixes and suffixes and the variant
// around body.
func (d *deriver) wrap(r Rule, body string) string {
	t := d.s.Flavor.Prefix + r.Prefix + body + r.Suffix + d.s.Flavor.Suffix
	if d.variant != "" {
		t += "-" + d.variant
	}
	return t
}

// emitSanitized sanitizes value to fit the room the prefixes and suffixes
// leave, then emits it.
func (d *deriver) emitSanitized(r Rule, name, value string, prio int, kind Kind, form Form, reason, why string) error {
	room := maxTagLen - len(d.s.Flavor.Prefix) - len(r.Prefix) - len(r.Suffix) - len(d.s.Flavor.Suffix)
	if d.variant != "" {
		room -= 1 + len(d.variant)
	}
	if room < hashSuffixLen+2 {
		return &Error{Rule: name, Input: value, Reason: "prefixes, suffixes and variant leave only " + strconv.Itoa(room) + " bytes of the 128-byte tag", Err: ErrInvalidTag}
	}
	body, err := Sanitizer{Lowercase: d.s.Lowercase, MaxLength: room}.Sanitize(value)
	if err != nil {
		return &Error{Rule: name, Input: value, Reason: "cannot be made into a tag", Err: ErrInvalidTag, Cause: err}
	}
	return d.emitNamed(r, name, body, prio, kind, form, reason, why)
}

func (d *deriver) emit(r Rule, body string, prio int, kind Kind, form Form, reason, why string) error {
	return d.emitNamed(r, r.String(), body, prio, kind, form, reason, why)
}

// emitNamed wraps body, checks the result and appends the tag. A zero
// kind means "as the classifier reads it" (raw values).
func (d *deriver) emitNamed(r Rule, name, body string, prio int, kind Kind, form Form, reason, why string) error {
	tag := d.wrap(r, body)
	if err := checkTag(name, body, tag); err != nil {
		return err
	}
	var c Class
	if reason == "" {
		c = d.s.Classifier.Classify(tag)
	} else {
		c = Class{Tag: tag, Kind: kind, Form: form, Reason: reason, Prefix: d.s.Flavor.Prefix + r.Prefix}
		if r.Type == RuleSemver {
			if i := strings.Index(r.Pattern, "{{"); i > 0 {
				c.Prefix += r.Pattern[:i]
			}
		}
	}
	c.Variant = d.variant
	d.tags = append(d.tags, Tag{Name: tag, Class: c, Kind: c.Kind, Form: c.Form, Rule: name, Why: why, Priority: prio})
	return nil
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
		why = "the scheme always adds latest"
	case LatestAuto:
		switch {
		case d.ver != nil && d.ver.Prerelease() != "":
			d.skipped = append(d.skipped, Skip{Rule: "latest", Tag: name, Reason: d.verStr + " is a prerelease"})
			return nil
		case d.ver != nil:
			v := d.ver
			if newer, ok := d.newer(func(e [3]uint64) bool {
				return e[0] > v.Major() || e[0] == v.Major() && (e[1] > v.Minor() || e[1] == v.Minor() && e[2] > v.Patch())
			}); ok {
				d.skipped = append(d.skipped, Skip{Rule: "latest", Tag: name, Reason: "not moved: " + newer + " is newer"})
				return nil
			}
			why = d.newestWhy("stable release", "")
		case d.branch != "" && d.branch == strings.TrimPrefix(d.f.DefaultBranch, "refs/heads/"):
			why = "a build of the default branch"
		default:
			return nil
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

// labels builds the org.opencontainers.image.* labels.
func (d *deriver) labels(first string) (map[string]string, error) {
	m := d.f.Metadata
	l := make(map[string]string, 12+len(m.Labels))
	put := func(k, v string) {
		if v != "" {
			l[k] = v
		}
	}
	if !d.f.Time.IsZero() {
		put(v1.AnnotationCreated, d.f.Time.UTC().Format(time.RFC3339))
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
