package policy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func refs(t *testing.T, ss ...string) []reference.Reference {
	t.Helper()
	out := make([]reference.Reference, len(ss))
	for i, s := range ss {
		out[i] = ref(t, s)
	}
	return out
}

const pin = "@sha256:9c1e3a5b7d2f8e4a6c0b2d4f6a8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d"

// subjectsOf returns rule:subject for each violation, in report order.
func subjectsOf(r Report) []string {
	var out []string
	for _, v := range r.Violations {
		out = append(out, v.Rule+" "+v.Subject)
	}
	return out
}

func TestCheckRules(t *testing.T) {
	tests := []struct {
		name string
		rule LintRule
		refs []string
		want []string // rule subject, in report order
	}{
		{"no latest, explicit and implicit", LintRule{ID: "nl", Type: RuleNoLatest},
			[]string{"ubuntu", "ubuntu:latest", "ubuntu:rolling", "node:alpine", "ubuntu:22.04", "ubuntu:latest" + pin},
			[]string{"nl node:alpine", "nl ubuntu", "nl ubuntu:latest", "nl ubuntu:rolling"}},
		{"mutable tag needs a digest", LintRule{ID: "pin", Type: RuleMutableNeedsDigest},
			[]string{"app:1.2", "app:staging", "app:latest", "app:final2", "app:1.2.3", "app:sha-a3f2c8d", "app:staging" + pin},
			[]string{"pin app:1.2", "pin app:final2", "pin app:latest", "pin app:staging"}},
		{"digest required", LintRule{ID: "crit", Type: RuleDigestRequired},
			[]string{"app:1.2.3", "app:1.2.3" + pin, "app" + pin},
			[]string{"crit app:1.2.3"}},
		{"allowed registries", LintRule{ID: "reg", Type: RuleAllowedRegistries, Registries: []string{"registry.corp:5000", "*.corp.example"}},
			[]string{"registry.corp:5000/team/app:1", "ghcr.corp.example/team/app:1", "ghcr.io/team/app:1", "ubuntu"},
			[]string{"reg ghcr.io/team/app:1", "reg ubuntu"}},
		{"forbidden registries", LintRule{ID: "hub", Type: RuleForbiddenRegistries, Registries: []string{"docker.io"}, Use: "registry.corp:5000"},
			[]string{"ubuntu:20.04", "registry.corp:5000/library/ubuntu:20.04"},
			[]string{"hub ubuntu:20.04"}},
		{"tag scheme on references", LintRule{ID: "scheme", Type: RuleTagScheme, Forms: []tagging.Form{tagging.FormSemver, tagging.FormSHA}, Kinds: []tagging.Kind{tagging.Channel}},
			[]string{"app:1.2.3", "app:sha-a3f2c8d", "app:staging", "app:new", "app:1.2"},
			[]string{"scheme app:1.2", "scheme app:new"}},
		{"naming scheme", LintRule{ID: "name", Type: RuleNamingScheme, Pattern: "{registry}/{company}/{department}/{software}:{major}"},
			[]string{"registry.corp:5000/acme/data/spark:3", "registry.corp:5000/acme/spark:3", "registry.corp:5000/acme/data/spark:3.1"},
			[]string{"name registry.corp:5000/acme/data/spark:3.1", "name registry.corp:5000/acme/spark:3"}},
		{"immutable tags on references", LintRule{ID: "imm", Type: RuleImmutableTags, Include: []string{"*"}, Exclude: []string{"dev-*"}},
			[]string{"app:latest", "app:1.2.3", "app:dev-42"},
			[]string{"imm app:latest"}},
		{"repositories scope a rule", LintRule{ID: "nl", Type: RuleNoLatest, Repositories: []string{"team/*"}},
			[]string{"team/app:latest", "other/app:latest", "team/app/api:latest"},
			[]string{"nl team/app:latest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Policy{Rules: []LintRule{tt.rule}}
			rep, err := p.Check("", refs(t, tt.refs...))
			require.NoError(t, err)
			assert.Equal(t, len(tt.refs), rep.Checked)
			assert.Equal(t, tt.want, subjectsOf(rep))
			for _, v := range rep.Violations {
				assert.Equal(t, tt.rule.Type, v.Type)
				assert.Equal(t, defaultSeverity[tt.rule.Type], v.Severity)
				assert.NotEmpty(t, v.Message)
				assert.NotEmpty(t, v.Fix)
			}
		})
	}
}

func TestCheckMessages(t *testing.T) {
	p := Policy{Rules: []LintRule{
		{ID: "hub", Type: RuleForbiddenRegistries, Registries: []string{"docker.io"}, Use: "registry.corp:5000"},
		{ID: "nl", Type: RuleNoLatest, Severity: SeverityCritical},
	}}
	rep, err := p.Check("", refs(t, "ubuntu", "bitnami/redis:7"+pin))
	require.NoError(t, err)
	assert.Equal(t, []Violation{
		{Rule: "hub", Type: RuleForbiddenRegistries, Severity: SeverityCritical, Subject: "bitnami/redis:7" + pin,
			Message: "bitnami/redis:7" + pin + " pulls directly from docker.io, which is forbidden",
			Fix:     "use registry.corp:5000/bitnami/redis:7" + pin},
		{Rule: "hub", Type: RuleForbiddenRegistries, Severity: SeverityCritical, Subject: "ubuntu",
			Message: "ubuntu pulls directly from docker.io, which is forbidden",
			Fix:     "use registry.corp:5000/library/ubuntu:latest"},
		{Rule: "nl", Type: RuleNoLatest, Severity: SeverityCritical, Subject: "ubuntu",
			Message: "ubuntu names no tag, so it pulls \"latest\", which floats to whatever was pushed last",
			Fix:     "use a version tag such as docker.io/library/ubuntu:1.2.3, or pin a digest"},
	}, rep.Violations)
	assert.Equal(t, SeverityCritical, rep.Worst())
	assert.True(t, rep.Fails(SeverityError))
}

func TestNamingSchemeFields(t *testing.T) {
	p := Policy{Rules: []LintRule{{ID: "name", Type: RuleNamingScheme, Pattern: "{registry}/{company?}/{department}/{software}:{major}"}}}
	rep, err := p.Check("", refs(t, "registry.corp:5000/acme/data/spark:3", "registry.corp:5000/data/jupyter:v2"))
	require.NoError(t, err)
	assert.Empty(t, rep.Violations)
	assert.Equal(t, []NameMatch{
		{Rule: "name", Subject: "registry.corp:5000/acme/data/spark:3",
			Fields: map[string]string{"registry": "registry.corp:5000", "company": "acme", "department": "data", "software": "spark", "major": "3"}},
		{Rule: "name", Subject: "registry.corp:5000/data/jupyter:v2",
			Fields: map[string]string{"registry": "registry.corp:5000", "company": "", "department": "data", "software": "jupyter", "major": "v2"}},
	}, rep.Names)
}

func TestParseNamingScheme(t *testing.T) {
	tests := []struct {
		pattern string
		ref     string
		ok      bool
		fields  map[string]string
	}{
		{"{registry}/{team}/{app}", "ghcr.io/acme/api:1.2.3", true, map[string]string{"registry": "ghcr.io", "team": "acme", "app": "api"}},
		{"ghcr.io/{team}/{app}:{version}", "ghcr.io/acme/api:v1.2", true, map[string]string{"team": "acme", "app": "api", "version": "v1.2"}},
		{"ghcr.io/{team}/{app}:{version}", "ghcr.io/acme/api:latest", false, nil},
		{"ghcr.io/{team}/{app}:{tag}", "ghcr.io/acme/api", true, map[string]string{"team": "acme", "app": "api", "tag": "latest"}},
		{"{registry}/{team}/{app}", "ghcr.io/acme/sub/api:1", false, nil},
		{"docker.io/library/{name}", "ubuntu", true, map[string]string{"name": "ubuntu"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.ref, func(t *testing.T) {
			n, err := ParseNamingScheme(tt.pattern)
			require.NoError(t, err)
			assert.Equal(t, tt.pattern, n.String())
			fields, ok := n.Match(ref(t, tt.ref))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.fields, fields)
		})
	}
	for _, bad := range []string{"", "{registry", "registry}", "{}", "{a-b}", "{x}/{x}", "{team?}{app}", "{team?}"} {
		_, err := ParseNamingScheme(bad)
		assert.ErrorIs(t, err, ErrInvalidPattern, bad)
	}
	_, ok := NamingScheme{}.Match(ref(t, "ubuntu"))
	assert.False(t, ok)
}

func TestCheckTags(t *testing.T) {
	classifier := tagging.Classifier{Channels: []string{"dev", "staging", "production"}}
	p := Policy{
		Classifier: &classifier,
		Rules: []LintRule{{ID: "scheme", Type: RuleTagScheme, OnePrefix: true,
			Forms: []tagging.Form{tagging.FormSemver, tagging.FormMajorMinor, tagging.FormMajor, tagging.FormSHA, tagging.FormChannel, tagging.FormLatest}}},
		Environments: map[string][]LintRule{"registry": {{ID: "imm", Type: RuleImmutableTags, Include: []string{"*"}, Exclude: []string{"latest"}}}},
	}
	tags := []string{"1.2.3", "1.2", "1", "1.3.0", "v1.3.1", "sha-a3f2c8d", "staging", "latest", "new", "final2", "test"}
	rep, err := p.CheckTags("", "acme/app", tags)
	require.NoError(t, err)
	assert.Equal(t, len(tags), rep.Checked)
	assert.Equal(t, []string{"scheme acme/app:final2", "scheme acme/app:new", "scheme acme/app:test", "scheme acme/app:v1.3.1"}, subjectsOf(rep))
	assert.Contains(t, rep.Violations[3].Fix, `"1.3.1"`)

	rep, err = p.CheckTags("registry", "acme/app", tags)
	require.NoError(t, err)
	assert.Equal(t, []string{"imm acme/app:1", "imm acme/app:1.2", "scheme acme/app:final2", "scheme acme/app:new",
		"imm acme/app:staging", "scheme acme/app:test", "scheme acme/app:v1.3.1"}, subjectsOf(rep))
}

func TestCheckEnvironments(t *testing.T) {
	p, err := ParsePolicy([]byte(`{
		"rules": [{"id": "internal", "type": "forbidden-registries", "registries": ["docker.io"], "use": "registry.corp:5000"}],
		"environments": {
			"production": [{"id": "no-latest", "type": "no-latest"}, {"id": "pin", "type": "mutable-needs-digest", "severity": "warning"}],
			"dev": []
		}
	}`))
	require.NoError(t, err)
	rs := refs(t, "registry.corp:5000/team/app:latest", "ubuntu:22.04")

	prod, err := p.Check("production", rs)
	require.NoError(t, err)
	assert.Equal(t, "production", prod.Environment)
	assert.Equal(t, []string{"internal ubuntu:22.04", "no-latest registry.corp:5000/team/app:latest",
		"pin registry.corp:5000/team/app:latest", "pin ubuntu:22.04"}, subjectsOf(prod))

	dev, err := p.Check("dev", rs)
	require.NoError(t, err)
	assert.Equal(t, []string{"internal ubuntu:22.04"}, subjectsOf(dev))

	_, err = p.Check("staging", rs)
	assert.ErrorIs(t, err, ErrUnknownEnvironment)
	assert.ErrorContains(t, err, "dev, production")
}

func TestReportDeterministicJSON(t *testing.T) {
	p := Policy{Rules: []LintRule{
		{ID: "b", Type: RuleNoLatest, Severity: SeverityWarning},
		{ID: "a", Type: RuleDigestRequired, Severity: SeverityWarning},
		{ID: "c", Type: RuleAllowedRegistries, Registries: []string{"ghcr.io"}},
	}}
	rs := refs(t, "z/app", "a/app:latest", "ghcr.io/x/y:1")
	rep, err := p.Check("", rs)
	require.NoError(t, err)
	out, err := json.Marshal(rep)
	require.NoError(t, err)
	// Reversed input, same report.
	rep2, err := p.Check("", []reference.Reference{rs[2], rs[1], rs[0]})
	require.NoError(t, err)
	out2, err := json.Marshal(rep2)
	require.NoError(t, err)
	assert.Equal(t, string(out), string(out2))
	assert.Equal(t, []string{"c a/app:latest", "c z/app", "a a/app:latest", "b a/app:latest", "a ghcr.io/x/y:1", "a z/app", "b z/app"}, subjectsOf(rep))
	var back Report
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, rep, back)

	empty, err := Policy{}.Check("", nil)
	require.NoError(t, err)
	out, err = json.Marshal(empty)
	require.NoError(t, err)
	assert.JSONEq(t, `{"checked":0,"violations":[]}`, string(out))
	assert.False(t, empty.Fails(SeverityInfo))
	assert.Equal(t, Severity(""), empty.Worst())
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		field string // the Field of the *Error
		text  string // also in the message
	}{
		{"syntax", `{"rules": [}`, "policy", "invalid character"},
		{"trailing", `{} {}`, "policy", "trailing data"},
		{"unknown top-level field", `{"rule": []}`, "rule", `unknown field "rule"`},
		{"unknown rule field", `{"rules": [{"id": "a", "type": "no-latest", "sevrity": "error"}]}`, "rules[0].sevrity", `unknown field "sevrity"`},
		{"wrong case", `{"rules": [{"ID": "a", "type": "no-latest"}]}`, "rules[0].ID", "case-sensitive"},
		{"wrong case at the top", `{"Rules": []}`, "Rules", "case-sensitive"},
		{"bad classifier field", `{"classifier": {"minSHALength": "x"}}`, "classifier.minSHALength", "got a string, want a number"},
		{"environment not a list", `{"environments": {"production": {}}}`, "environments.production", "got an object, want an array"},
		{"negative commit length", `{"classifier": {"minSHALength": -5}}`, "classifier.minSHALength", "not a commit length"},
		{"wrong type", `{"rules": [{"id": "a", "type": "no-latest", "registries": "docker.io"}]}`, "rules[0].registries", "got a string, want an array"},
		{"bad kind", `{"rules": [{"id": "a", "type": "tag-scheme", "kinds": ["immutable", "mutable"]}]}`, "rules[0].kinds[1]", "not a kind"},
		{"missing id", `{"rules": [{"type": "no-latest"}]}`, "rules[0].id", "is required"},
		{"unknown type", `{"rules": [{"id": "a", "type": "no-lastest"}]}`, "rules[0].type", "no-latest, mutable-needs-digest"},
		{"bad severity", `{"environments": {"prod": [{"id": "a", "type": "no-latest", "severity": "fatal"}]}}`, "environments.prod[0].severity", "info, warning, error or critical"},
		{"field not used", `{"rules": [{"id": "a", "type": "no-latest", "registries": ["docker.io"]}]}`, "rules[0].registries", "not used by rule type no-latest"},
		{"registries missing", `{"rules": [{"id": "a", "type": "allowed-registries"}]}`, "rules[0].registries", "at least one"},
		{"bad registry glob", `{"rules": [{"id": "a", "type": "allowed-registries", "registries": ["[a"]}]}`, "rules[0].registries[0]", "not a valid glob"},
		{"bad use", `{"rules": [{"id": "a", "type": "forbidden-registries", "registries": ["docker.io"], "use": "corp"}]}`, "rules[0].use", "registry host"},
		{"empty scheme", `{"rules": [{"id": "a", "type": "tag-scheme"}]}`, "rules[0].kinds", "say which tags"},
		{"bad naming pattern", `{"rules": [{"id": "a", "type": "naming-scheme", "pattern": "{registry"}]}`, "rules[0].pattern", "unclosed"},
		{"immutable without include", `{"rules": [{"id": "a", "type": "immutable-tags", "exclude": ["x"]}]}`, "rules[0].include", "at least one"},
		{"bad repository glob", `{"rules": [{"id": "a", "type": "no-latest", "repositories": ["team/["]}]}`, "rules[0].repositories[0]", "not a valid glob"},
		{"duplicate id", `{"rules": [{"id": "a", "type": "no-latest"}, {"id": "a", "type": "digest-required"}]}`, "rules[1].id", "unique"},
		{"duplicate id across common and env", `{"rules": [{"id": "a", "type": "no-latest"}], "environments": {"prod": [{"id": "a", "type": "digest-required"}]}}`, "environments.prod[0].id", "unique"},
		{"empty env name", `{"environments": {"": []}}`, "environments", "empty environment name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.doc))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidPolicy)
			var pe *Error
			require.True(t, errors.As(err, &pe), "%T %v", err, err)
			if strings.Contains(tt.text, "glob") || tt.name == "bad naming pattern" {
				assert.ErrorIs(t, err, ErrInvalidPattern)
			}
			assert.Equal(t, tt.field, pe.Field, err.Error())
			assert.Contains(t, err.Error(), tt.text)
			assert.NotContains(t, err.Error(), "rawPolicy", "no Go type names")
		})
	}
}

func TestLoadPolicyRoundTrip(t *testing.T) {
	doc := `{
		"classifier": {"channels": ["dev", "staging", "production"]},
		"rules": [
			{"id": "scheme", "type": "tag-scheme", "kinds": ["immutable", "channel"], "forms": ["latest"], "onePrefix": true},
			{"id": "names", "type": "naming-scheme", "pattern": "{registry}/{company}/{department}/{software}:{major}", "severity": "error"},
			{"id": "imm", "type": "immutable-tags", "repositories": ["team/*"], "include": ["v*"], "exclude": ["v*-dev"]}
		],
		"environments": {"production": [{"id": "crit", "type": "digest-required"}]}
	}`
	p, err := LoadPolicy(strings.NewReader(doc))
	require.NoError(t, err)
	require.NotNil(t, p.Classifier)
	assert.Equal(t, []string{"dev", "staging", "production"}, p.Classifier.Channels)
	assert.Equal(t, []tagging.Kind{tagging.Immutable, tagging.Channel}, p.Rules[0].Kinds)
	assert.Equal(t, []tagging.Form{tagging.FormLatest}, p.Rules[0].Forms)
	assert.Equal(t, SeverityError, p.Rules[1].Severity)
	out, err := json.Marshal(p)
	require.NoError(t, err)
	back, err := ParsePolicy(out)
	require.NoError(t, err)
	assert.Equal(t, p, back)
}

func TestPolicyImmutableTags(t *testing.T) {
	p := Policy{
		Rules: []LintRule{{ID: "releases", Type: RuleImmutableTags, Repositories: []string{"team/*"}, Include: []string{"v*"}}},
		Environments: map[string][]LintRule{
			"ecr": {{ID: "ecr", Type: RuleImmutableTags, Include: []string{"*"}, Exclude: []string{"latest", "dev-*"}}},
		},
	}
	common, err := p.ImmutableTags("")
	require.NoError(t, err)
	assert.Equal(t, ImmutableTags{{Repositories: []string{"team/*"}, Include: []string{"v*"}}}, common)
	ecr, err := p.ImmutableTags("ecr")
	require.NoError(t, err)
	require.Len(t, ecr, 2)
	// The result is the caller's: changing it leaves the policy alone.
	ecr[0].Include[0] = "changed"
	assert.Equal(t, "v*", p.Rules[0].Include[0])
	_, err = p.ImmutableTags("nope")
	assert.ErrorIs(t, err, ErrUnknownEnvironment)
	_, err = Policy{Rules: []LintRule{{Type: RuleNoLatest}}}.ImmutableTags("")
	assert.ErrorIs(t, err, ErrInvalidPolicy)
}

func TestImmutableRule(t *testing.T) {
	ecr := ImmutableRule{Include: []string{"*"}, Exclude: []string{"latest", "dev-*"}}
	harbor := ImmutableRule{Repositories: []string{"team/*"}, Include: []string{"v[0-9]*", "release-?"}}
	tests := []struct {
		rule ImmutableRule
		repo string
		tag  string
		want bool
	}{
		{ecr, "any/repo", "1.2.3", true},
		{ecr, "any/repo", "latest", false},
		{ecr, "any/repo", "dev-42", false},
		{harbor, "team/app", "v1.2.3", true},
		{harbor, "team/app", "release-1", true},
		{harbor, "team/app", "release-10", false},
		{harbor, "team/app", "vnext", false},
		{harbor, "team/app/api", "v1.2.3", false},
		{harbor, "other/app", "v1.2.3", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.rule.Matches(tt.repo, tt.tag), "%v %s:%s", tt.rule, tt.repo, tt.tag)
	}
	set := ImmutableTags{harbor, ecr}
	assert.True(t, set.Matches("other/app", "v1"))
	assert.False(t, set.Matches("other/app", "latest"))
	assert.False(t, ImmutableTags(nil).Matches("a", "b"))

	require.NoError(t, ecr.Validate())
	assert.ErrorIs(t, ImmutableRule{}.Validate(), ErrInvalidPattern)
	err := ImmutableRule{Include: []string{"*"}, Exclude: []string{"[x"}}.Validate()
	assert.ErrorIs(t, err, ErrInvalidPattern)
	assert.ErrorContains(t, err, "exclude[0]")
	assert.ErrorContains(t, ImmutableRule{Include: []string{""}}.Validate(), "include[0]")
}

func TestSeverityRank(t *testing.T) {
	assert.Equal(t, []int{0, 1, 2, 3, 4}, []int{Severity("fatal").Rank(), SeverityInfo.Rank(), SeverityWarning.Rank(), SeverityError.Rank(), SeverityCritical.Rank()})
}

func TestCheckDuplicateReferences(t *testing.T) {
	p := Policy{Rules: []LintRule{{ID: "nl", Type: RuleNoLatest}}}
	rep, err := p.Check("", refs(t, "ubuntu:latest", "docker.io/library/ubuntu:latest"))
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Checked)
	assert.Equal(t, []string{"nl ubuntu:latest"}, subjectsOf(rep))

	named := Policy{Rules: []LintRule{{ID: "naming", Type: RuleNamingScheme, Pattern: "{registry}/{team}/{app}:{major}"}}}
	rep, err = named.Check("", refs(t, "registry.corp:5000/data/spark:3", "registry.corp:5000/data/spark:3"))
	require.NoError(t, err)
	assert.Len(t, rep.Names, 1, "a reference listed twice follows the scheme once")
}

func TestRuleValidate(t *testing.T) {
	require.NoError(t, LintRule{ID: "a", Type: RuleDigestRequired}.Validate())
	err := LintRule{ID: "a", Type: "pin"}.Validate()
	assert.ErrorIs(t, err, ErrInvalidPolicy)
	assert.ErrorContains(t, err, "policy: rule.type: \"pin\" is not a rule type")
	err = LintRule{ID: "a", Type: RuleDigestRequired, Pattern: "{x}"}.Validate()
	assert.ErrorContains(t, err, "rule.pattern")
	assert.ErrorContains(t, err, "it takes only id, type, severity and repositories")
}

func TestLoadPolicyReadError(t *testing.T) {
	_, err := LoadPolicy(iotest.ErrReader(errors.New("disk on fire")))
	assert.ErrorIs(t, err, ErrInvalidPolicy)
	assert.ErrorContains(t, err, "disk on fire")
}
