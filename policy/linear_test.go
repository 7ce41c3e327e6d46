package policy

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewLinearMatcher(t *testing.T) {
	for pattern, linear := range map[string]bool{
		`^main-[a-f0-9]+-(?P<ts>[0-9]+)`: true,
		`^rc-(\d+)$`:                     true,
		`^v?(\d+)\.(\d+)-alpine$`:        true,
		`^(v)?(\d+)`:                     false, // an optional group
		`^\d{4}-\d{2}-\d{2}$`:            true,  // a fixed count is a run of single classes
		`^\d{2,4}-`:                      false, // a counted range nests options
		`^[a-z]+[a-z0-9]`:                false, // the repeat could give a letter back
		`^\d+\d`:                         false,
		`^a*?b`:                          false, // not greedy
		`main-(\d+)`:                     false, // not anchored at the start
		`(?i)^main-(\d+)`:                false,
		`^(a|b)c`:                        true, // one character of two
		`^(a(b)+)`:                       false,
		`^é(\d+)`:                        false,
		`^.*-(\d+)`:                      false,
		`^x?y`:                           true,
		`^`:                              false,
	} {
		t.Run(pattern, func(t *testing.T) {
			re := regexp.MustCompile(pattern)
			assert.Equal(t, linear, newLinearMatcher(pattern, re.NumSubexp()) != nil)
		})
	}
}

func TestLinearMatcherAgreesWithRegexp(t *testing.T) {
	tags := append(realisticTags(2000), "main-", "main-a-", "main-a-1", "main--1", "rc-1", "rc-", "rc-12x", "v1.2-alpine", "1.2-alpine", "")
	for _, pattern := range []string{`^main-[a-f0-9]+-(?P<ts>[0-9]+)`, `^rc-(\d+)$`, `^v?(\d+)\.(\d+)-alpine$`, `^x?y`, `^(sha)-([0-9a-f]*)`} {
		re := regexp.MustCompile(pattern)
		m := newLinearMatcher(pattern, re.NumSubexp())
		require.NotNil(t, m, pattern)
		for _, tag := range tags {
			caps := make([]int, 2*(re.NumSubexp()+1))
			want := re.FindStringSubmatchIndex(tag)
			if !m.match(tag, caps) {
				assert.Nil(t, want, "%s on %q", pattern, tag)
				continue
			}
			assert.Equal(t, want, caps, "%s on %q", pattern, tag)
		}
	}
}

// The linear matcher is a shortcut: wherever it applies it finds what the
// regexp engine finds, capture positions included.
func FuzzLinearMatcher(f *testing.F) {
	f.Add(`^main-[a-f0-9]+-(?P<ts>[0-9]+)`, "main-a3f2c8d-1700000100")
	f.Add(`^(v)?(\d+)\.(\d+)-alpine$`, "v1.2-alpine")
	f.Add(`^(a?)(b*)c`, "bbc")
	f.Add(`^[^-]+-(x?)$`, "abc-x")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		m := newLinearMatcher(pattern, re.NumSubexp())
		if m == nil || !isASCII(s) {
			return
		}
		want := re.FindStringSubmatchIndex(s)
		caps := make([]int, 2*(re.NumSubexp()+1))
		if !m.match(s, caps) {
			if want != nil {
				t.Fatalf("%q matches %q at %v; the linear matcher finds nothing", pattern, s, want)
			}
			return
		}
		if want == nil || !slicesEqual(want, caps) {
			t.Fatalf("%q on %q: regexp %v, linear %v", pattern, s, want, caps)
		}
	})
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Select gives the same Result with its shortcuts (prefilter, linear
// matcher, one-group extraction) as with the regexp engine alone.
func TestSelectShortcutsAgree(t *testing.T) {
	tags := append(realisticTags(3000), "main-é-1", "main-a-\xff", "rc-1", "rc-07", "app-1.2.3", "app-v2.0.0")
	for _, s := range []Strategy{
		{Kind: ByNumeric, Pattern: `^main-[a-f0-9]+-(?P<ts>[0-9]+)`, Extract: "$ts"},
		{Kind: ByNumeric, Pattern: `^main-[a-f0-9]+-(?P<ts>[0-9]+)`, Extract: "${ts}0"},
		{Kind: ByNumeric, Pattern: `^rc-(\d+)$`, Extract: "${1}", Order: PickLowest},
		{Kind: BySemver, Constraint: ">=1", Pattern: `^app-(.+)$`, Extract: "$1"},
		{Kind: ByAlphabetical, Pattern: `^sha-[0-9a-f]+`},
		{Kind: ByAlphabetical, Pattern: `alpine`},
		{Kind: ByVariant, Current: "1.2.3-alpine", Pattern: `-alpine$`},
	} {
		t.Run(s.Pattern+" "+s.Extract, func(t *testing.T) {
			fast, err := NewSelector(s)
			require.NoError(t, err)
			plain := *fast
			plain.filter, plain.linear, plain.group = prefilter{}, nil, -1
			assert.Equal(t, plain.Select(tags), fast.Select(tags))
		})
	}
}

// Random patterns of the linear shape, checked against the regexp engine
// on random strings over a small alphabet, where matches are likely.
func TestLinearMatcherRandomPatterns(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	atoms := []string{"a", "b", "-", ".", `\d`, "[ab]", "[^-]", "[a-c0-9]", `\.`, "x"}
	reps := []string{"", "", "?", "*", "+", "{2}"}
	alphabet := "ab-.0x1c"
	linear := 0
	for range 3000 {
		var p strings.Builder
		p.WriteString("^")
		groups := 0
		for range 1 + r.IntN(5) {
			atom := atoms[r.IntN(len(atoms))] + reps[r.IntN(len(reps))]
			if r.IntN(4) == 0 {
				atom = "(" + atom + ")"
				groups++
			}
			p.WriteString(atom)
		}
		if r.IntN(2) == 0 {
			p.WriteString("$")
		}
		pattern := p.String()
		re := regexp.MustCompile(pattern)
		m := newLinearMatcher(pattern, re.NumSubexp())
		if m == nil {
			continue
		}
		linear++
		for range 40 {
			b := make([]byte, r.IntN(8))
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			s := string(b)
			caps := make([]int, 2*(re.NumSubexp()+1))
			want := re.FindStringSubmatchIndex(s)
			if !m.match(s, caps) {
				require.Nil(t, want, "%s on %q", pattern, s)
				continue
			}
			require.Equal(t, want, caps, "%s on %q", pattern, s)
		}
	}
	assert.Greater(t, linear, 500, "enough of the patterns are linear to test the matcher")
}
