package metadataaction

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testScope() scope {
	return scope{what: "a test", helpers: map[string]helper{
		"branch":            value("feat/a&b'c=d"),
		"tag":               value(""),
		"sha":               value("860c190"),
		"base_ref":          value("main"),
		"is_default_branch": value("false"),
	}}
}

// The expected values are Handlebars' own output for the same templates
// and values.
func TestTemplateAgreesWithHandlebars(t *testing.T) {
	for _, tc := range []struct{ template, want string }{
		{"{{branch}}", "feat/a&amp;b&#x27;c&#x3D;d"},
		{"{{{branch}}}", "feat/a&b'c=d"},
		{"{{&branch}}", "feat/a&b'c=d"},
		{"x-{{ branch }}-y", "x-feat/a&amp;b&#x27;c&#x3D;d-y"},
		{"a {{~branch~}} b", "afeat/a&amp;b&#x27;c&#x3D;db"},
		{"a {{~ branch}} b", "afeat/a&amp;b&#x27;c&#x3D;d b"},
		{"{{! a comment }}{{sha}}", "860c190"},
		{"{{!-- long }} comment --}}{{sha}}", "860c190"},
		{`\{{branch}}`, "{{branch}}"},
		{"{{sha}}{{tag}}", "860c190"},
		{"pre {{~! c ~}} post", "prepost"},
		{"{{sha~}}   \n  x", "860c190x"},
		{"{{{sha}}}-{{~tag}}", "860c190-"},
		{"no expressions } at {all", "no expressions } at {all"},
	} {
		t.Run(tc.template, func(t *testing.T) {
			tpl, err := parseTemplate(tc.template)
			require.NoError(t, err)
			got, err := tpl.eval(testScope())
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	for _, tc := range []struct{ template, want string }{
		{"{{version}}", "unknown expression {{version}} in a test; allowed here: base_ref, branch, date, is_default_branch, sha, tag"},
		{"{{#if branch}}x{{/if}}", "block or partial"},
		{"{{> partial}}", "block or partial"},
		{"{{else}}", "is a block"},
		{"{{a.b}}", "paths and data variables are not supported"},
		{"{{@index}}", "paths and data variables are not supported"},
		{"{{date (branch)}}", "sub-expression"},
		{"{{branch", "never closed"},
		{"{{! comment", "never closed"},
		{"{{}}", "is empty"},
		{"{{'x'}}", "does not start with a name"},
		{"{{date 'x}}", "quote that is never closed"},
		{"{{branch 'x'}}", "takes no arguments"},
		{"{{date tz='UTC' 'x'}}", "options (key='value') come last"},
		{"{{date tz= }}", "no value"},
	} {
		t.Run(tc.template, func(t *testing.T) {
			tpl, err := parseTemplate(tc.template)
			if err == nil {
				sc := testScope()
				sc.helpers["date"] = func([]param, []hashPair) (string, error) { return "", nil }
				_, err = tpl.eval(sc)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestDateExpressions(t *testing.T) {
	now := time.Date(2020, 1, 10, 0, 30, 0, 0, time.UTC)
	commit := time.Date(2019, 12, 31, 22, 0, 0, 0, time.UTC)
	ctx := Context{EventName: "push", Ref: "refs/heads/main", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", CommitDate: commit}
	for _, tc := range []struct {
		value, want, err string
		noZones          bool
	}{
		{value: "{{date 'YYYYMMDD'}}", want: "20200110"},
		{value: "{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}", want: "20200110-093000"},
		{value: "{{commit_date 'YYYY-MM-DD'}}", want: "2019-12-31"},
		{value: "{{commit_date 'YYYY-MM-DD' tz=\"Asia/Tokyo\"}}", want: "2020-01-01"},
		{value: "{{commit_date YYYY-MM-DD}}", want: "2019-12-31T22-00-00Z"}, // an unquoted word is no format
		{value: "{{date 'YYYY' tz='UTC'}}", want: "2020", noZones: true},
		{value: "{{date 'YYYY' tz='Asia/Tokyo'}}", err: "no zone database was given", noZones: true},
		{value: "{{date 'YYYY' tz='Mars/Olympus'}}", err: `unknown time zone "Mars/Olympus"`},
		{value: "{{date 'YYYY' tz=Asia}}", err: "quoted zone name"},
		{value: "{{date 'YYYY' zone='UTC'}}", err: `unknown option "zone"`},
		{value: "{{date}}", err: "needs a format in quotes"},
		{value: "{{date 'a' 'b'}}", err: "takes one format"},
		{value: "{{date branch}}", err: "names a value"},
		{value: "{{date 20240101}}", err: "is not a string"},
		{value: "{{date true}}", err: "is not a string"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			opts := Options{Now: now, LoadLocation: time.LoadLocation}
			if tc.noZones {
				opts.LoadLocation = nil
			}
			res, err := Generate(Inputs{Tags: []string{"type=raw,value=" + tc.value}}, ctx, Repo{}, opts)
			if tc.err != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrExpression)
				assert.Contains(t, err.Error(), tc.err)
				assert.Contains(t, err.Error(), tc.value, "the error names the line")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Version.Main)
		})
	}
}
