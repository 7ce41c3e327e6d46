package tagging

import (
	"strconv"
	"strings"
	"time"
)

// RuleType names what a Rule derives a tag from.
type RuleType string

// The rule types. Each emits nothing when the build fact it needs is
// absent (no version, no commit, no branch…), so one scheme serves tag
// builds, branch builds and pull requests alike.
const (
	// RuleSemver expands Pattern ("{{version}}", "{{major}}.{{minor}}",
	// "{{major}}") from Facts.Version.
	RuleSemver RuleType = "semver"
	// RulePrerelease emits the prerelease label as a channel tag ("rc" for
	// 1.2.3-rc.1, "beta" for 2.0.0-beta.3) when the version is a prerelease.
	RulePrerelease RuleType = "prerelease"
	// RuleSHA emits the commit, short (Length 7 by default) or long
	// (Length 40), bare unless the rule has a Prefix (DefaultScheme uses
	// "sha-", as docker/metadata-action does). A bare short commit made of
	// digits only would read as a version number, so it is lengthened until
	// it holds a letter.
	RuleSHA RuleType = "sha"
	// RuleBranch emits the sanitized branch name.
	RuleBranch RuleType = "branch"
	// RuleBranchSHA emits branch-commit, "main-a3f2c8d".
	RuleBranchSHA RuleType = "branch-sha"
	// RulePR emits "pr-<number>" for a pull-request build. An empty
	// Prefix means "pr-": a bare number would read as a major version.
	RulePR RuleType = "pr"
	// RuleBuildID emits the CI build id. An empty Prefix means "build-",
	// for the same reason.
	RuleBuildID RuleType = "build-id"
	// RuleDate formats Facts.Time (in UTC) with the Go layout in Pattern,
	// "20060102" by default: with Prefix "nightly-" it gives
	// "nightly-20240115".
	RuleDate RuleType = "date"
	// RuleRaw emits the sanitized Value.
	RuleRaw RuleType = "raw"
	// RuleChannel emits Value as a channel tag, and one tag for each of
	// Facts.Channels.
	RuleChannel RuleType = "channel"
	// RuleEdge emits Value ("edge" by default) when the build is on the
	// default branch: the moving tag of the default branch's head, which
	// latest is not.
	RuleEdge RuleType = "edge"
)

// Rule is one switchable line of a Scheme. Rules are plain data with JSON
// tags so that tools can load a scheme from configuration.
type Rule struct {
	// Type says what the rule derives its tag from.
	Type RuleType `json:"type"`
	// Pattern is the template of a semver rule or the time layout of a
	// date rule.
	//
	// Semver placeholders: {{version}} (major.minor.patch and any
	// prerelease, never build metadata), {{major}}, {{minor}}, {{patch}},
	// {{prerelease}}, and {{raw}} (the version as given, after the scheme's
	// VersionPrefix, without build metadata). A pattern is as precise as
	// its most precise placeholder: with {{version}}, {{raw}} or {{patch}}
	// it names one release; with {{minor}} it follows a minor line; with
	// only {{major}} it follows a major line.
	Pattern string `json:"pattern,omitempty"`
	// Value is the tag of a raw, channel or edge rule.
	Value string `json:"value,omitempty"`
	// Prefix and Suffix wrap the rule's tag. They compose with the
	// scheme's Flavor: flavor prefix + rule prefix + tag + rule suffix +
	// flavor suffix.
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
	// Length is the number of hex digits of a sha or branch-sha rule; zero
	// means 7, and a commit shorter than Length is used whole.
	Length int `json:"length,omitempty"`
	// MajorZero lets a major-only semver rule emit "0" for 0.x versions.
	// By default it does not: a 0.x line promises no compatibility.
	MajorZero bool `json:"majorZero,omitempty"`
	// Priority orders the tags of a Set: higher first. Zero means the
	// rule type's default (see Derive).
	Priority int `json:"priority,omitempty"`
	// Disabled switches the rule off without removing it.
	Disabled bool `json:"disabled,omitempty"`
}

// String describes the rule the way it is shown in Tag.Rule, for example
// `semver {{major}}.{{minor}}` or `sha`.
func (r Rule) String() string {
	if n, ok := r.commonName(); ok {
		return n
	}
	var b strings.Builder
	r.writeName(&b)
	return b.String()
}

// commonName returns the name of a rule of DefaultScheme without building
// it.
func (r Rule) commonName() (string, bool) {
	if r.Value != "" || r.Suffix != "" || r.Length != 0 {
		return "", false
	}
	switch {
	case r.Pattern == "" && r.Prefix == "":
		return string(r.Type), true
	case r.Type == RuleSemver && r.Prefix == "":
		switch r.Pattern {
		case "{{version}}":
			return "semver {{version}}", true
		case "{{major}}.{{minor}}":
			return "semver {{major}}.{{minor}}", true
		case "{{major}}":
			return "semver {{major}}", true
		}
	case r.Type == RuleSHA && r.Pattern == "" && r.Prefix == "sha-":
		return "sha prefix=sha-", true
	}
	return "", false
}

func (r Rule) writeName(b *strings.Builder) {
	b.WriteString(string(r.Type))
	switch {
	case r.Pattern != "":
		b.WriteString(" ")
		b.WriteString(r.Pattern)
	case r.Value != "":
		b.WriteString(" ")
		b.WriteString(r.Value)
	}
	if r.Prefix != "" {
		b.WriteString(" prefix=")
		b.WriteString(r.Prefix)
	}
	if r.Suffix != "" {
		b.WriteString(" suffix=")
		b.WriteString(r.Suffix)
	}
	if r.Length != 0 {
		var n [20]byte
		b.WriteString(" length=")
		b.Write(strconv.AppendInt(n[:0], int64(r.Length), 10))
	}
}

// LatestMode says when Derive adds the latest tag.
type LatestMode string

const (
	// LatestAuto, the default, adds latest only for a stable version that
	// is the newest among the existing tags: never for a prerelease, a
	// pull request or a build without a version, such as a push to the
	// default branch (an edge rule tags that one).
	LatestAuto LatestMode = ""
	// LatestAlways adds latest to every set but a pull request's: ask for
	// it to make latest follow every build, as a moving pointer.
	LatestAlways LatestMode = "always"
	// LatestNever never adds latest.
	LatestNever LatestMode = "never"
)

// Flavor holds settings that apply to every rule of a scheme.
type Flavor struct {
	// Prefix and Suffix are added around every tag, outside the rule's own
	// prefix and suffix (they compose, they do not replace).
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
	// OnLatest applies Prefix and Suffix to the latest tag too.
	OnLatest bool `json:"onLatest,omitempty"`
	// Latest says when the latest tag is added.
	Latest LatestMode `json:"latest,omitempty"`
}

// Scheme is the tagging policy Derive applies to build facts.
type Scheme struct {
	// Rules are the tag rules, in order. Use DefaultScheme for a start.
	Rules []Rule `json:"rules"`
	// Flavor applies to every rule.
	Flavor Flavor `json:"flavor,omitzero"`
	// VersionPrefix is stripped from Facts.Version before it is parsed,
	// for monorepo git tags such as "app/v1.2.3" (VersionPrefix "app/").
	// A version without it is an error.
	VersionPrefix string `json:"versionPrefix,omitempty"`
	// Lowercase lowers sanitized values (branches, raw values, variants).
	Lowercase bool `json:"lowercase,omitempty"`
	// Classifier reads Facts.ExistingTags and the tags of raw rules.
	Classifier Classifier `json:"classifier,omitzero"`
}

// DefaultScheme returns the scheme most pipelines want, the tags
// docker/metadata-action gives by default plus the commit: for a release
// the full version, major.minor and major; for a branch push the branch
// name; for a pull request "pr-<number>"; for every build the short
// commit as "sha-<7 hex>"; and latest for the newest stable release only.
// Each call returns a new value.
func DefaultScheme() Scheme {
	return Scheme{Rules: []Rule{
		{Type: RuleSemver, Pattern: "{{version}}"},
		{Type: RuleSemver, Pattern: "{{major}}.{{minor}}"},
		{Type: RuleSemver, Pattern: "{{major}}"},
		{Type: RuleBranch},
		{Type: RulePR},
		{Type: RuleSHA, Prefix: "sha-"},
	}}
}

// Metadata is the descriptive part of the build facts, written to the OCI
// labels and annotations of a Set. Empty fields are left out.
type Metadata struct {
	Title         string `json:"title,omitempty"`         // human-readable title
	Description   string `json:"description,omitempty"`   // what the image contains
	Source        string `json:"source,omitempty"`        // URL of the source code
	URL           string `json:"url,omitempty"`           // URL with more information
	Documentation string `json:"documentation,omitempty"` // URL of the documentation
	Licenses      string `json:"licenses,omitempty"`      // SPDX expression
	Authors       string `json:"authors,omitempty"`       // contact of the people responsible
	Vendor        string `json:"vendor,omitempty"`        // distributing organisation
	BaseName      string `json:"baseName,omitempty"`      // reference of the base image
	BaseDigest    string `json:"baseDigest,omitempty"`    // digest of the base image
	// Labels are extra labels and annotations; they win over the
	// computed org.opencontainers.image.* values of the same key.
	Labels map[string]string `json:"labels,omitempty"`
}

// Facts are what is known about one build. Only the facts a scheme's rules
// use need to be set.
type Facts struct {
	// Version is the release version: "2.4.1", "v2.4.1", "v1.6" (read as
	// 1.6.0), "1.2.3-rc.1", "1.2.3+build.5", or "app/v1.2.3" with the
	// scheme's VersionPrefix "app/". Empty for builds that are not releases.
	Version string `json:"version,omitempty"`
	// Commit is the git commit, short (at least 4 hex digits) or full.
	Commit string `json:"commit,omitempty"`
	// Branch is the git branch, "main" or "refs/heads/feature/login".
	Branch string `json:"branch,omitempty"`
	// DefaultBranch is the repository's default branch, "main". The edge
	// rule needs it.
	DefaultBranch string `json:"defaultBranch,omitempty"`
	// PR is the pull-request number, zero for none. A pull-request build
	// is tagged only as itself (see Derive); Branch is then its head branch.
	PR int `json:"pr,omitempty"`
	// BuildID is the CI build id, "42".
	BuildID string `json:"buildID,omitempty"`
	// Time is the build time. The package never reads the clock: pass
	// time.Now(), or a reproducible time from SourceDateEpoch.
	Time time.Time `json:"time,omitzero"`
	// Variant is the image variant, "alpine": it is appended to every tag
	// ("2.4.1-alpine") and replaces latest ("alpine"). A variant whose bare
	// tag reads as something else ("latest", "2.4", "staging") is refused.
	Variant string `json:"variant,omitempty"`
	// Channels are extra channel tags, "staging".
	Channels []string `json:"channels,omitempty"`
	// ExistingTags are the repository's tags, when known. With them,
	// rolling tags move only to the newest release of their line.
	ExistingTags []string `json:"existingTags,omitempty"`
	// Metadata fills the OCI labels and annotations.
	Metadata Metadata `json:"metadata,omitzero"`
}

// SourceDateEpoch parses the value of the SOURCE_DATE_EPOCH environment
// variable (seconds since the Unix epoch, as defined by
// reproducible-builds.org) into a UTC time. The package does not read the
// environment itself: pass os.Getenv("SOURCE_DATE_EPOCH").
func SourceDateEpoch(value string) (time.Time, error) {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < 0 || n > 253402300799 {
		return time.Time{}, &Error{Rule: "SOURCE_DATE_EPOCH", Input: value,
			Reason: "is not a number of seconds since 1970-01-01 (a decimal integer from 0 to 253402300799)", Err: ErrInvalidInput}
	}
	return time.Unix(n, 0).UTC(), nil
}

// BuildTime returns the time a reproducible build should record: the
// SOURCE_DATE_EPOCH value when it is set, otherwise now in UTC.
func BuildTime(sourceDateEpoch string, now time.Time) (time.Time, error) {
	if sourceDateEpoch == "" {
		return now.UTC(), nil
	}
	return SourceDateEpoch(sourceDateEpoch)
}
