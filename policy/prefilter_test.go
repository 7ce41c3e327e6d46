package policy

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewPrefilter(t *testing.T) {
	tests := []struct {
		pattern string
		want    prefilter
	}{
		{`^main-[a-f0-9]+-(?P<ts>[0-9]+)`, prefilter{prefix: "main-"}},
		{`^(main)-[a-f0-9]+-(?P<ts>[0-9]+)$`, prefilter{prefix: "main-"}},
		{`^rc-(\d+)$`, prefilter{prefix: "rc-"}},
		{`^\d+-alpine$`, prefilter{suffix: "-alpine"}},
		{`build-(\d+)-(linux|windows)`, prefilter{inner: "build-"}},
		{`^v(\d+)\.(\d+)-(?:slim)?-amd64$`, prefilter{prefix: "v", suffix: "-amd64", inner: "."}},
		{`(?i)^main-`, prefilter{}},
		{`(?m)^main-`, prefilter{inner: "main-"}},
		{`^(a|b)-x`, prefilter{inner: "-x"}},
		{`^\x{FFFD}x`, prefilter{}},
		{`^(main)(-)(x)`, prefilter{prefix: "main-x"}},
		{`.*`, prefilter{}},
		{``, prefilter{}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			assert.Equal(t, tt.want, newPrefilter(tt.pattern))
		})
	}
}

func TestExtractGroup(t *testing.T) {
	re := regexp.MustCompile(`^(?P<branch>[a-z]+)-(?P<ts>\d+)-(x)?`)
	for tmpl, want := range map[string]int{
		"$ts": 2, "${ts}": 2, "$1": 1, "${3}": 3, "$0": 0,
		"$ts$ts": -1, "v$ts": -1, "${ts": -1, "$4": -1, "$01": -1, "$": -1, "${}": -1, "$$": -1, "$unknown": -1,
	} {
		assert.Equal(t, want, extractGroup(re, tmpl), tmpl)
	}
}

// The prefilter and the one-group extraction are shortcuts: every tag the
// pattern matches passes the prefilter, and the value is what the
// template expands to.
func FuzzPrefilter(f *testing.F) {
	f.Add(`^main-[a-f0-9]+-(?P<ts>[0-9]+)`, "main-a3f2c8d-1700000100", "$ts")
	f.Add(`(?i)^MAIN-(\d+)$`, "main-42", "${1}")
	f.Add(`^v(\d+)\.(\d+)-(?:slim)?-amd64$`, "v1.2--amd64", "$2")
	f.Add(`x\x{FFFD}y`, "x\xffy", "$0")
	f.Fuzz(func(t *testing.T, pattern, s, tmpl string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		m := re.FindStringSubmatchIndex(s)
		if m == nil {
			return
		}
		require.True(t, newPrefilter(pattern).admits(s), "pattern %q matches %q but the prefilter refuses it", pattern, s)
		if g := extractGroup(re, tmpl); g >= 0 {
			want := string(re.ExpandString(nil, tmpl, s, m))
			got := ""
			if m[2*g] >= 0 {
				got = s[m[2*g]:m[2*g+1]]
			}
			require.Equal(t, want, got, "template %q of %q on %q", tmpl, pattern, s)
		}
	})
}
