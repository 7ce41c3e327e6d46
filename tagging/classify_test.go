package tagging

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	type want struct {
		kind      Kind
		form      Form
		precision int
		version   string // "" when there is no version
		prefix    string
		variant   string
		pre       string
		commit    string
		build     string
	}
	tests := []struct {
		tag  string
		want want
	}{
		// Immutable: full semver, with and without v, prerelease, variant.
		{"1.2.3", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3"}},
		{"v1.3.1", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.3.1", prefix: "v"}},
		{"V1.3.1", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.3.1", prefix: "V"}},
		{"2.4.1-alpine", want{kind: Immutable, form: FormSemver, precision: 3, version: "2.4.1", variant: "alpine"}},
		{"1.2.3-prod", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3", variant: "prod"}},
		{"1.2.3-bookworm-slim", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3", variant: "bookworm-slim"}},
		{"1.2.3-rc.1", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3-rc.1", pre: "rc.1"}},
		{"1.2.3-rc1", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3-rc1", pre: "rc1"}},
		{"1.2.3-beta", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3-beta", pre: "beta"}},
		{"1.2.3-1", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3-1", pre: "1"}},
		{"1.2.3-rc.1-alpine", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3-rc.1", pre: "rc.1", variant: "alpine"}},
		{"v2.0.8-beta.67", want{kind: Immutable, form: FormSemver, precision: 3, version: "2.0.8-beta.67", prefix: "v", pre: "beta.67"}},
		{"app-1.2.3", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3", prefix: "app-"}},
		{"app-v1.2.3", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3", prefix: "app-v"}},
		{"1.2-rc1", want{kind: Immutable, form: FormSemver, precision: 2, version: "1.2.0-rc1", pre: "rc1"}},
		// Immutable: commits.
		{"a3f2c8d", want{kind: Immutable, form: FormSHA, commit: "a3f2c8d"}},
		{"3f2c8da", want{kind: Immutable, form: FormSHA, commit: "3f2c8da"}},
		{"a3f2c8d91e44b7e1a4c52f0d3b9e8a7c6d5e4f30", want{kind: Immutable, form: FormSHA, commit: "a3f2c8d91e44b7e1a4c52f0d3b9e8a7c6d5e4f30"}},
		{"git-a3f2c8d", want{kind: Immutable, form: FormSHA, prefix: "git-", commit: "a3f2c8d"}},
		{"sha-a3f2c8d", want{kind: Immutable, form: FormSHA, prefix: "sha-", commit: "a3f2c8d"}},
		{"git-abc123", want{kind: Immutable, form: FormSHA, prefix: "git-", commit: "abc123"}},
		{"git-1234567", want{kind: Immutable, form: FormSHA, prefix: "git-", commit: "1234567"}},
		{"main-a3f2c8d", want{kind: Immutable, form: FormSHA, prefix: "main-", commit: "a3f2c8d"}},
		{"sha-a3f2c8d-alpine", want{kind: Immutable, form: FormSHA, prefix: "sha-", commit: "a3f2c8d", variant: "alpine"}},
		// Immutable: build ids and dates.
		{"build-42", want{kind: Immutable, form: FormBuildID, prefix: "build-", build: "42"}},
		{"ci-1234-alpine", want{kind: Immutable, form: FormBuildID, prefix: "ci-", build: "1234", variant: "alpine"}},
		{"20240115", want{kind: Immutable, form: FormDate}},
		{"202401151230", want{kind: Immutable, form: FormDate}},
		{"20240115123059", want{kind: Immutable, form: FormDate}},
		{"20240115T123059", want{kind: Immutable, form: FormDate}},
		{"2024.01.15", want{kind: Immutable, form: FormDate}},
		{"2024-01-15", want{kind: Immutable, form: FormDate}},
		{"2024.01.15-rc.1", want{kind: Immutable, form: FormDate, pre: "rc.1"}},
		{"nightly-20240115", want{kind: Immutable, form: FormDate, prefix: "nightly-"}},
		{"20240115.1", want{kind: Immutable, form: FormDate}},   // Azure Pipelines' default build number
		{"20240115.123", want{kind: Immutable, form: FormDate}}, // a counter of up to three digits
		{"2024.01.15.2", want{kind: Immutable, form: FormDate}},
		{"20240115.1-alpine", want{kind: Immutable, form: FormDate, variant: "alpine"}},
		// Release lines.
		{"1", want{kind: ReleaseLine, form: FormMajor, precision: 1, version: "1.0.0"}},
		{"v1", want{kind: ReleaseLine, form: FormMajor, precision: 1, version: "1.0.0", prefix: "v"}},
		{"0", want{kind: ReleaseLine, form: FormMajor, precision: 1, version: "0.0.0"}},
		{"1.2", want{kind: ReleaseLine, form: FormMajorMinor, precision: 2, version: "1.2.0"}},
		{"v2.4", want{kind: ReleaseLine, form: FormMajorMinor, precision: 2, version: "2.4.0", prefix: "v"}},
		{"20.04", want{kind: ReleaseLine, form: FormMajorMinor, precision: 2, version: "20.4.0"}},
		{"2.4-alpine", want{kind: ReleaseLine, form: FormMajorMinor, precision: 2, version: "2.4.0", variant: "alpine"}},
		{"app-v2", want{kind: ReleaseLine, form: FormMajor, precision: 1, version: "2.0.0", prefix: "app-v"}},
		{"2024.1", want{kind: ReleaseLine, form: FormMajorMinor, precision: 2, version: "2024.1.0"}},
		// Channels.
		{"dev", want{kind: Channel, form: FormChannel}},
		{"staging", want{kind: Channel, form: FormChannel}},
		{"production", want{kind: Channel, form: FormChannel}},
		{"prod", want{kind: Channel, form: FormChannel}},
		{"qa", want{kind: Channel, form: FormChannel}},
		{"canary", want{kind: Channel, form: FormChannel}},
		{"stable", want{kind: Channel, form: FormChannel}},
		{"edge", want{kind: Channel, form: FormChannel}},
		{"nightly", want{kind: Channel, form: FormChannel}},
		{"beta", want{kind: Channel, form: FormChannel}},
		{"rc", want{kind: Channel, form: FormChannel}},
		{"Staging", want{kind: Channel, form: FormChannel}},
		{"stable-alpine", want{kind: Channel, form: FormChannel, variant: "alpine"}},
		{"pr-42", want{kind: Channel, form: FormPR, prefix: "pr-"}},
		// Latest, aliases and flavors.
		{"latest", want{kind: Latest, form: FormLatest}},
		{"Latest", want{kind: Latest, form: FormLatest}},
		{"rolling", want{kind: Latest, form: FormLatest}},
		{"latest-alpine", want{kind: Latest, form: FormLatest, variant: "alpine"}},
		{"ubuntu", want{kind: Latest, form: FormFlavor, variant: "ubuntu"}},
		{"alpine", want{kind: Latest, form: FormFlavor, variant: "alpine"}},
		{"bookworm-slim", want{kind: Latest, form: FormFlavor, variant: "bookworm-slim"}},
		{"test", want{kind: Unknown, form: FormUnknown}}, // too ambiguous to be a default channel
		{"1.2.3-SNAPSHOT", want{kind: Immutable, form: FormSemver, precision: 3, version: "1.2.3-SNAPSHOT", pre: "SNAPSHOT"}},
		{"dev-a3f2c8d", want{kind: Immutable, form: FormSHA, prefix: "dev-", commit: "a3f2c8d"}},
		// Unknown: nothing a scheme would produce.
		{"new", want{}},
		{"final2", want{}},
		{"final-2", want{}},
		{"test2", want{}},
		{"deadbeef", want{}},
		{"1.2.3.4", want{}},
		{"1.2.3a", want{}},
		{"1.2.3-rc-", want{}},
		{"v", want{}},
		{"20241399", want{kind: ReleaseLine, form: FormMajor, precision: 1, version: "20241399.0.0"}},
		// Not valid tags at all.
		{"", want{}},
		{".hidden", want{}},
		{"-x", want{}},
		{"a/b", want{}},
		{"1.2.3+build.5", want{}},
		{strings.Repeat("a", 129), want{}},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			c := Classify(tt.tag)
			assert.Equal(t, tt.tag, c.Tag)
			assert.Equal(t, tt.want.kind, c.Kind, "kind: %s", c.Explain())
			assert.Equal(t, tt.want.form, c.Form, "form: %s", c.Explain())
			assert.Equal(t, tt.want.precision, c.Precision, "precision")
			if tt.want.version == "" {
				assert.Nil(t, c.Version(), "version")
			} else if assert.NotNil(t, c.Version(), "version") {
				assert.Equal(t, tt.want.version, c.Version().String(), "version")
			}
			assert.Equal(t, tt.want.prefix, c.Prefix, "prefix")
			assert.Equal(t, tt.want.variant, c.Variant, "variant")
			assert.Equal(t, tt.want.pre, c.Prerelease, "prerelease")
			assert.Equal(t, tt.want.pre != "", c.IsPrerelease(), "IsPrerelease")
			assert.Equal(t, tt.want.commit, c.Commit, "commit")
			assert.Equal(t, tt.want.build, c.BuildID, "build id")
			assert.NotEmpty(t, c.Reason, "every class has a reason")
		})
	}
}

func TestClassifyAgreesWithTagGrammar(t *testing.T) {
	// validTag is the classifier's own copy of the tag grammar; it must
	// agree with the reference package on edge cases.
	for _, tag := range []string{"", "a", "_", "_a", ".a", "-a", "a.", "a-", "A", "a_b.c-d", "a b", "a:b", "a@b", "é",
		strings.Repeat("a", 128), strings.Repeat("a", 129)} {
		assert.Equal(t, validateTag(tag) == nil, validTag(tag), "tag %q", tag)
	}
}

func TestExplain(t *testing.T) {
	tests := []struct{ tag, want string }{
		{"1.2", `"1.2" is release-line: major.minor of a semver line`},
		{"1", `"1" is release-line: major of a semver line`},
		{"1.2.3", `"1.2.3" is immutable: full semantic version, names one release`},
		{"latest", `"latest" is latest: latest is a moving pointer`},
		{"final2", `"final2" is unknown: not a version, commit, build id, date, channel or latest word`},
		{"a b", `"a b" is unknown: not a valid tag by the distribution grammar`},
	}
	for _, tt := range tests {
		c := Classify(tt.tag)
		assert.Equal(t, tt.want, c.Explain())
		assert.Equal(t, tt.want, c.String())
	}
}

func TestClassifierConfiguration(t *testing.T) {
	tests := []struct {
		name string
		c    Classifier
		tag  string
		kind Kind
		form Form
	}{
		{"custom channel", Classifier{Channels: []string{"uat"}}, "uat", Channel, FormChannel},
		{"replaced channels drop defaults", Classifier{Channels: []string{"uat"}}, "staging", Unknown, FormUnknown},
		{"empty list switches channels off", Classifier{Channels: []string{}}, "prod", Unknown, FormUnknown},
		{"latest stays latest without aliases", Classifier{LatestAliases: []string{}}, "latest", Latest, FormLatest},
		{"alias switched off", Classifier{LatestAliases: []string{}}, "rolling", Unknown, FormUnknown},
		{"custom alias", Classifier{LatestAliases: []string{"current", "newest"}}, "newest", Latest, FormLatest},
		{"custom flavor", Classifier{Flavors: []string{"wolfi"}}, "wolfi", Latest, FormFlavor},
		{"custom sha prefix", Classifier{SHAPrefixes: []string{"rev-"}}, "rev-abcd12", Immutable, FormSHA},
		{"custom build prefix", Classifier{BuildPrefixes: []string{"jenkins-"}}, "jenkins-77", Immutable, FormBuildID},
		{"default build prefix dropped", Classifier{BuildPrefixes: []string{"jenkins-"}}, "build-77", Unknown, FormUnknown},
		{"custom pr prefix", Classifier{PRPrefixes: []string{"pull-"}}, "pull-9", Channel, FormPR},
		{"monorepo prefix allows major", Classifier{VersionPrefixes: []string{"app-"}}, "app-2", ReleaseLine, FormMajor},
		{"longer bare sha required", Classifier{MinSHALength: 10}, "a3f2c8d", Unknown, FormUnknown},
		{"custom prerelease label", Classifier{PrereleaseLabels: []string{"next"}}, "1.2.3-next.1", Immutable, FormSemver},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c.Classify(tt.tag)
			assert.Equal(t, tt.kind, c.Kind, c.Explain())
			assert.Equal(t, tt.form, c.Form, c.Explain())
		})
	}
	// A label that is not configured makes the suffix a variant.
	c := Classifier{PrereleaseLabels: []string{"next"}}.Classify("1.2.3-rc.1")
	assert.Equal(t, "", c.Prerelease)
	assert.Equal(t, "rc.1", c.Variant)
}

func TestDefaultListsAreFresh(t *testing.T) {
	l := DefaultChannels()
	require.NotEmpty(t, l)
	l[0] = "changed"
	assert.NotEqual(t, "changed", DefaultChannels()[0])
	assert.Equal(t, Channel, Classify("dev").Kind, "changing a returned list does not change the defaults")
}

func TestKindAndFormText(t *testing.T) {
	kinds := map[Kind]string{Unknown: "unknown", Immutable: "immutable", ReleaseLine: "release-line", Channel: "channel", Latest: "latest"}
	for k, s := range kinds {
		assert.Equal(t, s, k.String())
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back Kind
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, k, back)
	}
	moves := map[Kind]bool{Unknown: false, Immutable: false, ReleaseLine: true, Channel: true, Latest: true}
	for k, m := range moves {
		assert.Equal(t, m, k.Moves(), k.String())
	}
	assert.Equal(t, "Kind(9)", Kind(9).String())
	_, err := Kind(9).MarshalText()
	assert.ErrorIs(t, err, ErrInvalidInput)
	var k Kind
	assert.ErrorIs(t, k.UnmarshalText([]byte("sometimes")), ErrInvalidInput)

	forms := map[Form]string{FormUnknown: "unknown", FormSemver: "semver", FormMajorMinor: "major.minor", FormMajor: "major",
		FormSHA: "sha", FormBuildID: "build-id", FormDate: "date", FormChannel: "channel", FormLatest: "latest",
		FormFlavor: "flavor", FormBranch: "branch", FormPR: "pr"}
	for f, s := range forms {
		assert.Equal(t, s, f.String())
		b, err := json.Marshal(f)
		require.NoError(t, err)
		var back Form
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, f, back)
	}
	assert.Equal(t, "Form(99)", Form(99).String())
	_, err = Form(99).MarshalText()
	assert.ErrorIs(t, err, ErrInvalidInput)
	var f Form
	assert.ErrorIs(t, f.UnmarshalText([]byte("shape")), ErrInvalidInput)
}

func TestVersionIsCallersToKeep(t *testing.T) {
	c := Classify("1.2.3")
	v1, v2 := c.Version(), c.Version()
	require.NotNil(t, v1)
	assert.NotSame(t, v1, v2)
}

func TestClassParts(t *testing.T) {
	tests := []struct {
		tag                 string
		major, minor, patch uint64
	}{
		{"v2.4.1-alpine", 2, 4, 1},
		{"20.04", 20, 4, 0},
		{"v1", 1, 0, 0},
		{"a3f2c8d", 0, 0, 0},
		{"18446744073709551615.1.2", 18446744073709551615, 1, 2},
	}
	for _, tt := range tests {
		c := Classify(tt.tag)
		assert.Equal(t, [3]uint64{tt.major, tt.minor, tt.patch}, [3]uint64{c.Major(), c.Minor(), c.Patch()}, tt.tag)
	}
	// Twenty digits overflow: not a version.
	assert.Equal(t, Unknown, Classify("18446744073709551616.1.2").Kind)
}

func TestClassifierJSONKeepsEmptyLists(t *testing.T) {
	// nil means the defaults and an empty list means none; JSON must keep
	// the difference.
	in := Classifier{Channels: []string{}, Flavors: []string{"wolfi"}}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	var out Classifier
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)
	assert.Equal(t, Unknown, out.Classify("staging").Kind)
	assert.Equal(t, Latest, out.Classify("rolling").Kind, "aliases stay at their defaults")
}
