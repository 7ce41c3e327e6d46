package tagging

import (
	"errors"
	"slices"
	"testing"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allRules is a scheme with every rule type, for the contracts below.
func allRules(latest LatestMode) Scheme {
	return Scheme{Flavor: Flavor{Latest: latest}, Rules: []Rule{
		ruleVersion, ruleMinor, ruleMajor, {Type: RulePrerelease}, {Type: RuleSHA, Prefix: "sha-"}, {Type: RuleBranch},
		{Type: RuleBranchSHA}, {Type: RulePR}, {Type: RuleBuildID}, {Type: RuleDate, Prefix: "nightly-"},
		{Type: RuleRaw, Value: "team-build"}, {Type: RuleChannel, Value: "qa"}, {Type: RuleEdge},
	}}
}

func skippedTags(set Set) []string {
	var out []string
	for _, s := range set.Skipped {
		if s.Tag != "" {
			out = append(out, s.Tag)
		}
	}
	return out
}

func TestLatestGoesOnlyToTheNewestStableRelease(t *testing.T) {
	day := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		facts      Facts
		scheme     Scheme
		wantLatest bool
	}{
		{"push to the default branch", Facts{Commit: fullSHA, Branch: "main", DefaultBranch: "main"}, DefaultScheme(), false},
		{"push to the default branch, every rule", Facts{Commit: fullSHA, Branch: "main", DefaultBranch: "main"}, allRules(LatestAuto), false},
		{"push to a feature branch", Facts{Commit: fullSHA, Branch: "feature/x", DefaultBranch: "main"}, DefaultScheme(), false},
		{"schedule", Facts{Commit: fullSHA, Time: day}, rules(Rule{Type: RuleDate, Prefix: "nightly-"}), false},
		{"build without any fact but the commit", Facts{Commit: fullSHA}, DefaultScheme(), false},
		{"prerelease", Facts{Version: "2.1.0-rc.1"}, DefaultScheme(), false},
		{"stable release, no existing tags", Facts{Version: "2.0.0"}, DefaultScheme(), true},
		{"stable release newest among the existing", Facts{Version: "2.0.2", ExistingTags: []string{"2.0.1", "1.9.0"}}, DefaultScheme(), true},
		{"stable release older than an existing one", Facts{Version: "1.9.1", ExistingTags: []string{"2.0.1"}}, DefaultScheme(), false},
		{"release built from the default branch", Facts{Version: "2.0.0", Branch: "main", DefaultBranch: "main"}, DefaultScheme(), true},
		{"asked for on a branch build", Facts{Branch: "main", DefaultBranch: "main"}, Scheme{Rules: []Rule{{Type: RuleBranch}}, Flavor: Flavor{Latest: LatestAlways}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Derive(tt.facts, tt.scheme)
			require.NoError(t, err)
			assert.Equal(t, tt.wantLatest, set.Has("latest"), "%v", set.Names())
			if !tt.wantLatest {
				assert.Contains(t, skippedTags(set), "latest", "the set says why latest was not added")
			}
			assertValidSet(t, set)
		})
	}
	set, err := Derive(Facts{Branch: "main", DefaultBranch: "main"}, DefaultScheme())
	require.NoError(t, err)
	require.NotEmpty(t, set.Skipped)
	assert.Contains(t, set.Skipped[len(set.Skipped)-1].Reason, "edge rule")
}

func TestPullRequestIsTaggedOnlyAsItself(t *testing.T) {
	facts := Facts{PR: 17, Branch: "main", DefaultBranch: "main", Commit: fullSHA, BuildID: "9",
		Time: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), Channels: []string{"staging"}}
	for _, mode := range []LatestMode{LatestAuto, LatestAlways} {
		for _, version := range []string{"", "2.0.0"} {
			f := facts
			f.Version = version
			set, err := Derive(f, allRules(mode))
			require.NoError(t, err)
			assert.Equal(t, []string{"sha-a3f2c8d", "build-9", "pr-17"}, set.Names(), "mode %q version %q", mode, version)
			for _, tag := range []string{"latest", "edge", "main", "main-a3f2c8d", "staging", "qa", "team-build", "nightly-20240115"} {
				assert.False(t, set.Has(tag), tag)
			}
			assert.Contains(t, skippedTags(set), "latest")
			assertValidSet(t, set)
		}
	}
	set, err := Derive(facts, DefaultScheme())
	require.NoError(t, err)
	assert.Equal(t, []string{"sha-a3f2c8d", "pr-17"}, set.Names())

	// The pull request from a fork's main, with nothing else known.
	for _, mode := range []LatestMode{LatestAuto, LatestAlways} {
		set, err = Derive(Facts{PR: 17, Branch: "main", DefaultBranch: "main"},
			Scheme{Rules: []Rule{{Type: RuleBranch}, {Type: RuleEdge}, {Type: RulePR}}, Flavor: Flavor{Latest: mode}})
		require.NoError(t, err)
		assert.Equal(t, []string{"pr-17"}, set.Names(), mode)
	}
}

func TestReservedNamesAreSkippedFromTheCI(t *testing.T) {
	scheme := Scheme{Rules: []Rule{{Type: RuleBranch}, {Type: RuleChannel, Value: "uat"}, {Type: RuleEdge}}}
	tests := []struct {
		branch string
		skip   bool
	}{
		{"latest", true}, {"LATEST", true}, {"rolling", true}, {"latest-fixes", true}, {"alpine", true},
		{"v1", true}, {"2.4", true}, {"1.2.3", true}, {"v2.4.1-rc.1", true},
		{"staging", true}, {"production", true}, {"prod", true}, {"edge", true}, {"uat", true},
		{"a3f2c8d1", true}, {"fix-a3f2c8d1", true}, {"sha256-abcdef12", true}, {"sha256-" + fullSHA + fullSHA[:24], true},
		{"pr-5", true},
		{"main", false}, {"master", false}, {"develop", false}, {"dev", false}, {"feature/login", false},
		{"release/1.2", false}, {"staging-fix", false}, {"renovate/alpine-3.x", false},
	}
	for _, tt := range tests {
		t.Run(tt.branch, func(t *testing.T) {
			set, err := Derive(Facts{Branch: tt.branch, DefaultBranch: "trunk"}, scheme)
			require.NoError(t, err, "a branch name comes from the CI: it is skipped, never an error")
			assertValidSet(t, set)
			if !tt.skip {
				require.Len(t, set.Tags, 2, "%v %v", set.Names(), set.Skipped)
				_, ok := set.ByForm(FormBranch)
				assert.True(t, ok)
				return
			}
			assert.Equal(t, []string{"uat"}, set.Names())
			if tt.branch == "uat" {
				return // the channel rule emits it, so no skip contradicts the set
			}
			require.NotEmpty(t, set.Skipped)
			assert.NotEmpty(t, set.Skipped[0].Tag)
			s := set.Skipped[0]
			assert.Equal(t, "branch", s.Rule)
			assert.Contains(t, s.Reason, `"`+tt.branch+`" gives a tag that `)
		})
	}
	// A monorepo's versions carry its prefix; a bare version is still
	// reserved, the prefixed one too, another prefix is free.
	mono := Scheme{Rules: []Rule{{Type: RuleSemver, Pattern: "{{version}}", Prefix: "app-"}, {Type: RuleBranch}}}
	for branch, emitted := range map[string]bool{"2.4": false, "app-2.4": false, "app-v2": false, "web-2.4": true} {
		set, err := Derive(Facts{Branch: branch}, mono)
		require.NoError(t, err)
		assert.Equal(t, emitted, set.Has(branch), branch)
	}

	// With a variant the reserved name is the channel of that variant.
	set, err := Derive(Facts{Branch: "staging", Variant: "alpine"}, rules(Rule{Type: RuleBranch}))
	require.NoError(t, err)
	assert.Empty(t, set.Names())
	assert.Equal(t, []string{"staging-alpine", "alpine"}, skippedTags(set))
}

func TestReservedNamesAskedForAreRefused(t *testing.T) {
	newer := []string{"2.0.1"}
	tests := []struct {
		name   string
		facts  Facts
		scheme Scheme
		input  string
	}{
		{"channel latest, with a newer version existing", Facts{Version: "1.9.1", Channels: []string{"latest"}, ExistingTags: newer}, DefaultScheme(), "latest"},
		{"channel latest", Facts{Channels: []string{"latest"}}, DefaultScheme(), "latest"},
		{"channel that is a release line", Facts{Channels: []string{"v1"}}, DefaultScheme(), "v1"},
		{"channel that is a commit", Facts{Channels: []string{"a3f2c8d"}}, DefaultScheme(), "a3f2c8d"},
		{"channel rule latest", Facts{}, rules(Rule{Type: RuleChannel, Value: "latest"}), "latest"},
		{"channel rule 2.4", Facts{}, rules(Rule{Type: RuleChannel, Value: "2.4"}), "2.4"},
		{"edge value latest", Facts{Branch: "main", DefaultBranch: "main"}, rules(Rule{Type: RuleEdge, Value: "latest"}), "latest"},
		{"raw latest", Facts{}, rules(Rule{Type: RuleRaw, Value: "latest"}), "latest"},
		{"raw version", Facts{}, rules(Rule{Type: RuleRaw, Value: "2.4"}), "2.4"},
		{"raw v1", Facts{}, rules(Rule{Type: RuleRaw, Value: "v1"}), "v1"},
		{"raw production", Facts{}, rules(Rule{Type: RuleRaw, Value: "production"}), "production"},
		{"raw referrers-like", Facts{}, rules(Rule{Type: RuleRaw, Value: "sha256-abcdef0123"}), "sha256-abcdef0123"},
		{"raw pull request", Facts{}, rules(Rule{Type: RuleRaw, Value: "pr-42"}), "pr-42"},
		{"date layout that is a version", Facts{Time: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)}, rules(Rule{Type: RuleDate, Pattern: "2006.1"}), "2024.1"},
		{"variant latest", Facts{Version: "1.2.3", Variant: "latest"}, DefaultScheme(), "latest"},
		{"variant that is a release line", Facts{Version: "1.2.3", Variant: "2.4"}, DefaultScheme(), "2.4"},
		{"variant that is a channel", Facts{Version: "1.2.3", Variant: "staging"}, DefaultScheme(), "staging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Derive(tt.facts, tt.scheme)
			require.ErrorIs(t, err, ErrReservedTag)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.NotEmpty(t, e.Rule)
			assert.Equal(t, tt.input, e.Input)
			assert.Contains(t, err.Error(), `"`+tt.input+`"`)
			assert.Regexp(t, "reads as|shape of", err.Error())
			assert.Empty(t, set.Tags)
		})
	}
}

func TestDefaultSchemeTagsWhatACIUserExpects(t *testing.T) {
	tests := []struct {
		name  string
		facts Facts
		want  []string
	}{
		{"tag push", Facts{Version: "v2.4.1", Commit: fullSHA}, []string{"2.4.1", "2.4", "2", "sha-a3f2c8d", "latest"}},
		{"branch push", Facts{Branch: "refs/heads/feature/login", Commit: fullSHA, DefaultBranch: "main"}, []string{"sha-a3f2c8d", "feature-login"}},
		{"pull request", Facts{PR: 42, Branch: "feature/login", Commit: fullSHA}, []string{"sha-a3f2c8d", "pr-42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Derive(tt.facts, DefaultScheme())
			require.NoError(t, err)
			assert.Equal(t, tt.want, set.Names())
			for _, s := range set.Skipped {
				assert.Empty(t, s.Fact, "every given fact is used: %v", s)
			}
			assertValidSet(t, set)
		})
	}
}

func TestUnusedFactsAreReported(t *testing.T) {
	tests := []struct {
		name   string
		facts  Facts
		scheme Scheme
		want   []string // facts reported unused
	}{
		{"build id with the default scheme", Facts{Version: "1.2.3", BuildID: "42"}, DefaultScheme(), []string{"buildID"}},
		{"branch and pr without their rules", Facts{Version: "1.2.3", Branch: "main", PR: 3}, rules(ruleVersion), []string{"branch", "pr"}},
		{"version and commit without their rules", Facts{Version: "1.2.3", Commit: fullSHA, BuildID: "7"}, rules(Rule{Type: RuleBuildID}), []string{"version", "commit"}},
		{"a disabled rule does not use its fact", Facts{Commit: fullSHA}, rules(Rule{Type: RuleSHA, Disabled: true}), []string{"commit"}},
		{"everything used", Facts{Version: "1.2.3", Commit: fullSHA, Branch: "main", BuildID: "7"}, allRules(LatestAuto), nil},
		{"context facts are not reported", Facts{DefaultBranch: "main", ExistingTags: []string{"1.0.0"}, Time: time.Unix(0, 0)}, rules(ruleVersion), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Derive(tt.facts, tt.scheme)
			require.NoError(t, err)
			var got []string
			for _, s := range set.Skipped {
				if s.Fact != "" {
					got = append(got, s.Fact)
					assert.Contains(t, s.Reason, "no ")
					assert.Empty(t, s.Rule)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSetByFormAndSortedLabels(t *testing.T) {
	set, err := Derive(Facts{Version: "2.4.1", Commit: fullSHA, Branch: "main", Time: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC),
		Metadata: Metadata{Title: "app", Source: "https://example.com/app", Labels: map[string]string{"a.first": "1"}}}, DefaultScheme())
	require.NoError(t, err)
	for form, want := range map[Form]string{FormSemver: "2.4.1", FormMajorMinor: "2.4", FormMajor: "2", FormSHA: "sha-a3f2c8d", FormBranch: "main", FormLatest: "latest"} {
		tag, ok := set.ByForm(form)
		require.True(t, ok, form)
		assert.Equal(t, want, tag.Name, form)
	}
	_, ok := set.ByForm(FormPR)
	assert.False(t, ok)

	for _, pairs := range [][]KeyValue{set.SortedLabels(), set.SortedAnnotations()} {
		require.Len(t, pairs, len(set.Labels))
		assert.True(t, slices.IsSortedFunc(pairs, func(a, b KeyValue) int {
			if a.Key < b.Key {
				return -1
			}
			return 1
		}))
		assert.Equal(t, KeyValue{Key: "a.first", Value: "1"}, pairs[0])
		for _, p := range pairs {
			assert.Equal(t, set.Labels[p.Key], p.Value)
		}
	}
	assert.Contains(t, set.SortedLabels(), KeyValue{Key: v1.AnnotationRevision, Value: fullSHA})
	assert.Empty(t, Set{}.SortedLabels())
}

// FuzzBranchNeverTakesAReservedName holds the reserved-name contract for
// any branch name: the branch comes from the CI, so it never makes Derive
// fail, and the branch tag it gives never reads as latest, a version or a
// commit, and is never a deployment channel.
func FuzzBranchNeverTakesAReservedName(f *testing.F) {
	for _, s := range []string{"main", "latest", "v1", "2.4", "staging", "a3f2c8d1", "sha256-abcdef12", "feature/x", "Latest-Alpine", "pr-3"} {
		f.Add(s)
	}
	scheme := Scheme{Rules: []Rule{{Type: RuleBranch}, {Type: RuleSHA, Prefix: "sha-"}, {Type: RuleEdge}}}
	f.Fuzz(func(t *testing.T, branch string) {
		set, err := Derive(Facts{Branch: branch, Commit: fullSHA, DefaultBranch: "trunk"}, scheme)
		if err != nil {
			if errors.Is(err, ErrReservedTag) {
				t.Fatalf("branch %q: %v", branch, err)
			}
			return // a branch with nothing to make a tag from
		}
		tag, ok := set.ByForm(FormBranch)
		if !ok {
			return
		}
		c := Classify(tag.Name)
		switch {
		case c.Kind == Latest:
			t.Fatalf("branch %q gave %q, which reads as latest", branch, tag.Name)
		case c.Precision > 0 && linePrefix(c.Prefix) == "":
			t.Fatalf("branch %q gave %q, which reads as a version", branch, tag.Name)
		case c.Form == FormSHA && len(tag.Name) < maxTagLen:
			t.Fatalf("branch %q gave %q, which reads as a commit", branch, tag.Name)
		case c.Form == FormChannel && c.Variant == "" && !isBranchChannel(tag.Name):
			t.Fatalf("branch %q gave %q, which reads as a deployment channel", branch, tag.Name)
		}
	})
}
