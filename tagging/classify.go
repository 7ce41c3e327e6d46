package tagging

import (
	"math"
	"strings"
)

// Default word lists used by a Classifier whose corresponding field is nil.
// They are functions so that callers cannot change the defaults for
// everyone; each call returns a new slice.

// DefaultChannels returns the channel names a zero Classifier knows.
func DefaultChannels() []string {
	return []string{"dev", "develop", "development", "qa", "staging", "stage", "preprod",
		"production", "prod", "canary", "stable", "edge", "nightly", "beta", "alpha", "rc", "next",
		"main", "master", "release", "lts"}
}

// DefaultLatestAliases returns the words a zero Classifier treats as
// latest. "latest" itself is always Latest, whatever the configuration.
func DefaultLatestAliases() []string { return []string{"rolling", "current"} }

// DefaultFlavors returns the flavor names a zero Classifier knows: base
// distributions and common image variants. A bare flavor tag floats like
// latest for that variant.
func DefaultFlavors() []string {
	return []string{"alpine", "ubuntu", "debian", "bookworm", "bullseye", "buster", "trixie",
		"jammy", "focal", "noble", "centos", "fedora", "arch", "rockylinux", "almalinux", "ubi",
		"slim", "distroless", "scratch", "busybox", "windowsservercore", "nanoserver"}
}

// DefaultSHAPrefixes returns the prefixes that mark a git commit tag.
func DefaultSHAPrefixes() []string { return []string{"sha-", "git-", "commit-"} }

// DefaultBuildPrefixes returns the prefixes that mark a build-id tag.
func DefaultBuildPrefixes() []string {
	return []string{"build-", "ci-", "run-", "pipeline-", "job-"}
}

// DefaultPRPrefixes returns the prefixes that mark a pull-request tag.
func DefaultPRPrefixes() []string { return []string{"pr-", "mr-"} }

// DefaultPrereleaseLabels returns the words that start a prerelease.
func DefaultPrereleaseLabels() []string {
	return []string{"alpha", "beta", "rc", "pre", "preview", "dev", "snapshot", "canary", "nightly", "m", "milestone", "ea"}
}

var (
	defChannels    = DefaultChannels()
	defAliases     = DefaultLatestAliases()
	defFlavors     = DefaultFlavors()
	defSHAPrefix   = DefaultSHAPrefixes()
	defBuildPrefix = DefaultBuildPrefixes()
	defPRPrefix    = DefaultPRPrefixes()
	defPreLabels   = DefaultPrereleaseLabels()
)

// DefaultMinSHALength is the shortest bare hex string read as a commit.
const DefaultMinSHALength = 7

// Classifier reads tags into Classes. Its zero value is ready to use and is
// what the package-level Classify uses: every nil list field means the
// matching Default list. Set a field to an empty, non-nil slice to switch a
// list off (in JSON: an absent or null list means the default, [] means
// none). Word matching is ASCII case-insensitive. A Classifier is a
// plain value and safe for concurrent use.
//
// How a tag is read, in order:
//
//  1. "latest", a latest alias, a channel or a flavor, as the whole tag.
//  2. From the start of the tag and after each "-" of the leading words
//     (the prefix), the first core that fits: a commit after a SHA prefix,
//     a build number after a build prefix, a pull-request number after a
//     PR prefix, a date, a version, a bare commit.
//  3. A latest word, channel or flavor followed by "-variant"
//     ("latest-alpine", "stable-bookworm").
//  4. Otherwise Unknown.
//
// After a version or date core, the text after "-" is split into a
// prerelease and a variant. Prerelease identifiers are what semver allows:
// "-" separated parts belong to the prerelease while their first
// dot-separated identifier is numeric or a prerelease label followed only by
// digits ("rc", "rc1", "beta.2", "1"); the first part that is not starts
// the variant, which runs to the end. So "1.2.3-rc.1-alpine" is version
// 1.2.3-rc.1 with variant "alpine", and "1.2.3-prod" is 1.2.3 with variant
// "prod".
type Classifier struct {
	// Channels are names of deployment channels, such as "staging".
	Channels []string `json:"channels"`
	// LatestAliases are words that float like latest, such as "rolling".
	LatestAliases []string `json:"latestAliases"`
	// Flavors are variant names whose bare tag floats like latest for
	// that variant, such as "alpine".
	Flavors []string `json:"flavors"`
	// SHAPrefixes mark a commit tag, such as "sha-". With one of these
	// prefixes a commit may be as short as 4 hex digits. Like every
	// prefix list of the Classifier, they end in "-": tags are read at
	// their start and after each "-".
	SHAPrefixes []string `json:"shaPrefixes"`
	// BuildPrefixes mark a build-id tag, such as "build-".
	BuildPrefixes []string `json:"buildPrefixes"`
	// PRPrefixes mark a pull-request tag, such as "pr-".
	PRPrefixes []string `json:"prPrefixes"`
	// VersionPrefixes are monorepo prefixes, such as "app-", after which a
	// single-number version ("app-2") is still read as a version. "v" is
	// always accepted, and any prefix is accepted before a version of two
	// or three parts.
	VersionPrefixes []string `json:"versionPrefixes"`
	// PrereleaseLabels are the words that start a prerelease, such as "rc".
	PrereleaseLabels []string `json:"prereleaseLabels"`
	// MinSHALength is the shortest bare hex string read as a commit; zero
	// means DefaultMinSHALength. A bare commit must contain both a digit
	// and a letter, so "1234567" is a number and "deadbeef" a word.
	MinSHALength int `json:"minSHALength,omitempty"`
}

func orDefault(l, def []string) []string {
	if l == nil {
		return def
	}
	return l
}

// Static reasons. They are constants so that Classify does not allocate.
const (
	whyInvalid    = "not a valid tag by the distribution grammar"
	whyUnknown    = "not a version, commit, build id, date, channel or latest word"
	whySemver     = "full semantic version, names one release"
	whyPre        = "prerelease version, names one build"
	whyPrePartial = "prerelease of a partial version, names one build"
	whyMinor      = "major.minor of a semver line"
	whyMajor      = "major of a semver line"
	whySHA        = "git commit SHA"
	whyBuild      = "CI build id"
	whyDate       = "date or timestamp build"
	whyPR         = "pull-request head, moves with each push"
	whyChannel    = "deployment channel, moves on promotion"
	whyLatest     = "latest is a moving pointer"
	whyAlias      = "alias of latest, a moving pointer"
	whyFlavor     = "bare flavor tag, the latest of that variant"
)

// Classify reads tag with the zero Classifier. It never fails: a tag that
// is not valid by the distribution grammar is Unknown.
func Classify(tag string) Class {
	return Classifier{}.Classify(tag)
}

// Classify reads tag into a Class. It never fails and never panics; a tag
// that is not valid by the distribution grammar is Unknown.
func (c Classifier) Classify(tag string) Class {
	cl := Class{Tag: tag}
	if !validTag(tag) {
		cl.Reason = whyInvalid
		return cl
	}
	if c.word(&cl, tag) {
		if cl.Form == FormFlavor {
			cl.Variant = tag
		}
		return cl
	}
	// Cores at the start and after each "-" of the leading words.
	for i := 0; ; {
		if c.core(&cl, tag[:i], tag[i:]) {
			return cl
		}
		j := strings.IndexByte(tag[i:], '-')
		if j < 0 || !isAlpha(tag[i]) && tag[i] != '_' {
			break
		}
		i += j + 1
		if i >= len(tag) {
			break
		}
	}
	if i := strings.IndexByte(tag, '-'); i > 0 && i < len(tag)-1 && c.word(&cl, tag[:i]) {
		cl.Variant = tag[i+1:]
		if cl.Form == FormFlavor {
			cl.Variant = tag
		}
		return cl
	}
	cl.Reason = whyUnknown
	return cl
}

// word classifies w as a whole word: latest, alias, channel or flavor.
func (c Classifier) word(cl *Class, w string) bool {
	switch {
	case len(w) == 6 && strings.EqualFold(w, "latest"):
		cl.Kind, cl.Form, cl.Reason = Latest, FormLatest, whyLatest
	case inFold(w, orDefault(c.LatestAliases, defAliases)):
		cl.Kind, cl.Form, cl.Reason = Latest, FormLatest, whyAlias
	case inFold(w, orDefault(c.Channels, defChannels)):
		cl.Kind, cl.Form, cl.Reason = Channel, FormChannel, whyChannel
	case inFold(w, orDefault(c.Flavors, defFlavors)):
		cl.Kind, cl.Form, cl.Reason = Latest, FormFlavor, whyFlavor
	default:
		return false
	}
	return true
}

// core tries to read rest as the core of the tag after prefix.
func (c Classifier) core(cl *Class, prefix, rest string) bool {
	if prefix != "" {
		if inFold(prefix, orDefault(c.SHAPrefixes, defSHAPrefix)) {
			if n := hexRun(rest); n >= 4 && n <= 64 && segmentEnd(rest, n) {
				c.setSHA(cl, prefix, rest, n)
				return true
			}
		}
		if inFold(prefix, orDefault(c.BuildPrefixes, defBuildPrefix)) {
			if n := digitRun(rest); n > 0 && segmentEnd(rest, n) {
				cl.Kind, cl.Form, cl.Reason = Immutable, FormBuildID, whyBuild
				cl.Prefix, cl.BuildID = prefix, rest[:n]
				setVariant(cl, rest[n:])
				return true
			}
		}
		if inFold(prefix, orDefault(c.PRPrefixes, defPRPrefix)) {
			if n := digitRun(rest); n > 0 && segmentEnd(rest, n) {
				cl.Kind, cl.Form, cl.Reason = Channel, FormPR, whyPR
				cl.Prefix = prefix
				setVariant(cl, rest[n:])
				return true
			}
		}
	}
	if n := dateLen(rest); n > 0 {
		if pre, variant, ok := c.splitSuffix(rest[n:]); ok {
			cl.Kind, cl.Form, cl.Reason = Immutable, FormDate, whyDate
			cl.Prefix, cl.Prerelease, cl.Variant = prefix, pre, variant
			return true
		}
	}
	if c.version(cl, prefix, rest) {
		return true
	}
	if n := hexRun(rest); n >= c.minSHA() && n <= 64 && segmentEnd(rest, n) && hasDigitAndLetter(rest[:n]) {
		c.setSHA(cl, prefix, rest, n)
		return true
	}
	return false
}

func (c Classifier) minSHA() int {
	if c.MinSHALength > 0 {
		return c.MinSHALength
	}
	return DefaultMinSHALength
}

func (c Classifier) setSHA(cl *Class, prefix, rest string, n int) {
	cl.Kind, cl.Form, cl.Reason = Immutable, FormSHA, whySHA
	cl.Prefix, cl.Commit = prefix, rest[:n]
	setVariant(cl, rest[n:])
}

// setVariant records what follows a core: empty, or "-" and a variant.
func setVariant(cl *Class, tail string) {
	if len(tail) > 1 {
		cl.Variant = tail[1:]
	}
}

// segmentEnd reports whether s[n:] is empty or starts a new "-" segment
// with something after it.
func segmentEnd(s string, n int) bool {
	return n == len(s) || s[n] == '-' && n+1 < len(s)
}

// version reads rest as [v]N[.N[.N]][-prerelease][-variant].
func (c Classifier) version(cl *Class, prefix, rest string) bool {
	i := 0
	if len(rest) > 1 && (rest[0] == 'v' || rest[0] == 'V') && isDigit(rest[1]) {
		i = 1
	}
	var parts [3]uint64
	n := 0
	for n < 3 {
		v, m, ok := readUint(rest[i:])
		if !ok {
			return false
		}
		parts[n] = v
		n++
		i += m
		if i < len(rest) && rest[i] == '.' && n < 3 {
			i++
			continue
		}
		break
	}
	if i < len(rest) && rest[i] != '-' {
		return false // "1.2.3.4", "1.2.3a", "1.2."
	}
	vprefix := i > 0 && (rest[0] == 'v' || rest[0] == 'V')
	if prefix != "" && n == 1 && !vprefix && !inFold(prefix, c.VersionPrefixes) {
		return false // "final-2" is not a version line
	}
	pre, variant, ok := c.splitSuffix(rest[i:])
	if !ok {
		return false
	}
	cl.Prefix = prefix
	if vprefix {
		cl.Prefix = prefix + rest[:1]
	}
	cl.major, cl.minor, cl.patch = parts[0], parts[1], parts[2]
	cl.Precision, cl.Prerelease, cl.Variant = n, pre, variant
	switch {
	case pre != "" && n == 3:
		cl.Kind, cl.Form, cl.Reason = Immutable, FormSemver, whyPre
	case pre != "":
		cl.Kind, cl.Form, cl.Reason = Immutable, FormSemver, whyPrePartial
	case n == 3:
		cl.Kind, cl.Form, cl.Reason = Immutable, FormSemver, whySemver
	case n == 2:
		cl.Kind, cl.Form, cl.Reason = ReleaseLine, FormMajorMinor, whyMinor
	default:
		cl.Kind, cl.Form, cl.Reason = ReleaseLine, FormMajor, whyMajor
	}
	return true
}

// splitSuffix splits what follows a version or date ("" or "-...") into a
// prerelease and a variant. See Classifier for the rule.
func (c Classifier) splitSuffix(s string) (pre, variant string, ok bool) {
	if s == "" {
		return "", "", true
	}
	if len(s) < 2 || s[0] != '-' || s[len(s)-1] == '-' {
		return "", "", false
	}
	s = s[1:]
	end := 0 // length of the prerelease within s
	for end < len(s) {
		seg := s[end:]
		if k := strings.IndexByte(seg, '-'); k >= 0 {
			seg = seg[:k]
		}
		if !c.preLike(seg) {
			break
		}
		end += len(seg)
		if end < len(s) {
			end++ // the "-" joining prerelease parts
		}
	}
	switch {
	case end == 0:
		return "", s, true
	case end == len(s):
		return s, "", true
	default:
		if s[end-1] != '-' || end == len(s) {
			return "", "", false
		}
		return s[:end-1], s[end:], true
	}
}

// preLike reports whether seg (no "-") can start or continue a prerelease.
func (c Classifier) preLike(seg string) bool {
	if seg == "" {
		return false
	}
	first := seg
	if k := strings.IndexByte(seg, '.'); k >= 0 {
		first = seg[:k]
	}
	// Every identifier must be non-empty alphanumerics.
	prev := byte('.')
	for i := 0; i < len(seg); i++ {
		ch := seg[i]
		switch {
		case ch == '.':
			if prev == '.' {
				return false
			}
		case isAlnum(ch):
		default:
			return false
		}
		prev = ch
	}
	if prev == '.' {
		return false
	}
	if n := digitRun(first); n == len(first) {
		return n == 1 || first[0] != '0'
	}
	for _, l := range orDefault(c.PrereleaseLabels, defPreLabels) {
		if len(first) >= len(l) && strings.EqualFold(first[:len(l)], l) && digitRun(first[len(l):]) == len(first)-len(l) {
			return true
		}
	}
	return false
}

// dateLen returns the length of a date or timestamp at the start of s
// (YYYYMMDD, YYYYMMDDhhmm, YYYYMMDDhhmmss, optionally followed by
// [T.-]hhmm or [T.-]hhmmss, or YYYY.MM.DD / YYYY-MM-DD, then optionally a
// build counter ".N" of up to three digits) that ends a segment, or 0.
func dateLen(s string) int {
	n := digitRun(s)
	switch {
	case n == 8 || n == 12 || n == 14:
		if !validDate(s[0:4], s[4:6], s[6:8]) || n > 8 && !validTime(s[8:n]) {
			return 0
		}
		if n == 8 && len(s) > 9 && (s[8] == 'T' || s[8] == '.' || s[8] == '-') {
			if m := digitRun(s[9:]); (m == 4 || m == 6) && validTime(s[9:9+m]) && (9+m == len(s) || s[9+m] == '-') {
				return 9 + m
			}
		}
	case n == 4 && len(s) >= 10 && (s[4] == '.' || s[4] == '-') && s[7] == s[4] &&
		digitRun(s[5:7]) == 2 && digitRun(s[8:10]) == 2 && digitRun(s[8:]) == 2 && validDate(s[0:4], s[5:7], s[8:10]):
		n = 10
	default:
		return 0
	}
	// A build counter after the date, as in Azure Pipelines' default
	// build number "20240115.1": one to three digits (four or six would
	// be a time, handled above).
	if n < len(s) && s[n] == '.' {
		if m := digitRun(s[n+1:]); m >= 1 && m <= 3 && (n+1+m == len(s) || s[n+1+m] == '-') {
			n += 1 + m
		}
	}
	if n < len(s) && s[n] != '-' {
		return 0
	}
	return n
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

func validDate(y, m, d string) bool {
	year := atoi2(y[:2])*100 + atoi2(y[2:])
	mon, day := atoi2(m), atoi2(d)
	return year >= 1970 && year <= 2199 && mon >= 1 && mon <= 12 && day >= 1 && day <= 31
}

func validTime(t string) bool {
	if atoi2(t[0:2]) > 23 || atoi2(t[2:4]) > 59 {
		return false
	}
	return len(t) == 4 || atoi2(t[4:6]) <= 59
}

// readUint reads the decimal number at the start of s; it fails when
// there is none or it does not fit in a uint64.
func readUint(s string) (uint64, int, bool) {
	n := digitRun(s)
	if n == 0 || n > 20 {
		return 0, 0, false
	}
	var v uint64
	for i := 0; i < n; i++ {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, 0, false
		}
		v = v*10 + d
	}
	return v, n, true
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func hexRun(s string) int {
	i := 0
	for i < len(s) && isLowerHex(s[i]) {
		i++
	}
	return i
}

func hasDigitAndLetter(s string) bool {
	var d, l bool
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			d = true
		} else {
			l = true
		}
	}
	return d && l
}

func inFold(w string, list []string) bool {
	for _, x := range list {
		if len(x) == len(w) && strings.EqualFold(x, w) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool    { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool    { return isDigit(c) || isAlpha(c) }
func isLowerHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' }
func isTagChar(c byte) bool  { return isAlnum(c) || c == '_' || c == '.' || c == '-' }

// validTag reports whether tag matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
// It agrees with reference.ValidateTag and does not allocate.
func validTag(tag string) bool {
	if tag == "" || len(tag) > maxTagLen || tag[0] == '.' || tag[0] == '-' {
		return false
	}
	for i := 0; i < len(tag); i++ {
		if !isTagChar(tag[i]) {
			return false
		}
	}
	return true
}
