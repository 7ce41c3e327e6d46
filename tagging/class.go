package tagging

import (
	"strconv"

	"github.com/Masterminds/semver/v3"
)

// Kind says how a tag behaves over time: whether it keeps pointing at one
// image, follows a release line, follows a deployment channel, floats like
// latest, or is none of these. The zero Kind is Unknown.
type Kind uint8

const (
	// Unknown is a tag no tagging scheme would produce, such as "new" or
	// "final2". Policy flags these.
	Unknown Kind = iota
	// Immutable is a tag that names one build and should never move: a full
	// semantic version ("1.2.3", "v1.3.1"), a git commit ("a3f2c8d",
	// "git-a3f2c8d"), a build id ("build-42") or a date ("20240115").
	Immutable
	// ReleaseLine is a tag that follows one release line: it receives the
	// line's updates but never leaves it: "1", "v1", "1.2", "20.04". Its
	// text form is "release-line".
	ReleaseLine
	// Channel is a named pointer that moves to whatever is promoted to it:
	// "dev", "staging", "production", "nightly", a branch or a pull request.
	Channel
	// Latest floats to the newest image of the repository: "latest", an
	// alias such as "rolling", or a bare flavor tag such as "alpine" that
	// floats like latest but names a variant.
	Latest
)

var kindNames = [...]string{
	Unknown:     "unknown",
	Immutable:   "immutable",
	ReleaseLine: "release-line",
	Channel:     "channel",
	Latest:      "latest",
}

// String returns the lower-case name of k: "immutable", "release-line",
// "channel", "latest" or "unknown".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Moves reports whether a tag of kind k is expected to move to other
// images over time: true for ReleaseLine, Channel and Latest.
func (k Kind) Moves() bool { return k == ReleaseLine || k == Channel || k == Latest }

// MarshalText encodes k as its String form, so kinds read well in JSON.
func (k Kind) MarshalText() ([]byte, error) {
	if int(k) >= len(kindNames) {
		return nil, &Error{Rule: "kind", Input: k.String(), Reason: "is not a known kind", Err: ErrInvalidInput}
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes the String form of a Kind. The word "rolling",
// which named release lines before they were called "release-line", is
// refused with a hint rather than read as either kind it could mean.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	if string(b) == "rolling" {
		return &Error{Rule: "kind", Input: string(b), Reason: `is not a kind: release lines such as "v1" or "20.04" are "release-line", tags that float like latest are "latest"`, Err: ErrInvalidInput}
	}
	return &Error{Rule: "kind", Input: string(b), Reason: "is not a kind (want immutable, release-line, channel, latest or unknown)", Err: ErrInvalidInput}
}

// Form says what a tag looks like: which part of a version, commit, build or
// channel it spells. The zero Form is FormUnknown.
type Form uint8

const (
	// FormUnknown is a tag of no recognised shape.
	FormUnknown Form = iota
	// FormSemver is a full semantic version, "1.2.3" or "v1.2.3-rc.1".
	FormSemver
	// FormMajorMinor is the major.minor part of a version, "1.2" or "20.04".
	FormMajorMinor
	// FormMajor is the major part of a version, "1" or "v1".
	FormMajor
	// FormSHA is a git commit, bare ("a3f2c8d") or prefixed ("sha-a3f2c8d",
	// "main-a3f2c8d").
	FormSHA
	// FormBuildID is a CI build number with its prefix, "build-42".
	FormBuildID
	// FormDate is a date or timestamp, "20240115", "2024.01.15-rc.1",
	// "nightly-20240115".
	FormDate
	// FormChannel is a deployment channel name, "staging" or "edge".
	FormChannel
	// FormLatest is "latest" or one of its configured aliases.
	FormLatest
	// FormFlavor is a bare flavor tag such as "alpine" or "ubuntu".
	FormFlavor
	// FormBranch is a git branch name. Classify never returns it (a branch
	// name looks like any word); Derive uses it for branch tags.
	FormBranch
	// FormPR is a pull-request tag, "pr-42".
	FormPR
)

var formNames = [...]string{
	FormUnknown:    "unknown",
	FormSemver:     "semver",
	FormMajorMinor: "major.minor",
	FormMajor:      "major",
	FormSHA:        "sha",
	FormBuildID:    "build-id",
	FormDate:       "date",
	FormChannel:    "channel",
	FormLatest:     "latest",
	FormFlavor:     "flavor",
	FormBranch:     "branch",
	FormPR:         "pr",
}

// String returns the name of f, for example "semver" or "major.minor".
func (f Form) String() string {
	if int(f) < len(formNames) {
		return formNames[f]
	}
	return "Form(" + strconv.Itoa(int(f)) + ")"
}

// MarshalText encodes f as its String form.
func (f Form) MarshalText() ([]byte, error) {
	if int(f) >= len(formNames) {
		return nil, &Error{Rule: "form", Input: f.String(), Reason: "is not a known form", Err: ErrInvalidInput}
	}
	return []byte(f.String()), nil
}

// UnmarshalText decodes the String form of a Form.
func (f *Form) UnmarshalText(b []byte) error {
	for i, n := range formNames {
		if n == string(b) {
			*f = Form(i)
			return nil
		}
	}
	return &Error{Rule: "form", Input: string(b), Reason: "is not a form name", Err: ErrInvalidInput}
}

// Class is what Classify learns about one tag. It is a small value; copy it
// freely.
//
// A tag is read as prefix + core + "-" + variant. The core is a version,
// commit, build id, date, channel or latest word; the prefix is "v", a
// monorepo prefix such as "app-", a commit prefix such as "git-" or a
// branch such as "main-"; the variant is what follows, such as "alpine".
type Class struct {
	// Tag is the classified tag, exactly as given.
	Tag string
	// Kind says how the tag behaves over time.
	Kind Kind
	// Form says which shape the tag has.
	Form Form
	// Precision is the number of version parts the tag spells: 3 for
	// "1.2.3", 2 for "1.2", 1 for "1", and 0 when there is no version.
	Precision int
	// Prefix is the text before the core: "v", "app-", "app-v", "git-",
	// "main-", "nightly-"; empty when there is none.
	Prefix string
	// Variant is the suffix after the core without its leading "-", such as
	// "alpine" for "1.2.3-alpine" or "latest-alpine", and the flavor itself
	// for a bare flavor tag such as "alpine".
	Variant string
	// Prerelease is the prerelease part of a version or date, "rc.1" for
	// "1.2.3-rc.1-alpine"; empty for a stable release.
	Prerelease string
	// Commit is the git commit spelled by a SHA tag, "a3f2c8d".
	Commit string
	// BuildID is the build number of a build-id tag, "42" for "build-42".
	BuildID string
	// Reason is a short static phrase saying why the tag has its Kind,
	// such as "major.minor of a semver line". Explain puts it in a sentence.
	Reason string

	major, minor, patch uint64
}

// Version returns the version the tag spells, or nil when it spells none.
// Parts the tag leaves out are zero: "1.2" gives 1.2.0, and Precision
// says how many parts were present. The variant is not part of the
// version. Each call returns a new value, the caller's to keep.
func (c Class) Version() *semver.Version {
	if c.Precision == 0 {
		return nil
	}
	return semver.New(c.major, c.minor, c.patch, c.Prerelease, "")
}

// Major, Minor and Patch return the version parts the tag spells, zero
// for parts it leaves out or when it spells no version. Unlike Version
// they do not allocate.
func (c Class) Major() uint64 { return c.major }

// Minor returns the minor version part; see Major.
func (c Class) Minor() uint64 { return c.minor }

// Patch returns the patch version part; see Major.
func (c Class) Patch() uint64 { return c.patch }

// IsPrerelease reports whether the tag spells a prerelease version or date.
func (c Class) IsPrerelease() bool { return c.Prerelease != "" }

// Explain returns one line saying what the tag is and why, for example
// `"1.2" is release-line: major.minor of a semver line`.
func (c Class) Explain() string {
	return strconv.Quote(c.Tag) + " is " + c.Kind.String() + ": " + c.Reason
}

// String returns Explain.
func (c Class) String() string { return c.Explain() }
