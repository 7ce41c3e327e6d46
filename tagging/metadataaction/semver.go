package metadataaction

import (
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	pep440 "github.com/aquasecurity/go-pep440-version"
)

// maxSafeInteger is the largest integer a JavaScript number holds
// exactly; metadata-action's semver library refuses larger version
// numbers.
const maxSafeInteger = 1<<53 - 1

// semverVersion is a strictly valid semantic version as metadata-action's
// semver library accepts it: an optional "v", MAJOR.MINOR.PATCH without
// leading zeros, an optional pre-release and build, surrounding white
// space ignored, at most 256 bytes.
type semverVersion struct {
	raw string
	v   *semver.Version
}

func parseSemver(raw string) (semverVersion, bool) {
	s := strings.TrimSpace(raw)
	if len(raw) > 256 {
		return semverVersion{}, false
	}
	s = strings.TrimPrefix(s, "v")
	v, err := semver.StrictNewVersion(s)
	if err != nil || v.Major() > maxSafeInteger || v.Minor() > maxSafeInteger || v.Patch() > maxSafeInteger {
		return semverVersion{}, false
	}
	return semverVersion{raw: raw, v: v}, true
}

// version is MAJOR.MINOR.PATCH[-PRERELEASE], without build metadata.
func (s semverVersion) version() string {
	out := strconv.FormatUint(s.v.Major(), 10) + "." + strconv.FormatUint(s.v.Minor(), 10) + "." + strconv.FormatUint(s.v.Patch(), 10)
	if p := s.v.Prerelease(); p != "" {
		out += "-" + p
	}
	return out
}

// scope returns the names of a semver pattern: version, major, minor,
// patch, raw, and prerelease and build (their identifiers joined with
// ',', as metadata-action renders a list).
func (s semverVersion) scope() scope {
	u := func(n uint64) helper { return value(strconv.FormatUint(n, 10)) }
	return scope{what: "a semver pattern", helpers: map[string]helper{
		"version":    value(s.version()),
		"major":      u(s.v.Major()),
		"minor":      u(s.v.Minor()),
		"patch":      u(s.v.Patch()),
		"raw":        value(s.raw),
		"prerelease": value(strings.ReplaceAll(s.v.Prerelease(), ".", ",")),
		"build":      value(strings.ReplaceAll(s.v.Metadata(), ".", ",")),
	}}
}

// pepVersion is a PEP 440 version.
type pepVersion struct {
	raw     string
	v       pep440.Version
	release []string
}

func parsePEP440(raw string) (pepVersion, bool) {
	if strings.TrimSpace(raw) != raw {
		return pepVersion{}, false // the parser allows surrounding space, metadata-action's check does not
	}
	v, err := pep440.Parse(raw)
	if err != nil {
		return pepVersion{}, false
	}
	base := v.BaseVersion()
	if i := strings.IndexByte(base, '!'); i >= 0 {
		base = base[i+1:]
	}
	return pepVersion{raw: raw, v: v, release: strings.Split(base, ".")}, true
}

// clean is the normalised form: "v1.2.3rc2" is "1.2.3rc2", "1.0dev4" is
// "1.0.dev4", a local part's numbers lose leading zeros and its segments
// are joined with ',' (which the tag sanitizer then turns into '-').
func (p pepVersion) clean() string {
	s := p.v.String()
	i := strings.IndexByte(s, '+')
	if i < 0 {
		return s
	}
	segs := strings.FieldsFunc(s[i+1:], func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	for k, seg := range segs {
		if n, err := strconv.ParseUint(seg, 10, 64); err == nil {
			segs[k] = strconv.FormatUint(n, 10)
		}
	}
	// metadata-action's library joins the local segments with ','.
	return s[:i] + "+" + strings.Join(segs, ",")
}

// unstable reports a pre-, post- or development release.
func (p pepVersion) unstable() bool {
	return p.v.IsPreRelease() || p.v.IsPostRelease()
}

func (p pepVersion) part(i int) string {
	if i < len(p.release) {
		if n, err := strconv.ParseUint(p.release[i], 10, 64); err == nil {
			return strconv.FormatUint(n, 10)
		}
		return p.release[i]
	}
	return "0"
}

// scope returns the names of a pep440 pattern: raw, version, major,
// minor, patch.
func (p pepVersion) scope() scope {
	return scope{what: "a pep440 pattern", helpers: map[string]helper{
		"raw":     value(p.raw),
		"version": value(p.clean()),
		"major":   value(p.part(0)),
		"minor":   value(p.part(1)),
		"patch":   value(p.part(2)),
	}}
}
