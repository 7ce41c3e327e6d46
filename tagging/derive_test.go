package tagging

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/reference"
)

const fullSHA = "a3f2c8d91e44b7e1a4c52f0d3b9e8a7c6d5e4f30"

func rules(r ...Rule) Scheme { return Scheme{Rules: r} }

var (
	ruleVersion = Rule{Type: RuleSemver, Pattern: "{{version}}"}
	ruleMinor   = Rule{Type: RuleSemver, Pattern: "{{major}}.{{minor}}"}
	ruleMajor   = Rule{Type: RuleSemver, Pattern: "{{major}}"}
)

func TestDeriveScenarios(t *testing.T) {
	tests := []struct {
		name   string
		facts  Facts
		scheme Scheme
		want   []string
	}{
		{
			// Docker course: payment-api v2.4.1 gets v2.4.1, v2.4 and latest.
			name:   "payment-api release",
			facts:  Facts{Version: "v2.4.1"},
			scheme: rules(Rule{Type: RuleSemver, Pattern: "v{{version}}"}, Rule{Type: RuleSemver, Pattern: "v{{major}}.{{minor}}"}),
			want:   []string{"v2.4.1", "v2.4", "latest"},
		},
		{
			name:   "payment-api release with rule prefix",
			facts:  Facts{Version: "2.4.1"},
			scheme: rules(Rule{Type: RuleSemver, Pattern: "{{version}}", Prefix: "v"}, Rule{Type: RuleSemver, Pattern: "{{major}}.{{minor}}", Prefix: "v"}),
			want:   []string{"v2.4.1", "v2.4", "latest"},
		},
		{
			// MLOps lesson exercise: build once, tag 1.2.3, 1.2, 1, git-<sha>; no latest.
			name:   "mlops build once tag many",
			facts:  Facts{Version: "1.2.3", Commit: "abc123"},
			scheme: Scheme{Rules: []Rule{ruleVersion, ruleMinor, ruleMajor, {Type: RuleSHA, Prefix: "git-"}}, Flavor: Flavor{Latest: LatestNever}},
			want:   []string{"1.2.3", "1.2", "1", "git-abc123"},
		},
		{
			// MLOps mini challenge: hotfix 2.0.1.
			name:   "mlops hotfix",
			facts:  Facts{Version: "2.0.1", Commit: fullSHA},
			scheme: Scheme{Rules: []Rule{ruleVersion, ruleMinor, ruleMajor, {Type: RuleSHA, Prefix: "git-"}}, Flavor: Flavor{Latest: LatestNever}},
			want:   []string{"2.0.1", "2.0", "2", "git-a3f2c8d"},
		},
		{
			// MLOps worked example: release 2.3.1 of a serving API.
			name:   "mlops stable API release",
			facts:  Facts{Version: "2.3.1", Commit: "a1b2c3"},
			scheme: Scheme{Rules: []Rule{ruleVersion, ruleMinor, ruleMajor, {Type: RuleSHA, Prefix: "git-"}}, Flavor: Flavor{Latest: LatestNever}},
			want:   []string{"2.3.1", "2.3", "2", "git-a1b2c3"},
		},
		{
			// Docker course pipeline on every merge to main.
			name:   "ci pipeline on main",
			facts:  Facts{Commit: fullSHA, Branch: "main", DefaultBranch: "main"},
			scheme: rules(Rule{Type: RuleSHA}, Rule{Type: RuleBranchSHA}),
			want:   []string{"a3f2c8d", "main-a3f2c8d", "latest"},
		},
		{
			name:   "ci pipeline on a feature branch gets no latest",
			facts:  Facts{Commit: fullSHA, Branch: "feature/retry", DefaultBranch: "main"},
			scheme: rules(Rule{Type: RuleSHA}, Rule{Type: RuleBranchSHA}),
			want:   []string{"a3f2c8d", "feature-retry-a3f2c8d"},
		},
		{
			// MLOps multi-arch trainer 0.9.0, tagged 0.9.0, 0.9, 0 when major zero is allowed.
			name:   "major zero allowed",
			facts:  Facts{Version: "0.9.0"},
			scheme: Scheme{Rules: []Rule{ruleVersion, ruleMinor, {Type: RuleSemver, Pattern: "{{major}}", MajorZero: true}}, Flavor: Flavor{Latest: LatestNever}},
			want:   []string{"0.9.0", "0.9", "0"},
		},
		{
			name:   "major zero by default",
			facts:  Facts{Version: "0.9.0"},
			scheme: DefaultScheme(),
			want:   []string{"0.9.0", "0.9", "latest"},
		},
		{
			name:   "default scheme",
			facts:  Facts{Version: "v2.4.1", Commit: fullSHA},
			scheme: DefaultScheme(),
			want:   []string{"2.4.1", "2.4", "2", "sha-a3f2c8d", "latest"},
		},
		{
			name:   "default scheme on a branch build",
			facts:  Facts{Commit: fullSHA, Branch: "main"},
			scheme: DefaultScheme(),
			want:   []string{"sha-a3f2c8d"},
		},
		{
			name:   "no facts, no tags",
			facts:  Facts{},
			scheme: DefaultScheme(),
			want:   []string{},
		},
		{
			name:   "two-part version reads as M.m.0",
			facts:  Facts{Version: "v1.6"},
			scheme: DefaultScheme(),
			want:   []string{"1.6.0", "1.6", "1", "latest"},
		},
		{
			name:   "one-part version reads as M.0.0",
			facts:  Facts{Version: "3"},
			scheme: rules(ruleVersion, ruleMajor),
			want:   []string{"3.0.0", "3", "latest"},
		},
		{
			name:   "monorepo version prefix",
			facts:  Facts{Version: "app/v1.2.3"},
			scheme: Scheme{VersionPrefix: "app/", Rules: []Rule{{Type: RuleSemver, Pattern: "{{version}}", Prefix: "app-"}, {Type: RuleSemver, Pattern: "{{major}}.{{minor}}", Prefix: "app-"}}},
			want:   []string{"app-1.2.3", "app-1.2", "latest"},
		},
		{
			name:   "raw keeps the v",
			facts:  Facts{Version: "v1.2.3"},
			scheme: rules(Rule{Type: RuleSemver, Pattern: "{{raw}}"}),
			want:   []string{"v1.2.3", "latest"},
		},
		{
			name:   "patch placeholders",
			facts:  Facts{Version: "1.2.3"},
			scheme: rules(Rule{Type: RuleSemver, Pattern: "{{major}}.{{minor}}.{{patch}}"}),
			want:   []string{"1.2.3", "latest"},
		},
		{
			name:   "build metadata is left out of tags",
			facts:  Facts{Version: "v1.2.3+build.5"},
			scheme: rules(ruleVersion, Rule{Type: RuleSemver, Pattern: "{{raw}}"}),
			want:   []string{"1.2.3", "v1.2.3", "latest"},
		},
		{
			name:   "prerelease gets its full version only",
			facts:  Facts{Version: "1.2.3-rc.1", Commit: fullSHA},
			scheme: DefaultScheme(),
			want:   []string{"1.2.3-rc.1", "sha-a3f2c8d"},
		},
		{
			name:   "prerelease with channel",
			facts:  Facts{Version: "v2.0.0-beta.3"},
			scheme: rules(ruleVersion, ruleMinor, ruleMajor, Rule{Type: RulePrerelease}),
			want:   []string{"2.0.0-beta.3", "beta"},
		},
		{
			name:   "prerelease label with digits",
			facts:  Facts{Version: "2.0.0-rc1"},
			scheme: rules(ruleVersion, Rule{Type: RulePrerelease}),
			want:   []string{"2.0.0-rc1", "rc"},
		},
		{
			name:   "numeric prerelease has no channel",
			facts:  Facts{Version: "2.0.0-1"},
			scheme: rules(ruleVersion, Rule{Type: RulePrerelease}),
			want:   []string{"2.0.0-1"},
		},
		{
			name:   "prerelease rule on a stable version does nothing",
			facts:  Facts{Version: "2.0.0"},
			scheme: rules(ruleVersion, Rule{Type: RulePrerelease}),
			want:   []string{"2.0.0", "latest"},
		},
		{
			name:   "prerelease skips patch-spelled pattern",
			facts:  Facts{Version: "1.2.3-rc.1"},
			scheme: rules(Rule{Type: RuleSemver, Pattern: "{{major}}.{{minor}}.{{patch}}"}, Rule{Type: RuleSemver, Pattern: "{{version}}"}),
			want:   []string{"1.2.3-rc.1"},
		},
		{
			name:   "long sha",
			facts:  Facts{Commit: strings.ToUpper(fullSHA)},
			scheme: rules(Rule{Type: RuleSHA, Prefix: "sha-", Length: 40}),
			want:   []string{"sha-" + fullSHA},
		},
		{
			name:   "branch, pr, build id, date, raw, channel, edge",
			facts:  Facts{Branch: "refs/heads/main", DefaultBranch: "main", PR: 42, BuildID: "42", Time: time.Date(2024, 1, 15, 23, 30, 0, 0, time.UTC), Channels: []string{"staging"}},
			scheme: rules(Rule{Type: RuleBranch}, Rule{Type: RulePR}, Rule{Type: RuleBuildID}, Rule{Type: RuleDate, Prefix: "nightly-"}, Rule{Type: RuleRaw, Value: "Team Build"}, Rule{Type: RuleChannel, Value: "qa"}, Rule{Type: RuleEdge}),
			want:   []string{"build-42", "nightly-20240115", "pr-42", "main", "Team-Build", "qa", "staging", "edge", "latest"},
		},
		{
			name:   "date layout in build time zone is UTC",
			facts:  Facts{Time: time.Date(2024, 1, 16, 1, 30, 0, 0, time.FixedZone("CET", 3600))},
			scheme: rules(Rule{Type: RuleDate, Pattern: "2006-01-02T15:04", Prefix: "nightly-"}),
			want:   []string{"nightly-2024-01-16T00-30"},
		},
		{
			name:   "edge only on the default branch",
			facts:  Facts{Branch: "dev", DefaultBranch: "main"},
			scheme: Scheme{Rules: []Rule{{Type: RuleEdge}, {Type: RuleBranch}}},
			want:   []string{"dev"},
		},
		{
			name:   "custom prefixes for pr and build",
			facts:  Facts{PR: 7, BuildID: "9"},
			scheme: rules(Rule{Type: RulePR, Prefix: "mr-"}, Rule{Type: RuleBuildID, Prefix: "b"}),
			want:   []string{"b9", "mr-7"},
		},
		{
			name:   "branch lowercased",
			facts:  Facts{Branch: "Feature/LOGIN"},
			scheme: Scheme{Lowercase: true, Rules: []Rule{{Type: RuleBranch}}},
			want:   []string{"feature-login"},
		},
		{
			name:   "disabled rule",
			facts:  Facts{Version: "1.2.3", Commit: fullSHA},
			scheme: rules(ruleVersion, Rule{Type: RuleSHA, Disabled: true}),
			want:   []string{"1.2.3", "latest"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Derive(tt.facts, tt.scheme)
			require.NoError(t, err)
			assert.Equal(t, tt.want, set.Names())
			assertValidSet(t, set)
		})
	}
}

// assertValidSet checks the invariants every Set keeps.
func assertValidSet(t *testing.T, set Set) {
	t.Helper()
	seen := map[string]bool{}
	for i, tag := range set.Tags {
		assert.NoError(t, reference.ValidateTag(tag.Name))
		assert.False(t, isReferrersTag(tag.Name), "referrers shape %q", tag.Name)
		assert.False(t, seen[tag.Name], "duplicate %q", tag.Name)
		seen[tag.Name] = true
		assert.Equal(t, tag.Name, tag.Class.Tag)
		assert.Equal(t, tag.Class.Kind, tag.Kind)
		assert.Equal(t, tag.Class.Form, tag.Form)
		assert.NotEmpty(t, tag.Rule)
		assert.NotEmpty(t, tag.Why)
		assert.NotEmpty(t, tag.Class.Reason)
		if i > 0 {
			assert.LessOrEqual(t, tag.Priority, set.Tags[i-1].Priority, "ordered by priority")
		}
	}
	if len(set.Tags) > 0 {
		assert.Equal(t, set.Tags[0].Name, set.Version)
	} else {
		assert.Empty(t, set.Version)
	}
	assert.Equal(t, set.Labels, set.Annotations)
}

func TestDeriveReleaseLines(t *testing.T) {
	existing := []string{"1.8.0", "1.8", "1.9.0", "1.9", "1", "2.0.0", "2.0.1", "2.0", "2", "latest", "sha-0123456", "2.1.0-rc.1"}
	tests := []struct {
		name     string
		version  string
		existing []string
		want     []string
		skipped  []string // tags a rule chose not to emit
	}{
		{
			// A 1.9.1 hotfix published after 2.0.1 moves 1.9 and 1, never 2 or latest.
			name: "hotfix of an older major", version: "1.9.1", existing: existing,
			want: []string{"1.9.1", "1.9", "1"}, skipped: []string{"latest"},
		},
		{
			name: "hotfix of an older minor", version: "1.8.5", existing: existing,
			want: []string{"1.8.5", "1.8"}, skipped: []string{"1", "latest"},
		},
		{
			name: "older patch of the newest minor", version: "2.0.0", existing: existing,
			want: []string{"2.0.0"}, skipped: []string{"2.0", "2", "latest"},
		},
		{
			name: "rebuild of the newest release", version: "2.0.1", existing: existing,
			want: []string{"2.0.1", "2.0", "2", "latest"},
		},
		{
			name: "new release", version: "2.0.2", existing: existing,
			want: []string{"2.0.2", "2.0", "2", "latest"},
		},
		{
			name: "a prerelease among the existing tags does not hold back the stable line", version: "2.0.2", existing: []string{"2.1.0-rc.1"},
			want: []string{"2.0.2", "2.0", "2", "latest"},
		},
		{
			name: "v-prefixed and variant tags count", version: "1.9.1", existing: []string{"v2.0.1", "2.0.1-alpine"},
			want: []string{"1.9.1", "1.9", "1"}, skipped: []string{"latest"},
		},
		{
			name: "another monorepo line does not count", version: "1.9.1", existing: []string{"web-2.0.1"},
			want: []string{"1.9.1", "1.9", "1", "latest"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Derive(Facts{Version: tt.version, ExistingTags: tt.existing}, rules(ruleVersion, ruleMinor, ruleMajor))
			require.NoError(t, err)
			assert.Equal(t, tt.want, set.Names())
			var skipped []string
			for _, s := range set.Skipped {
				skipped = append(skipped, s.Tag)
				assert.Contains(t, s.Reason, "is newer")
			}
			assert.Equal(t, tt.skipped, skipped)
			assertValidSet(t, set)
		})
	}
}

func TestDeriveWhy(t *testing.T) {
	set, err := Derive(Facts{Version: "1.9.1"}, rules(ruleMinor))
	require.NoError(t, err)
	tag, ok := set.Lookup("1.9")
	require.True(t, ok)
	assert.Equal(t, "1.9.1 is assumed the newest patch of 1.9 (no existing tags given)", tag.Why)
	assert.Equal(t, "semver {{major}}.{{minor}}", tag.Rule)

	set, err = Derive(Facts{Version: "1.9.1", ExistingTags: []string{"1.9.0", "2.0.1"}}, rules(ruleMinor))
	require.NoError(t, err)
	tag, ok = set.Lookup("1.9")
	require.True(t, ok)
	assert.Equal(t, "1.9.1 is the newest patch of 1.9 among the existing tags", tag.Why)
	require.Len(t, set.Skipped, 1)
	assert.Equal(t, Skip{Rule: "latest", Tag: "latest", Reason: "not moved: 2.0.1 is newer"}, set.Skipped[0])

	_, ok = set.Lookup("nope")
	assert.False(t, ok)
	assert.True(t, set.Has("1.9"))
	assert.False(t, set.Has("2"))
}

func TestDeriveClasses(t *testing.T) {
	set, err := Derive(Facts{Version: "2.4.1-rc.2", Commit: fullSHA, Branch: "feature/x", PR: 3, BuildID: "77",
		Time: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), Channels: []string{"staging"}},
		rules(ruleVersion, Rule{Type: RulePrerelease}, Rule{Type: RuleSHA, Prefix: "sha-"}, Rule{Type: RuleBranchSHA},
			Rule{Type: RuleBranch}, Rule{Type: RulePR}, Rule{Type: RuleBuildID}, Rule{Type: RuleDate}, Rule{Type: RuleRaw, Value: "v9"}))
	require.NoError(t, err)
	type want struct {
		kind   Kind
		form   Form
		commit string
		build  string
		pre    string
		prec   int
	}
	wants := map[string]want{
		"2.4.1-rc.2":        {Immutable, FormSemver, "", "", "rc.2", 3},
		"rc":                {Channel, FormChannel, "", "", "", 0},
		"sha-a3f2c8d":       {Immutable, FormSHA, "a3f2c8d", "", "", 0},
		"feature-x-a3f2c8d": {Immutable, FormSHA, "a3f2c8d", "", "", 0},
		"feature-x":         {Channel, FormBranch, "", "", "", 0},
		"pr-3":              {Channel, FormPR, "", "", "", 0},
		"build-77":          {Immutable, FormBuildID, "", "77", "", 0},
		"20240115":          {Immutable, FormDate, "", "", "", 0},
		"v9":                {ReleaseLine, FormMajor, "", "", "", 1}, // raw values are classified as they read
		"staging":           {Channel, FormChannel, "", "", "", 0},
	}
	require.Len(t, set.Tags, len(wants))
	for _, tag := range set.Tags {
		w, ok := wants[tag.Name]
		require.True(t, ok, tag.Name)
		assert.Equal(t, w.kind, tag.Class.Kind, tag.Name)
		assert.Equal(t, w.form, tag.Class.Form, tag.Name)
		assert.Equal(t, w.commit, tag.Class.Commit, tag.Name)
		assert.Equal(t, w.build, tag.Class.BuildID, tag.Name)
		assert.Equal(t, w.pre, tag.Class.Prerelease, tag.Name)
		assert.Equal(t, w.prec, tag.Class.Precision, tag.Name)
	}
	v, ok := set.Lookup("2.4.1-rc.2")
	require.True(t, ok)
	require.NotNil(t, v.Class.Version())
	assert.Equal(t, "2.4.1-rc.2", v.Class.Version().String())
}

func TestDeriveClassesAgreeWithClassify(t *testing.T) {
	// The tags of the usual schemes read back as the class Derive gave them.
	set, err := Derive(Facts{Version: "v3.1.4", Commit: fullSHA, Branch: "main", DefaultBranch: "main", BuildID: "12",
		Time: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)},
		rules(Rule{Type: RuleSemver, Pattern: "v{{version}}"}, ruleVersion, ruleMinor, ruleMajor, Rule{Type: RuleSHA, Prefix: "git-"},
			Rule{Type: RuleSHA}, Rule{Type: RuleBranchSHA}, Rule{Type: RuleBuildID}, Rule{Type: RuleDate, Prefix: "nightly-"}, Rule{Type: RuleEdge}))
	require.NoError(t, err)
	require.Len(t, set.Tags, 11)
	for _, tag := range set.Tags {
		c := Classify(tag.Name)
		assert.Equal(t, tag.Class.Kind, c.Kind, tag.Name)
		assert.Equal(t, tag.Class.Form, c.Form, tag.Name)
	}
}

func TestDeriveFlavorAndVariant(t *testing.T) {
	tests := []struct {
		name   string
		facts  Facts
		scheme Scheme
		want   []string
	}{
		{
			name:   "variant on every tag and as latest",
			facts:  Facts{Version: "2.4.1", Commit: fullSHA, Variant: "alpine"},
			scheme: DefaultScheme(),
			want:   []string{"2.4.1-alpine", "2.4-alpine", "2-alpine", "sha-a3f2c8d-alpine", "alpine"},
		},
		{
			name:   "variant is sanitized",
			facts:  Facts{Version: "2.4.1", Variant: "Bookworm Slim"},
			scheme: Scheme{Lowercase: true, Rules: []Rule{ruleVersion}},
			want:   []string{"2.4.1-bookworm-slim", "bookworm-slim"},
		},
		{
			name:   "flavor and rule prefixes compose",
			facts:  Facts{Version: "2.4.1"},
			scheme: Scheme{Flavor: Flavor{Prefix: "app-", Suffix: "-linux"}, Rules: []Rule{{Type: RuleSemver, Pattern: "{{version}}", Prefix: "v", Suffix: "-fips"}}},
			want:   []string{"app-v2.4.1-fips-linux", "latest"},
		},
		{
			name:   "flavor on latest",
			facts:  Facts{Version: "2.4.1"},
			scheme: Scheme{Flavor: Flavor{Prefix: "app-", Suffix: "-linux", OnLatest: true}, Rules: []Rule{ruleVersion}},
			want:   []string{"app-2.4.1-linux", "app-latest-linux"},
		},
		{
			name:   "flavor, rule suffix and variant",
			facts:  Facts{Version: "2.4.1", Variant: "alpine"},
			scheme: Scheme{Flavor: Flavor{Suffix: "-arm64"}, Rules: []Rule{{Type: RuleSemver, Pattern: "{{major}}.{{minor}}", Suffix: "-fips"}}},
			want:   []string{"2.4-fips-arm64-alpine", "alpine"},
		},
		{
			name:   "latest always",
			facts:  Facts{Version: "1.0.0-rc.1"},
			scheme: Scheme{Flavor: Flavor{Latest: LatestAlways}, Rules: []Rule{ruleVersion}},
			want:   []string{"1.0.0-rc.1", "latest"},
		},
		{
			name:   "latest never",
			facts:  Facts{Version: "1.0.0"},
			scheme: Scheme{Flavor: Flavor{Latest: LatestNever}, Rules: []Rule{ruleVersion}},
			want:   []string{"1.0.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Derive(tt.facts, tt.scheme)
			require.NoError(t, err)
			assert.Equal(t, tt.want, set.Names())
			assertValidSet(t, set)
		})
	}
	set, err := Derive(Facts{Version: "2.4.1", Variant: "alpine"}, rules(ruleVersion))
	require.NoError(t, err)
	l, ok := set.Lookup("alpine")
	require.True(t, ok)
	assert.Equal(t, Latest, l.Class.Kind)
	assert.Equal(t, FormFlavor, l.Class.Form)
	assert.Equal(t, "alpine", l.Class.Variant)
}

func TestDeriveOrderAndDedup(t *testing.T) {
	// Rules in reverse order still give the documented order.
	set, err := Derive(Facts{Version: "1.2.3", Commit: fullSHA, Branch: "main", DefaultBranch: "main"},
		rules(Rule{Type: RuleEdge}, Rule{Type: RuleBranch}, Rule{Type: RuleSHA}, ruleMajor, ruleMinor, ruleVersion))
	require.NoError(t, err)
	assert.Equal(t, []string{"1.2.3", "1.2", "1", "a3f2c8d", "main", "edge", "latest"}, set.Names())

	// Priority overrides; equal priorities keep rule order.
	set, err = Derive(Facts{Version: "1.2.3", Commit: fullSHA},
		rules(ruleVersion, Rule{Type: RuleSHA, Priority: 1000}, Rule{Type: RuleRaw, Value: "b", Priority: 5}, Rule{Type: RuleRaw, Value: "a", Priority: 5}))
	require.NoError(t, err)
	assert.Equal(t, []string{"a3f2c8d", "1.2.3", "latest", "b", "a"}, set.Names())

	// A tag emitted twice is kept once, at its first (highest) place.
	set, err = Derive(Facts{Version: "1.2.3", Channels: []string{"latest", "stable"}},
		rules(Rule{Type: RuleRaw, Value: "1.2.3"}, ruleVersion, Rule{Type: RuleSemver, Pattern: "{{major}}.{{minor}}.{{patch}}"}, Rule{Type: RuleChannel, Value: "stable"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"1.2.3", "stable", "latest"}, set.Names())
	first, _ := set.Lookup("1.2.3")
	assert.Equal(t, "semver {{version}}", first.Rule)
	assertValidSet(t, set)
}

func TestDeriveReproducible(t *testing.T) {
	tm, err := SourceDateEpoch("1705276800")
	require.NoError(t, err)
	f := Facts{Version: "1.2.3", Commit: fullSHA, Time: tm}
	s := rules(ruleVersion, Rule{Type: RuleDate, Prefix: "nightly-"})
	a, err := Derive(f, s)
	require.NoError(t, err)
	b, err := Derive(f, s)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, []string{"1.2.3", "nightly-20240115", "latest"}, a.Names())
	assert.Equal(t, "2024-01-15T00:00:00Z", a.Labels[v1.AnnotationCreated])
}

func TestSourceDateEpoch(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"0", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"1705276800", time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"-1", time.Time{}, false},
		{"1.5", time.Time{}, false},
		{"soon", time.Time{}, false},
		{"99999999999999", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := SourceDateEpoch(tt.in)
		if !tt.ok {
			assert.ErrorIs(t, err, ErrInvalidInput, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.True(t, tt.want.Equal(got), tt.in)
		assert.Equal(t, time.UTC, got.Location())
	}

	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.FixedZone("X", 7200))
	got, err := BuildTime("", now)
	require.NoError(t, err)
	assert.True(t, now.Equal(got))
	assert.Equal(t, time.UTC, got.Location())
	got, err = BuildTime("1705276800", now)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), got)
	_, err = BuildTime("x", now)
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestDeriveLabels(t *testing.T) {
	f := Facts{
		Version: "v1.2.3+build.5",
		Commit:  fullSHA,
		Time:    time.Date(2024, 1, 15, 10, 0, 0, 0, time.FixedZone("CET", 3600)),
		Metadata: Metadata{
			Title: "payment-api", Description: "Payments", Source: "https://github.com/acme/payment-api",
			URL: "https://acme.example", Documentation: "https://docs.acme.example", Licenses: "Apache-2.0",
			Authors: "Platform <platform@acme.example>", Vendor: "Acme", BaseName: "docker.io/library/alpine:3.19",
			BaseDigest: "sha256:" + strings.Repeat("ab", 32),
			Labels:     map[string]string{"git.branch": "main", v1.AnnotationTitle: "Payment API"},
		},
	}
	set, err := Derive(f, DefaultScheme())
	require.NoError(t, err)
	want := map[string]string{
		v1.AnnotationCreated:         "2024-01-15T09:00:00Z",
		v1.AnnotationRevision:        fullSHA,
		v1.AnnotationVersion:         "1.2.3+build.5",
		v1.AnnotationRefName:         "1.2.3",
		v1.AnnotationSource:          "https://github.com/acme/payment-api",
		v1.AnnotationURL:             "https://acme.example",
		v1.AnnotationTitle:           "Payment API",
		v1.AnnotationDescription:     "Payments",
		v1.AnnotationLicenses:        "Apache-2.0",
		v1.AnnotationAuthors:         "Platform <platform@acme.example>",
		v1.AnnotationVendor:          "Acme",
		v1.AnnotationDocumentation:   "https://docs.acme.example",
		v1.AnnotationBaseImageName:   "docker.io/library/alpine:3.19",
		v1.AnnotationBaseImageDigest: "sha256:" + strings.Repeat("ab", 32),
		"git.branch":                 "main",
	}
	assert.Equal(t, want, set.Labels)
	assert.Equal(t, want, set.Annotations)

	// The maps are the caller's: changing one changes nothing else.
	set.Labels["x"] = "y"
	assert.NotContains(t, set.Annotations, "x")

	// Without a version the version label is the first tag.
	set, err = Derive(Facts{Commit: fullSHA}, DefaultScheme())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		v1.AnnotationRevision: fullSHA,
		v1.AnnotationVersion:  "sha-a3f2c8d",
		v1.AnnotationRefName:  "sha-a3f2c8d",
	}, set.Labels)
}

func TestDeriveErrors(t *testing.T) {
	tests := []struct {
		name     string
		facts    Facts
		scheme   Scheme
		sentinel error
		contains []string
	}{
		{"version not semver", Facts{Version: "banana"}, DefaultScheme(), ErrInvalidVersion, []string{"version", `"banana"`}},
		{"version leading zero", Facts{Version: "1.02.3"}, DefaultScheme(), ErrInvalidVersion, []string{`"1.02.3"`}},
		{"version four parts", Facts{Version: "1.2.3.4"}, DefaultScheme(), ErrInvalidVersion, []string{`"1.2.3.4"`}},
		{"version without the monorepo prefix", Facts{Version: "v1.2.3"}, Scheme{VersionPrefix: "app/", Rules: []Rule{ruleVersion}}, ErrInvalidVersion, []string{`"app/"`}},
		{"commit not hex", Facts{Commit: "xyz1234"}, DefaultScheme(), ErrInvalidInput, []string{"commit", `"xyz1234"`, "hex"}},
		{"commit too short", Facts{Commit: "abc"}, DefaultScheme(), ErrInvalidInput, []string{"commit"}},
		{"negative pr", Facts{PR: -1}, DefaultScheme(), ErrInvalidInput, []string{"pr", `"-1"`}},
		{"variant of nothing", Facts{Variant: "//"}, DefaultScheme(), ErrInvalidInput, []string{"variant"}},
		{"pattern without placeholder", Facts{Version: "1.2.3"}, rules(Rule{Type: RuleSemver, Pattern: "stable"}), ErrInvalidScheme, []string{"no version placeholder"}},
		{"empty pattern", Facts{}, rules(Rule{Type: RuleSemver}), ErrInvalidScheme, []string{"needs a Pattern"}},
		{"unknown placeholder", Facts{Version: "1.2.3"}, rules(Rule{Type: RuleSemver, Pattern: "{{build}}"}), ErrInvalidScheme, []string{"{{build}}"}},
		{"unclosed placeholder", Facts{Version: "1.2.3"}, rules(Rule{Type: RuleSemver, Pattern: "{{major"}), ErrInvalidScheme, []string{"unclosed"}},
		{"unknown rule type", Facts{}, rules(Rule{Type: "ref"}), ErrInvalidScheme, []string{`"ref"`, "not a rule type"}},
		{"raw without value", Facts{}, rules(Rule{Type: RuleRaw}), ErrInvalidScheme, []string{"raw"}},
		{"channel without value", Facts{}, rules(Rule{Type: RuleChannel}), ErrInvalidScheme, []string{"channel"}},
		{"sha length too small", Facts{Commit: fullSHA}, rules(Rule{Type: RuleSHA, Length: 3}), ErrInvalidScheme, []string{"length"}},
		{"sha length checked without a commit", Facts{}, rules(Rule{Type: RuleBranchSHA, Length: 2}), ErrInvalidScheme, []string{"length"}},
		{"bad latest mode", Facts{}, Scheme{Flavor: Flavor{Latest: "sometimes"}}, ErrInvalidScheme, []string{`"sometimes"`}},
		{"prefix makes an invalid tag", Facts{Version: "1.2.3"}, Scheme{Flavor: Flavor{Prefix: "-x"}, Rules: []Rule{ruleVersion}}, ErrInvalidTag, []string{"semver {{version}}", `"-x1.2.3"`}},
		{"pattern makes an invalid tag", Facts{Version: "1.2.3"}, rules(Rule{Type: RuleSemver, Pattern: "v/{{version}}"}), ErrInvalidTag, []string{`"v/1.2.3"`}},
		{"version tag too long", Facts{Version: "1.2.3-" + strings.Repeat("a", 125)}, DefaultScheme(), ErrInvalidTag, []string{"not valid"}},
		{"raw of nothing", Facts{}, rules(Rule{Type: RuleRaw, Value: "///"}), ErrInvalidTag, []string{"raw", `"///"`}},
		{"raw with prefix gives the referrers shape", Facts{}, rules(Rule{Type: RuleRaw, Prefix: "sha256-", Value: strings.Repeat("ab", 32)}), ErrInvalidTag, []string{"referrers"}},
		{"prefixes leave no room", Facts{Branch: "main"}, rules(Rule{Type: RuleBranch, Prefix: strings.Repeat("p", 120)}), ErrInvalidTag, []string{"leave only"}},
		{"bad base digest", Facts{Metadata: Metadata{BaseDigest: "sha256:xyz"}}, DefaultScheme(), ErrInvalidInput, []string{"base digest"}},
		{"bad label key", Facts{Metadata: Metadata{Labels: map[string]string{"a=b": "c"}}}, DefaultScheme(), ErrInvalidInput, []string{"label key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Derive(tt.facts, tt.scheme)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.sentinel)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.NotEmpty(t, e.Rule)
			for _, c := range tt.contains {
				assert.Contains(t, err.Error(), c)
			}
			assert.Empty(t, set.Tags)
		})
	}
	// The cause is kept: an invalid tag also matches reference.ErrInvalidTag.
	_, err := Derive(Facts{Version: "1.2.3"}, Scheme{Flavor: Flavor{Prefix: "-x"}, Rules: []Rule{ruleVersion}})
	assert.ErrorIs(t, err, reference.ErrInvalidTag)
}

func TestRuleString(t *testing.T) {
	assert.Equal(t, "semver {{major}}", ruleMajor.String())
	assert.Equal(t, "raw x prefix=p- suffix=-s", Rule{Type: RuleRaw, Value: "x", Prefix: "p-", Suffix: "-s"}.String())
	assert.Equal(t, "sha length=40", Rule{Type: RuleSHA, Length: 40}.String())
}

// TestSetValidityProperty derives sets over a grid of awkward facts and
// prefixes: every tag of every Set must pass reference.ValidateTag, and a
// failure must be an *Error naming its rule.
func TestSetValidityProperty(t *testing.T) {
	versions := []string{"", "v2.4.1", "0.0.1", "1.2.3-rc.1+build.7", "v1.6", "18446744073709551615.0.0"}
	branches := []string{"", "main", "feature/JIRA-42 fix", "..//--", strings.Repeat("long/", 40), "sha256-" + strings.Repeat("0a", 32), "ünïcödé"}
	variants := []string{"", "alpine", "Bookworm Slim", strings.Repeat("v", 60)}
	prefixes := []string{"", "v", "app-", "sha256-", strings.Repeat("p", 70)}
	scheme := func(prefix string) Scheme {
		return Scheme{Flavor: Flavor{Prefix: prefix, Suffix: "-x", OnLatest: true}, Rules: []Rule{
			ruleVersion, ruleMinor, {Type: RuleSemver, Pattern: "{{major}}", MajorZero: true}, {Type: RulePrerelease},
			{Type: RuleSHA, Prefix: "sha-"}, {Type: RuleBranch}, {Type: RuleBranchSHA}, {Type: RulePR}, {Type: RuleBuildID},
			{Type: RuleDate, Pattern: "20060102-150405"}, {Type: RuleRaw, Value: "raw value"}, {Type: RuleChannel, Value: "staging"}, {Type: RuleEdge},
		}}
	}
	sets, failures := 0, 0
	for _, v := range versions {
		for _, b := range branches {
			for _, va := range variants {
				for _, p := range prefixes {
					set, err := Derive(Facts{Version: v, Commit: fullSHA, Branch: b, DefaultBranch: "main", PR: 3, BuildID: b,
						Variant: va, Channels: []string{b}, Time: time.Unix(1705276800, 0)}, scheme(p))
					if err != nil {
						var e *Error
						require.True(t, errors.As(err, &e), "%v", err)
						assert.NotEmpty(t, e.Rule)
						failures++
						continue
					}
					sets++
					assertValidSet(t, set)
				}
			}
		}
	}
	require.Positive(t, sets, "the grid must produce sets")
	require.Positive(t, failures, "the grid must reach the error paths")
}

func TestSchemeJSON(t *testing.T) {
	s := DefaultScheme()
	s.Flavor = Flavor{Prefix: "app-", Latest: LatestNever}
	s.Rules = append(s.Rules, Rule{Type: RuleDate, Pattern: "20060102", Prefix: "nightly-", Priority: 5, Disabled: true})
	s.Classifier = Classifier{Channels: []string{"uat"}}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	var back Scheme
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, s, back)

	var fromConfig Scheme
	require.NoError(t, json.Unmarshal([]byte(`{"rules": [{"type": "semver", "pattern": "v{{version}}"}, {"type": "sha", "prefix": "git-", "length": 10}], "flavor": {"latest": "never"}}`), &fromConfig))
	set, err := Derive(Facts{Version: "1.2.3", Commit: fullSHA}, fromConfig)
	require.NoError(t, err)
	assert.Equal(t, []string{"v1.2.3", "git-a3f2c8d91e"}, set.Names())
}

func TestDeriveSkipNamesTheTagThatWouldHaveBeenEmitted(t *testing.T) {
	set, err := Derive(Facts{Version: "1.2.3", Variant: "alpine", ExistingTags: []string{"1.2.4-alpine", "1.3.0-alpine"}}, DefaultScheme())
	require.NoError(t, err)
	var skipped []string
	for _, s := range set.Skipped {
		skipped = append(skipped, s.Tag)
	}
	assert.Contains(t, skipped, "1.2-alpine")
	assert.Contains(t, skipped, "1-alpine")
	assert.NotContains(t, skipped, "1.2")
}

func TestDeriveRawIsAsPreciseAsTheVersionWritten(t *testing.T) {
	raw := Rule{Type: RuleSemver, Pattern: "{{raw}}"}
	set, err := Derive(Facts{Version: "v1.6"}, rules(raw))
	require.NoError(t, err)
	tag, ok := set.Lookup("v1.6")
	require.True(t, ok)
	assert.Equal(t, ReleaseLine, tag.Kind)
	assert.Equal(t, FormMajorMinor, tag.Form)
	assert.Equal(t, Classify("v1.6").Kind, tag.Kind, "Derive and Classify agree")

	set, err = Derive(Facts{Version: "v1.6.2"}, rules(raw))
	require.NoError(t, err)
	tag, ok = set.Lookup("v1.6.2")
	require.True(t, ok)
	assert.Equal(t, Immutable, tag.Kind)

	// A newer patch of the line exists: the two-part raw tag is a release
	// line and does not move back.
	set, err = Derive(Facts{Version: "v1.6", ExistingTags: []string{"1.6.3"}}, rules(raw))
	require.NoError(t, err)
	assert.False(t, set.Has("v1.6"))
}

func TestDeriveBareCommitNeverReadsAsAVersion(t *testing.T) {
	bare := Rule{Type: RuleSHA}
	set, err := Derive(Facts{Commit: "1234567abcdef0123"}, rules(bare))
	require.NoError(t, err)
	require.Len(t, set.Tags, 1)
	assert.Equal(t, "1234567a", set.Tags[0].Name, "lengthened to its first letter")
	assert.Equal(t, Immutable, Classify(set.Tags[0].Name).Kind)
	assert.Equal(t, FormSHA, Classify(set.Tags[0].Name).Form)

	set, err = Derive(Facts{Commit: "a3f2c8d91e44"}, rules(bare))
	require.NoError(t, err)
	assert.Equal(t, "a3f2c8d", set.Tags[0].Name, "a commit with a letter keeps its length")

	set, err = Derive(Facts{Commit: "1234567abc"}, rules(Rule{Type: RuleSHA, Prefix: "sha-"}))
	require.NoError(t, err)
	assert.Equal(t, "sha-1234567", set.Tags[0].Name, "a prefixed commit needs no letter")

	_, err = Derive(Facts{Commit: "12345678901234567890"}, rules(bare))
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestClassifyDefaultPrefixesAllMatch(t *testing.T) {
	var c Classifier
	for _, p := range DefaultBuildPrefixes() {
		assert.Equal(t, FormBuildID, c.Classify(p+"42").Form, p)
	}
	for _, p := range DefaultSHAPrefixes() {
		assert.Equal(t, FormSHA, c.Classify(p+"a3f2c8d").Form, p)
	}
	for _, p := range DefaultPRPrefixes() {
		assert.Equal(t, FormPR, c.Classify(p+"42").Form, p)
	}
}
