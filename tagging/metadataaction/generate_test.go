package metadataaction

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	testNow  = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	testSHA  = "860c1904a1ce19322e91ac35af1ab07466440c37"
	tagCtx   = Context{EventName: "push", Ref: "refs/tags/v1.2.6", SHA: testSHA}
	branchCx = Context{EventName: "push", Ref: "refs/heads/main", SHA: testSHA, Payload: Payload{DefaultBranch: "main"}}
)

func TestGenerateErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    Inputs
		ctx   Context
		line  string
		want  string
		isErr error
	}{
		{"unknown expression", Inputs{Tags: []string{"type=raw,value={{version}}"}}, branchCx, "type=raw,value={{version}}", "unknown expression {{version}}", ErrExpression},
		{"schedule pattern has dates only", Inputs{Tags: []string{"type=schedule,pattern={{branch}}"}}, Context{EventName: "schedule", Ref: "refs/heads/main"}, "type=schedule,pattern={{branch}}", "allowed here: commit_date, date", ErrExpression},
		{"semver pattern has version names", Inputs{Tags: []string{"type=semver,pattern={{branch}}"}}, tagCtx, "type=semver,pattern={{branch}}", "allowed here: build, major, minor, patch, prerelease, raw, version", ErrExpression},
		{"enable must give a boolean", Inputs{Tags: []string{"type=raw,value=x,enable={{branch}}"}}, branchCx, "type=raw,value=x,enable={{branch}}", `enable gives "main"`, ErrExpression},
		{"tag that cannot be valid", Inputs{Tags: []string{"type=raw,value=-dash"}}, branchCx, "type=raw,value=-dash", `gives the tag "-dash"`, ErrInvalidTag},
		{"tag too long", Inputs{Tags: []string{"type=raw,value=" + string(make([]byte, 0)) + longValue}}, branchCx, "type=raw,value=" + longValue, "not a valid tag", ErrInvalidTag},
		{"image with a tag", Inputs{Images: []string{"ghcr.io/acme/app:1"}}, branchCx, "ghcr.io/acme/app:1", "not a repository name", ErrInvalidTag},
		{"label expression", Inputs{Labels: []string{"a={{nope}}"}}, branchCx, "a={{nope}}", "unknown expression {{nope}}", ErrExpression},
		{"match without a group", Inputs{Tags: []string{"type=semver,pattern={{version}},match=v\\d"}}, tagCtx, "type=semver,pattern={{version}},match=v\\d", "no first capture group", ErrExpression},
		{"pattern the engine cannot run", Inputs{Tags: []string{"type=match,pattern=(?=v)v"}}, tagCtx, "type=match,pattern=(?=v)v", "no look-around", ErrExpression},
		{"unknown regexp flag", Inputs{Tags: []string{"type=match,pattern=/v/q"}}, tagCtx, "type=match,pattern=/v/q", "unknown flag 'q'", ErrExpression},
		{"flavor prefix expression", Inputs{Tags: []string{"type=ref,event=tag"}, Flavor: []string{"prefix={{nope}}"}}, tagCtx, "prefix={{nope}}", "unknown expression {{nope}}", ErrExpression},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(tc.in, tc.ctx, Repo{}, Options{Now: testNow})
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.isErr)
			assert.Contains(t, err.Error(), tc.want)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.line, e.Line)
		})
	}
}

var longValue = func() string {
	b := make([]byte, 130)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}()

func TestGenerateOptions(t *testing.T) {
	_, err := Generate(Inputs{}, branchCx, Repo{}, Options{})
	require.Error(t, err, "Now is required")
	assert.Contains(t, err.Error(), "Now")

	res, err := Generate(Inputs{Tags: []string{"type=sha", "type=raw,value=x-{{sha}}"}}, branchCx, Repo{}, Options{Now: testNow, ShortSHALength: 12})
	require.NoError(t, err)
	assert.Equal(t, []string{"x-860c1904a1ce", "sha-860c1904a1ce"}, res.TagNames)

	res, err = Generate(Inputs{Tags: []string{"type=raw,a"}, Annotations: []string{"k=v"}}, branchCx, Repo{}, Options{Now: testNow, AnnotationLevels: []string{"index", "manifest[linux/amd64]"}})
	require.NoError(t, err)
	la := res.LeveledAnnotations()
	assert.Contains(t, la, "index:k=v")
	assert.Contains(t, la, "manifest[linux/amd64]:k=v")
	assert.Len(t, la, 2*len(res.Annotations))

	_, err = Generate(Inputs{}, branchCx, Repo{}, Options{Now: testNow, AnnotationLevels: []string{"manifests"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "manifests")
}

func TestGenerateLowercasesImageOwners(t *testing.T) {
	res, err := Generate(Inputs{Images: []string{"ghcr.io/MyUser/MyApp", "name=docker.io/Org/App,enable=false"}}, branchCx, Repo{}, Options{Now: testNow})
	require.NoError(t, err)
	assert.Equal(t, []string{"ghcr.io/myuser/myapp"}, res.Images)
	assert.Equal(t, []string{"ghcr.io/myuser/myapp:main"}, res.Tags)
}

func TestGenerateWarnsWhereMetadataActionWarns(t *testing.T) {
	res, err := Generate(Inputs{
		Tags:   []string{"type=semver,pattern={{version}}", "type=match,pattern=^x(\\d)", "type=match,pattern=v(\\d),group=3", "type=raw,latest"},
		Labels: []string{"nolabel"},
		Flavor: []string{"latest=true"},
	}, Context{EventName: "push", Ref: "refs/tags/v1", SHA: testSHA}, Repo{}, Options{Now: testNow})
	require.NoError(t, err)
	assert.Equal(t, []string{"latest", "latest"}, res.TagNames, "metadata-action emits latest twice here")
	assert.Len(t, res.Warnings, 5)
	assert.Contains(t, res.Warnings[0], "v1 is not a valid semver")
	assert.Contains(t, res.Warnings[1], "does not match v1")
	assert.Contains(t, res.Warnings[2], "Group 3 does not exist")
}

func TestLatestNewest(t *testing.T) {
	tags := []string{"type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}", "type=semver,pattern={{major}}"}
	for _, tc := range []struct {
		name     string
		flavor   string
		ref      string
		existing []string
		want     []string
	}{
		{"auto moves latest and the major back on a hotfix", "latest=auto", "refs/tags/v1.2.6", []string{"1.2.5", "1.3.0", "2.0.0"}, []string{"1.2.6", "1.2", "1", "latest"}},
		{"newest keeps latest and 1 on the newer releases", "latest=newest", "refs/tags/v1.2.6", []string{"1.2.5", "1.3.0", "2.0.0"}, []string{"1.2.6", "1.2"}},
		{"newest on the newest release moves everything", "latest=newest", "refs/tags/v2.1.0", []string{"1.2.5", "1.3.0", "2.0.0", "latest"}, []string{"2.1.0", "2.1", "2", "latest"}},
		{"newest ignores newer pre-releases and non-versions", "latest=newest", "refs/tags/v2.1.0", []string{"3.0.0-rc.1", "main", "sha-abc"}, []string{"2.1.0", "2.1", "2", "latest"}},
		{"newest with v-prefixed existing tags", "latest=newest", "refs/tags/v1.2.6", []string{"v1.3.0"}, []string{"1.2.6", "1.2"}},
		{"a pre-release never gets latest", "latest=newest", "refs/tags/v3.0.0-rc.2", nil, []string{"3.0.0-rc.2"}},
		{"existing tags carry the flavor's affixes", "latest=newest\nprefix=v\nsuffix=-alpine", "refs/tags/v1.2.6", []string{"v1.3.0-alpine", "v1-alpine", "1.9.0"}, []string{"v1.2.6-alpine", "v1.2-alpine"}},
		{"tags of other flavors do not count", "latest=newest\nsuffix=-alpine", "refs/tags/v1.2.6", []string{"1.3.0", "1"}, []string{"1.2.6-alpine", "1.2-alpine", "1-alpine", "latest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Generate(Inputs{Tags: tags, Flavor: strings.Split(tc.flavor, "\n")},
				Context{EventName: "push", Ref: tc.ref, SHA: testSHA}, Repo{}, Options{Now: testNow, ExistingTags: tc.existing})
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.TagNames)
		})
	}
	res, err := Generate(Inputs{Tags: []string{"type=pep440,pattern={{version}}", "type=pep440,pattern={{major}}"}, Flavor: []string{"latest=newest"}},
		Context{EventName: "push", Ref: "refs/tags/1.2.6", SHA: testSHA}, Repo{}, Options{Now: testNow, ExistingTags: []string{"1.3"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"1.2.6"}, res.TagNames, "pep440 releases follow the same rule")
}

func TestGenerateJSONShapes(t *testing.T) {
	res, err := Generate(Inputs{Images: []string{"ghcr.io/acme/app"}, Tags: []string{"type=ref,event=branch"}, Labels: []string{"zeta=1", "Alpha=2", "alpha=3", "a_b=4", "a.b=5"}}, branchCx,
		Repo{Name: "app", HTMLURL: "https://github.com/acme/app"}, Options{Now: testNow})
	require.NoError(t, err)
	keys := make([]string, 0)
	for _, l := range res.Labels {
		k, _, _ := cutEq(l)
		keys = append(keys, k)
	}
	assert.Equal(t, []string{"a_b", "a.b", "alpha", "Alpha", "org.opencontainers.image.created", "org.opencontainers.image.description",
		"org.opencontainers.image.licenses", "org.opencontainers.image.revision", "org.opencontainers.image.source",
		"org.opencontainers.image.title", "org.opencontainers.image.url", "org.opencontainers.image.version", "zeta"}, keys,
		"keys sorted as localeCompare sorts them")
	assert.Contains(t, string(res.JSON()), `{"tags":["ghcr.io/acme/app:main"],"tag-names":["main"],"labels":{"a_b":"4",`)
	assert.Equal(t, "{\n  \"target\": {\n    \"docker-metadata-action\": {\n      \"tags\": [\n        \"ghcr.io/acme/app:main\"\n      ],\n      \"args\": {\n        \"DOCKER_META_IMAGES\": \"ghcr.io/acme/app\",\n        \"DOCKER_META_VERSION\": \"main\"\n      }\n    }\n  }\n}", string(res.BakeFileTags()))

	empty, err := Generate(Inputs{Tags: []string{"type=ref,event=tag"}}, branchCx, Repo{}, Options{Now: testNow})
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"target\": {\n    \"docker-metadata-action\": {\n      \"tags\": [],\n      \"args\": {\n        \"DOCKER_META_IMAGES\": \"\"\n      }\n    }\n  }\n}", string(empty.BakeFileTags()),
		"no version: DOCKER_META_VERSION is left out, as JSON.stringify leaves out undefined")
	out := map[string]string{}
	for _, o := range empty.Outputs() {
		out[o.Name] = o.Value
	}
	assert.Equal(t, "", out["version"])
	assert.Equal(t, "", out["tags"])
	assert.Contains(t, out["json"], `"tags":[],"tag-names":[]`)
}

func cutEq(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestWorkflowContext(t *testing.T) {
	p, err := ParsePayload([]byte(`{"number": 7, "pull_request": {"base": {"ref": "main"}, "head": {"sha": "abc"}},
		"commits": [{"id": "x", "timestamp": "2024-11-13T13:42:28Z"}], "head_commit": {"id": "y", "timestamp": "2024-11-14T00:00:00+01:00"},
		"repository": {"default_branch": "trunk", "name": "app", "owner": {"login": "acme"}}, "base_ref": null}`))
	require.NoError(t, err)
	c := WorkflowContext("pull_request_target", "refs/heads/main", "y", 3, 4, p, ContextOptions{PRHeadSHA: true})
	assert.Equal(t, "refs/pull/7/merge", c.Ref)
	assert.Equal(t, "abc", c.SHA)
	assert.True(t, c.CommitDate.IsZero(), "neither commit in the payload is the head sha")
	c = WorkflowContext("push", "refs/heads/main", "y", 3, 4, p, ContextOptions{PRHeadSHA: true})
	assert.Equal(t, "y", c.SHA, "the head sha switch is for pull request events only")
	assert.True(t, c.CommitDate.Equal(time.Date(2024, 11, 13, 23, 0, 0, 0, time.UTC)))
	assert.Equal(t, "trunk", c.Payload.DefaultBranch)
	assert.Equal(t, "acme/app", c.Payload.Repository)

	empty, err := ParsePayload(nil)
	require.NoError(t, err)
	assert.Equal(t, Payload{}, empty)
	_, err = ParsePayload([]byte(`{"number": "seven"}`))
	require.Error(t, err)
	_, err = ParsePayload([]byte(`[`))
	require.Error(t, err)
}

func TestEdgeWithoutRepositoryFacts(t *testing.T) {
	ctx := Context{EventName: "push", Ref: "refs/heads/trunk", Payload: Payload{DefaultBranch: "trunk"}}
	res, err := Generate(Inputs{Tags: []string{"type=edge"}}, ctx, Repo{}, Options{Now: testNow})
	require.NoError(t, err)
	assert.Equal(t, []string{"edge"}, res.TagNames, "the payload's default branch stands in for the API's")

	ctx.Payload = Payload{}
	res, err = Generate(Inputs{Tags: []string{"type=edge"}}, ctx, Repo{}, Options{Now: testNow})
	require.NoError(t, err)
	assert.Empty(t, res.TagNames)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "type=edge,branch=main")
}
