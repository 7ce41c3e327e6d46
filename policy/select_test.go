package policy

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelect(t *testing.T) {
	tests := []struct {
		name     string
		tags     []string
		s        Strategy
		want     string
		eligible int
		excluded map[Exclusion]int
	}{
		// Keel-style release lines.
		{name: "keel minor from 1.4.2", tags: []string{"1.4.3", "1.5.0", "2.0.0"},
			s:    Strategy{Kind: ByLine, Current: "1.4.2", Line: LineMinor},
			want: "1.5.0", eligible: 2, excluded: map[Exclusion]int{ExcludedOutOfRange: 1}},
		{name: "keel patch from 1.4.2", tags: []string{"1.4.3", "1.5.0", "2.0.0", "1.4.1"},
			s:    Strategy{Kind: ByLine, Current: "1.4.2", Line: LinePatch},
			want: "1.4.3", eligible: 1, excluded: map[Exclusion]int{ExcludedOutOfRange: 2, ExcludedOlder: 1}},
		{name: "keel major from 1.4.2", tags: []string{"1.4.3", "1.5.0", "2.0.0", "latest"},
			s:    Strategy{Kind: ByLine, Current: "1.4.2", Line: LineMajor},
			want: "2.0.0", eligible: 3, excluded: map[Exclusion]int{ExcludedNotVersion: 1}},
		{name: "line keeps the current tag when nothing is newer", tags: []string{"1.4.2", "1.4.1"},
			s:    Strategy{Kind: ByLine, Current: "1.4.2", Line: LinePatch},
			want: "1.4.2", eligible: 1, excluded: map[Exclusion]int{ExcludedOlder: 1}},
		{name: "line with v prefix", tags: []string{"v1.4.3", "1.4.4", "v1.5"},
			s:    Strategy{Kind: ByLine, Current: "v1.4.2", Line: LineMinor},
			want: "v1.4.3", eligible: 1, excluded: map[Exclusion]int{ExcludedPrefix: 1, ExcludedPrecision: 1}},
		{name: "line prerelease opt-in", tags: []string{"1.4.3", "1.5.0-rc.1"},
			s:    Strategy{Kind: ByLine, Current: "1.4.2", Line: LineMinor, Prereleases: true},
			want: "1.5.0-rc.1", eligible: 2},
		{name: "line prerelease not opted in", tags: []string{"1.4.3", "1.5.0-rc.1"},
			s:    Strategy{Kind: ByLine, Current: "1.4.2", Line: LineMinor},
			want: "1.4.3", eligible: 1, excluded: map[Exclusion]int{ExcludedPrerelease: 1}},
		// Renovate-style variant compatibility.
		{name: "1.12-alpine never selects 1.15-alpine-perl",
			tags: []string{"1.15-alpine-perl", "1.15", "1.15.2-alpine", "1.13-alpine", "1.14-alpine", "1.11-alpine"},
			s:    Strategy{Kind: ByVariant, Current: "1.12-alpine"},
			want: "1.14-alpine", eligible: 2, excluded: map[Exclusion]int{ExcludedVariant: 2, ExcludedPrecision: 1, ExcludedOlder: 1}},
		{name: "variant crosses majors", tags: []string{"2.0.0-bookworm", "1.9.9-bookworm", "3.0.0"},
			s:    Strategy{Kind: ByVariant, Current: "1.2.3-bookworm"},
			want: "2.0.0-bookworm", eligible: 2, excluded: map[Exclusion]int{ExcludedVariant: 1}},
		// Semver constraints, as Flux and Helm write them.
		{name: "semver range", tags: []string{"1.1.9", "1.2.0", "1.9.3", "2.0.0", "v1.9.4", "latest", "1.9.5-alpine"},
			s:    Strategy{Kind: BySemver, Constraint: ">=1.2 <2"},
			want: "v1.9.4", eligible: 3, excluded: map[Exclusion]int{ExcludedOutOfRange: 2, ExcludedNotVersion: 1, ExcludedVariant: 1}},
		{name: "semver tilde", tags: []string{"1.3.0", "1.3.7", "1.4.0"},
			s:    Strategy{Kind: BySemver, Constraint: "~1.3"},
			want: "1.3.7", eligible: 2, excluded: map[Exclusion]int{ExcludedOutOfRange: 1}},
		{name: "semver caret", tags: []string{"1.9.0", "2.0.0", "2.7.1", "3.0.0", "2.8.0-rc.1"},
			s:    Strategy{Kind: BySemver, Constraint: "^2"},
			want: "2.7.1", eligible: 2, excluded: map[Exclusion]int{ExcludedOutOfRange: 2, ExcludedPrerelease: 1}},
		{name: "semver prereleases opted in", tags: []string{"2.7.1", "2.8.0-rc.1"},
			s:    Strategy{Kind: BySemver, Constraint: "^2", Prereleases: true},
			want: "2.8.0-rc.1", eligible: 2},
		{name: "semver tie prefers more parts then the smaller tag", tags: []string{"v1.2", "1.2", "v1.2.0", "1.2.0"},
			s:    Strategy{Kind: BySemver, Constraint: "1.x"},
			want: "1.2.0", eligible: 4},
		{name: "semver excludes other prefixes", tags: []string{"app-1.2.3", "sha-a3f2c8d", "1.0.0"},
			s:    Strategy{Kind: BySemver, Constraint: "*"},
			want: "1.0.0", eligible: 1, excluded: map[Exclusion]int{ExcludedNotVersion: 2}},
		{name: "semver nothing eligible", tags: []string{"latest", "3.0.0"},
			s:    Strategy{Kind: BySemver, Constraint: "<2"},
			want: "", eligible: 0, excluded: map[Exclusion]int{ExcludedNotVersion: 1, ExcludedOutOfRange: 1}},
		// Flux-style pattern with extraction.
		{name: "flux pattern, numeric extract",
			tags: []string{"main-a3f2c8d-1700000100", "main-b4e3d9e-1700000900", "main-c5f4e0f-1700000050", "feature-x-1800000000", "latest"},
			s:    Strategy{Kind: ByNumeric, Pattern: `^main-[a-f0-9]+-(?P<ts>[0-9]+)`, Extract: "$ts"},
			want: "main-b4e3d9e-1700000900", eligible: 3, excluded: map[Exclusion]int{ExcludedNoMatch: 2}},
		{name: "numbered group", tags: []string{"rc-9", "rc-10", "rc-x"},
			s:    Strategy{Kind: ByNumeric, Pattern: `^rc-(\d+)$`, Extract: "${1}"},
			want: "rc-10", eligible: 2, excluded: map[Exclusion]int{ExcludedNoMatch: 1}},
		{name: "pattern with semver order", tags: []string{"app-1.2.3", "app-1.10.0", "web-9.0.0"},
			s:    Strategy{Kind: BySemver, Constraint: ">=1", Pattern: `^app-(.+)$`, Extract: "$1"},
			want: "app-1.10.0", eligible: 2, excluded: map[Exclusion]int{ExcludedNoMatch: 1}},
		{name: "pattern without extract filters", tags: []string{"2024-01-15", "2024-03-02", "nightly"},
			s:    Strategy{Kind: ByAlphabetical, Pattern: `^\d{4}-\d{2}-\d{2}$`},
			want: "2024-03-02", eligible: 2, excluded: map[Exclusion]int{ExcludedNoMatch: 1}},
		// Numeric and alphabetical.
		{name: "numeric asc", tags: []string{"9", "10", "100", "099", "x1"},
			s:    Strategy{Kind: ByNumeric},
			want: "100", eligible: 4, excluded: map[Exclusion]int{ExcludedNotNumber: 1}},
		{name: "numeric desc", tags: []string{"9", "10", "100"},
			s:    Strategy{Kind: ByNumeric, Order: PickLowest},
			want: "9", eligible: 3},
		{name: "numeric decimals and ties", tags: []string{"1.5", "1.45", "01.50", "1."},
			s:    Strategy{Kind: ByNumeric},
			want: "01.50", eligible: 3, excluded: map[Exclusion]int{ExcludedNotNumber: 1}},
		{name: "numeric bigger than uint64", tags: []string{"99999999999999999999999", "18446744073709551615"},
			s:    Strategy{Kind: ByNumeric},
			want: "99999999999999999999999", eligible: 2},
		{name: "alphabetical asc", tags: []string{"RELEASE.2024-01-15", "RELEASE.2024-03-02", "RELEASE.2023-12-31"},
			s:    Strategy{Kind: ByAlphabetical, Order: PickHighest},
			want: "RELEASE.2024-03-02", eligible: 3},
		{name: "alphabetical desc", tags: []string{"b", "a", "c"},
			s:    Strategy{Kind: ByAlphabetical, Order: PickLowest},
			want: "a", eligible: 3},
		{name: "empty list", tags: nil, s: Strategy{Kind: ByAlphabetical}, want: "", eligible: 0},
		{name: "duplicates count", tags: []string{"1", "1", "2"}, s: Strategy{Kind: ByNumeric}, want: "2", eligible: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Select(tt.tags, tt.s)
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Tag)
			assert.Equal(t, tt.want != "", r.Found)
			assert.Equal(t, len(tt.tags), r.Considered)
			assert.Equal(t, tt.eligible, r.Eligible)
			assert.Equal(t, tt.excluded, r.Excluded)
			// The answer does not depend on the order of the tags.
			rev := make([]string, len(tt.tags))
			for i, tag := range tt.tags {
				rev[len(tt.tags)-1-i] = tag
			}
			r2, err := Select(rev, tt.s)
			require.NoError(t, err)
			assert.Equal(t, r, r2)
		})
	}
}

func TestNewSelectorErrors(t *testing.T) {
	tests := []struct {
		name  string
		s     Strategy
		field string
	}{
		{"unknown kind", Strategy{Kind: "newest"}, "strategy.kind"},
		{"empty kind", Strategy{}, "strategy.kind"},
		{"missing constraint", Strategy{Kind: BySemver}, "strategy.constraint"},
		{"bad constraint", Strategy{Kind: BySemver, Constraint: ">=1.2 <<2"}, "strategy.constraint"},
		{"line without line", Strategy{Kind: ByLine, Current: "1.2.3"}, "strategy.line"},
		{"bad line", Strategy{Kind: ByLine, Current: "1.2.3", Line: "micro"}, "strategy.line"},
		{"current spells no version", Strategy{Kind: ByVariant, Current: "latest"}, "strategy.current"},
		{"current missing", Strategy{Kind: ByLine, Line: LinePatch}, "strategy.current"},
		{"bad order", Strategy{Kind: ByNumeric, Order: "up"}, "strategy.order"},
		{"order with semver", Strategy{Kind: BySemver, Constraint: "*", Order: PickLowest}, "strategy.order"},
		{"constraint with numeric", Strategy{Kind: ByNumeric, Constraint: "^1"}, "strategy.constraint"},
		{"line with variant", Strategy{Kind: ByVariant, Current: "1.2-alpine", Line: LinePatch}, "strategy.line"},
		{"prereleases with alphabetical", Strategy{Kind: ByAlphabetical, Prereleases: true}, "strategy.prereleases"},
		{"bad pattern", Strategy{Kind: ByNumeric, Pattern: "(["}, "strategy.pattern"},
		{"extract without pattern", Strategy{Kind: ByNumeric, Extract: "$ts"}, "strategy.extract"},
		{"extract unknown name", Strategy{Kind: ByNumeric, Pattern: `(?P<ts>\d+)`, Extract: "$time"}, "strategy.extract"},
		{"extract unknown number", Strategy{Kind: ByNumeric, Pattern: `(\d+)`, Extract: "$2"}, "strategy.extract"},
		{"extract unclosed", Strategy{Kind: ByNumeric, Pattern: `(\d+)`, Extract: "${1"}, "strategy.extract"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSelector(tt.s)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidStrategy)
			var pe *Error
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tt.field, pe.Field)
			assert.Contains(t, err.Error(), tt.field)
			_, err = Select([]string{"1.0.0"}, tt.s)
			assert.ErrorIs(t, err, ErrInvalidStrategy)
		})
	}
}

func TestStrategyJSON(t *testing.T) {
	const doc = `{"kind":"numeric","pattern":"^main-[a-f0-9]+-(?P<ts>[0-9]+)","extract":"$ts","order":"asc"}`
	var s Strategy
	require.NoError(t, json.Unmarshal([]byte(doc), &s))
	assert.Equal(t, Strategy{Kind: ByNumeric, Pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)", Extract: "$ts", Order: PickHighest}, s)
	sel, err := NewSelector(s)
	require.NoError(t, err)
	assert.Equal(t, s, sel.Strategy())
	r := sel.Select([]string{"main-abc1234-5", "main-abc1234-40"})
	out, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"tag":"main-abc1234-40","found":true,"considered":2,"eligible":2}`, string(out))
}

func TestSelectResultIsCallers(t *testing.T) {
	sel, err := NewSelector(Strategy{Kind: ByNumeric})
	require.NoError(t, err)
	r1 := sel.Select([]string{"x", "1"})
	r1.Excluded[ExcludedNotNumber] = 99
	r2 := sel.Select([]string{"x", "1"})
	assert.Equal(t, 1, r2.Excluded[ExcludedNotNumber])
}

func TestCompareDecimal(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"10", "9", 1}, {"007", "7", 0}, {"1.5", "1.45", 1}, {"1.50", "1.5", 0}, {"0", "0.0", 0},
		{"2", "10", -1}, {"1.05", "1.5", -1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, compareDecimal(tt.a, tt.b), "%s vs %s", tt.a, tt.b)
		assert.Equal(t, -tt.want, compareDecimal(tt.b, tt.a), "%s vs %s", tt.b, tt.a)
	}
}

func TestSelectConstraintNamingAPrerelease(t *testing.T) {
	tags := []string{"1.9.0", "2.0.0-alpha.1", "1.2.3-rc.1", "1.5.0-rc.1"}

	// Masterminds reads a prerelease in the constraint as admitting
	// prereleases across its range.
	res, err := Select(tags, Strategy{Kind: BySemver, Constraint: ">=1.2.3-0"})
	require.NoError(t, err)
	assert.Equal(t, "2.0.0-alpha.1", res.Tag)

	// A prerelease refused by the range is out of range, not excluded for
	// being a prerelease.
	res, err = Select([]string{"1.5.0-rc.1"}, Strategy{Kind: BySemver, Constraint: ">=1.2.3-0 <1.3"})
	require.NoError(t, err)
	assert.False(t, res.Found)
	assert.Equal(t, map[Exclusion]int{ExcludedOutOfRange: 1}, res.Excluded)

	// Without a prerelease in the constraint, prereleases need the opt-in.
	res, err = Select(tags, Strategy{Kind: BySemver, Constraint: ">=1.2"})
	require.NoError(t, err)
	assert.Equal(t, "1.9.0", res.Tag)
	assert.Equal(t, 3, res.Excluded[ExcludedPrerelease])
}
