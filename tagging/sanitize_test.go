package tagging

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/reference"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		in   string
		z    Sanitizer
		want string
	}{
		{"main", Sanitizer{}, "main"},
		{"feature/login", Sanitizer{}, "feature-login"},
		{"refs/heads/feature/login", Sanitizer{}, "feature-login"},
		{"refs/tags/v1.2.3", Sanitizer{}, "v1.2.3"},
		{"feature//login!!now", Sanitizer{}, "feature-login-now"},
		{"Feature/Login", Sanitizer{}, "Feature-Login"},
		{"Feature/Login", Sanitizer{Lowercase: true}, "feature-login"},
		{"..hidden", Sanitizer{}, "hidden"},
		{"-dash", Sanitizer{}, "dash"},
		{"/leading/slash/", Sanitizer{}, "leading-slash"},
		{"trailing.", Sanitizer{}, "trailing"},
		{"trailing-", Sanitizer{}, "trailing"},
		{"a--b", Sanitizer{}, "a--b"},
		{"_under", Sanitizer{}, "_under"},
		{"héllo wörld", Sanitizer{}, "h-llo-w-rld"},
		{"v1.2.3+build.5", Sanitizer{}, "v1.2.3-build.5"},
		{"sha256-" + strings.Repeat("0a", 32), Sanitizer{}, "sha256_" + strings.Repeat("0a", 32)},
		{"sha512-" + strings.Repeat("0a", 32), Sanitizer{}, "sha512_" + strings.Repeat("0a", 32)},
		{"sha256/" + strings.Repeat("0a", 32), Sanitizer{}, "sha256_" + strings.Repeat("0a", 32)},
		// Not the referrers shape: wrong length or not hex.
		{"sha256-" + strings.Repeat("0a", 31), Sanitizer{}, "sha256-" + strings.Repeat("0a", 31)},
		{"md5-" + strings.Repeat("0a", 32), Sanitizer{}, "md5-" + strings.Repeat("0a", 32)},
	}
	for _, tt := range tests {
		got, err := tt.z.Sanitize(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.NoError(t, reference.ValidateTag(got))
	}
}

func TestSanitizeLongValues(t *testing.T) {
	base := "feature/" + strings.Repeat("very-long-branch-name-", 10)
	a, b := base+"one", base+"two"
	ta, err := Sanitize(a)
	require.NoError(t, err)
	tb, err := Sanitize(b)
	require.NoError(t, err)
	assert.Len(t, ta, 128)
	assert.Len(t, tb, 128)
	assert.NotEqual(t, ta, tb, "two long branches never collide")
	assert.Equal(t, ta[:119], tb[:119], "they share the cut prefix")
	assert.Regexp(t, `-[0-9a-f]{8}$`, ta)
	assert.NoError(t, reference.ValidateTag(ta))

	// The result is stable.
	again, err := Sanitize(a)
	require.NoError(t, err)
	assert.Equal(t, ta, again)

	// A shorter limit.
	short, err := Sanitizer{MaxLength: 20}.Sanitize(a)
	require.NoError(t, err)
	assert.Len(t, short, 20)
	assert.Equal(t, "feature-ver-", short[:12])

	// Exactly at the limit: no hash.
	exact := strings.Repeat("x", 128)
	got, err := Sanitize(exact)
	require.NoError(t, err)
	assert.Equal(t, exact, got)
}

func TestSanitizeErrors(t *testing.T) {
	for _, in := range []string{"", "/", "...", "-.-", "äöü"} {
		_, err := Sanitize(in)
		assert.ErrorIs(t, err, ErrInvalidTag, in)
		assert.ErrorContains(t, err, "sanitize", in)
	}
	_, err := Sanitizer{MaxLength: 5}.Sanitize("main")
	assert.ErrorIs(t, err, ErrInvalidTag)
}

func TestDeriveLongBranches(t *testing.T) {
	base := "feature/" + strings.Repeat("x", 200)
	s := Scheme{Rules: []Rule{{Type: RuleBranch}, {Type: RuleBranchSHA}}}
	a, err := Derive(Facts{Branch: base + "/one", Commit: fullSHA, Variant: "alpine"}, s)
	require.NoError(t, err)
	b, err := Derive(Facts{Branch: base + "/two", Commit: fullSHA, Variant: "alpine"}, s)
	require.NoError(t, err)
	require.Len(t, a.Tags, 2)
	require.Len(t, b.Tags, 2)
	for i := range a.Tags {
		assert.Len(t, a.Tags[i].Name, 128)
		assert.NotEqual(t, a.Tags[i].Name, b.Tags[i].Name)
		assert.True(t, strings.HasSuffix(a.Tags[i].Name, "-alpine"), a.Tags[i].Name)
	}
	assert.True(t, strings.HasSuffix(a.Tags[0].Name, "-a3f2c8d-alpine"), "the commit survives the cut: %s", a.Tags[0].Name)
	assertValidSet(t, a)
	assertValidSet(t, b)
}
