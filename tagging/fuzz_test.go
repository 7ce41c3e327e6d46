package tagging

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"1.2.3", "v1.3.1", "a3f2c8d", "git-abc123", "build-42", "20240115", "2024.01.15-rc.1",
		"1", "v1", "20.04", "dev", "latest", "rolling", "alpine", "new", "final2", "main-a3f2c8d", "pr-42",
		"1.2.3-rc.1-alpine", "latest-alpine", "app-v2", "nightly-20240115T1200", "", ".x", "1.2.3.4", "v", "1.2.3-rc-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		c := Classify(tag)
		if c != Classify(tag) {
			t.Fatalf("Classify(%q) is not deterministic", tag)
		}
		if c.Tag != tag {
			t.Fatalf("Classify(%q).Tag = %q", tag, c.Tag)
		}
		if c.Reason == "" {
			t.Fatalf("Classify(%q) has no reason", tag)
		}
		if valid := validateTag(tag) == nil; valid != validTag(tag) {
			t.Fatalf("validTag(%q) = %v, reference says %v", tag, validTag(tag), valid)
		}
		if !validTag(tag) && (c.Kind != Unknown || c.Form != FormUnknown) {
			t.Fatalf("invalid tag %q classified as %v/%v", tag, c.Kind, c.Form)
		}
		if (c.Precision > 0) != (c.Version() != nil) {
			t.Fatalf("Classify(%q): precision %d but version %v", tag, c.Precision, c.Version())
		}
		switch c.Form {
		case FormMajor:
			if c.Precision != 1 || c.Kind != ReleaseLine {
				t.Fatalf("Classify(%q): major with precision %d kind %v", tag, c.Precision, c.Kind)
			}
		case FormMajorMinor:
			if c.Precision != 2 || c.Kind != ReleaseLine {
				t.Fatalf("Classify(%q): major.minor with precision %d kind %v", tag, c.Precision, c.Kind)
			}
		case FormSemver:
			if c.Precision < 1 || c.Precision < 3 && c.Prerelease == "" || c.Kind != Immutable {
				t.Fatalf("Classify(%q): semver with precision %d kind %v", tag, c.Precision, c.Kind)
			}
		case FormSHA:
			if c.Commit == "" || !strings.Contains(tag, c.Commit) {
				t.Fatalf("Classify(%q): sha with commit %q", tag, c.Commit)
			}
		case FormBuildID:
			if c.BuildID == "" || !strings.Contains(tag, c.BuildID) {
				t.Fatalf("Classify(%q): build id %q", tag, c.BuildID)
			}
		case FormUnknown:
			if c.Kind != Unknown {
				t.Fatalf("Classify(%q): unknown form with kind %v", tag, c.Kind)
			}
		}
		if !strings.HasPrefix(tag, c.Prefix) {
			t.Fatalf("Classify(%q): prefix %q is not a prefix", tag, c.Prefix)
		}
		if !strings.HasSuffix(tag, c.Variant) || !strings.Contains(tag, c.Prerelease) {
			t.Fatalf("Classify(%q): variant %q / prerelease %q not in the tag", tag, c.Variant, c.Prerelease)
		}
		if v := c.Version(); v != nil && c.Prerelease != v.Prerelease() {
			t.Fatalf("Classify(%q): prerelease %q, version %v", tag, c.Prerelease, v)
		}
	})
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"main", "feature/login", "refs/heads/x", "..", "", "héllo", "sha256-" + strings.Repeat("0a", 32),
		strings.Repeat("long/", 40), "a--b-", "Feature/LOGIN"} {
		f.Add(s, false, 0)
	}
	f.Fuzz(func(t *testing.T, s string, lower bool, max int) {
		z := Sanitizer{Lowercase: lower, MaxLength: max}
		out, err := z.Sanitize(s)
		limit := max
		if limit <= 0 || limit > maxTagLen {
			limit = maxTagLen
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidTag) {
				t.Fatalf("Sanitize(%q): error %v does not match ErrInvalidTag", s, err)
			}
			rest := strings.TrimPrefix(strings.TrimPrefix(s, "refs/heads/"), "refs/tags/")
			if limit >= hashSuffixLen+2 && strings.ContainsFunc(rest, func(r rune) bool { return r < 0x80 && isAlnum(byte(r)) || r == '_' }) {
				t.Fatalf("Sanitize(%q) failed although it has word characters: %v", s, err)
			}
			return
		}
		if e := validateTag(out); e != nil {
			t.Fatalf("Sanitize(%q) = %q, not a valid tag: %v", s, out, e)
		}
		if len(out) > limit {
			t.Fatalf("Sanitize(%q) = %q, longer than %d", s, out, limit)
		}
		if isReferrersTag(out) {
			t.Fatalf("Sanitize(%q) = %q has the referrers shape", s, out)
		}
		if again, err := z.Sanitize(out); err != nil || again != out {
			t.Fatalf("Sanitize is not idempotent on %q: %q, %v", out, again, err)
		}
		if validTag(s) && len(s) <= limit && !lower && !isReferrersTag(s) && strings.TrimRight(s, ".-") == s && out != s {
			t.Fatalf("Sanitize(%q) = %q changed a valid tag", s, out)
		}
	})
}

// FuzzDeriveSetValid checks the property every Set keeps: each tag is
// valid by the distribution grammar, never the referrers shape, and no
// tag appears twice, whatever the facts and prefixes.
func FuzzDeriveSetValid(f *testing.F) {
	f.Add("v2.4.1", "a3f2c8d", "main", "feature/x", "alpine", "v", "", 42, int64(1705276800))
	f.Add("1.2.3-rc.1+b.5", "abc123", "refs/heads/main", "x/y z", "", "", "-s", 0, int64(0))
	f.Add("0.1", "", strings.Repeat("b", 300), "sha256-"+strings.Repeat("0a", 32), "Bookworm Slim", "sha256-", "", 7, int64(-5))
	f.Fuzz(func(t *testing.T, version, commit, branch, raw, variant, prefix, suffix string, pr int, epoch int64) {
		facts := Facts{Version: version, Commit: commit, Branch: branch, DefaultBranch: "main", PR: pr, BuildID: raw,
			Variant: variant, Channels: []string{raw}, Time: time.Unix(epoch, 0), ExistingTags: []string{raw, "2.0.1", version}}
		scheme := Scheme{Flavor: Flavor{Prefix: prefix, Suffix: suffix, OnLatest: true}, Rules: []Rule{
			{Type: RuleSemver, Pattern: "{{version}}"}, {Type: RuleSemver, Pattern: "{{major}}.{{minor}}"},
			{Type: RuleSemver, Pattern: "{{major}}", MajorZero: true}, {Type: RuleSemver, Pattern: "{{raw}}", Prefix: prefix},
			{Type: RulePrerelease}, {Type: RuleSHA}, {Type: RuleSHA, Length: 40, Prefix: "sha-"}, {Type: RuleBranch}, {Type: RuleBranchSHA},
			{Type: RulePR}, {Type: RuleBuildID}, {Type: RuleDate, Pattern: "2006-01-02T15:04"}, {Type: RuleRaw, Value: raw + "x"},
			{Type: RuleChannel, Value: raw + "c"}, {Type: RuleEdge},
		}}
		set, err := Derive(facts, scheme)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Rule == "" {
				t.Fatalf("Derive error %v is not an *Error naming a rule", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, tag := range set.Tags {
			if e := validateTag(tag.Name); e != nil {
				t.Fatalf("Derive gave invalid tag %q: %v", tag.Name, e)
			}
			if isReferrersTag(tag.Name) {
				t.Fatalf("Derive gave the referrers shape %q", tag.Name)
			}
			if seen[tag.Name] {
				t.Fatalf("Derive gave %q twice", tag.Name)
			}
			seen[tag.Name] = true
		}
	})
}
