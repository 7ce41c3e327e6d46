package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// hotfixRegistry has 2.4.x and a newer 2.5.0 line, and the untagged
// build of a 2.4.2 hotfix.
func hotfixRegistry(t *testing.T, repo string) (*memory.Registry, string) {
	t.Helper()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: repo, Tags: []string{"2.4.1", "2.4"}, Content: "2.4.1"},
		memory.Image{Repository: repo, Tags: []string{"2.5.0", "2.5", "2", "latest"}, Content: "2.5.0"},
		memory.Image{Repository: repo, Content: "2.4.2"},
	)
	require.NoError(t, err)
	return reg, ds[2].String()
}

// With the registry at hand, release reads the repository's tags before
// deriving: a hotfix after 2.5.0 never moves 2 or latest backwards,
// without --existing.
func TestReleaseDerivesAgainstTheRegistry(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		moved []string
	}{
		{"publish", []string{"--publish", ""}, []string{"2.4.2", "2.4"}},
		{"read tags only", []string{"--read-tags", "--format", "set"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, build := hotfixRegistry(t, "acmecorp/payment-api")
			args := append([]string{"--release-version", "2.4.2", "--image", demoApp, "--no-sha"}, tt.args...)
			if args[len(args)-1] == "" {
				args[len(args)-1] = build
			}
			code, out, stderr := publishRun(t, reg, args...)
			require.Equal(t, 0, code, stderr)
			for _, tag := range []string{"2", "latest"} {
				d, err := reg.Resolve(context.Background(), reference.MustParse(demoApp+":"+tag))
				require.NoError(t, err)
				assert.NotEqual(t, build, d.Digest.String(), "%s stays on 2.5.0", tag)
			}
			if tt.moved == nil {
				assert.Regexp(t, `(?m)^2\.4\s+release-line`, out)
				assert.NotRegexp(t, `(?m)^latest\s`, out)
				assert.Contains(t, out, "not emitted:")
				assert.Empty(t, reg.Events(), "--read-tags writes nothing")
				return
			}
			var recs []promote.Record
			require.NoError(t, json.Unmarshal([]byte(out), &recs))
			require.Len(t, recs, 1)
			assert.ElementsMatch(t, tt.moved, recs[0].Moved())
		})
	}
}

// Without --demo the registry is the one each --image names; the demo
// registry never answers for a real host, and demo mode says so.
func TestReleasePublishesOnTheImagesHost(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg, build := hotfixRegistry(t, "team/app")
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	var out, errOut bytes.Buffer
	e := environment{getenv: func(string) string { return "" }, now: fixedNow, connect: demo.Connect}
	code := run(context.Background(), []string{"--release-version", "2.4.2", "--image", host + "/team/app", "--publish", build}, e, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.NotContains(t, errOut.String(), "demo")
	var recs []promote.Record
	require.NoError(t, json.Unmarshal(out.Bytes(), &recs))
	require.Len(t, recs, 1)
	assert.Equal(t, host+"/team/app", recs[0].Repository)
	assert.Contains(t, recs[0].Moved(), "2.4.2")
	assert.NotContains(t, recs[0].Moved(), "latest")

	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"--demo", "--release-version", "2.4.2", "--image", host + "/team/app", "--publish", build}, e, &out, &errOut)
	assert.Equal(t, 2, code)
	assert.Empty(t, out.String())
	assert.Contains(t, errOut.String(), "demo mode: working on an in-memory registry")
	assert.Contains(t, errOut.String(), "demo mode works only on "+demo.Host)
}

// Nothing to do is an error that names what is missing.
func TestReleaseNothingToDo(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"no facts at all", nil, nil, []string{"no build facts", "--release-version", "--commit", "GITHUB_ACTIONS"}},
		{"only a format", nil, []string{"--format", "json", "--image", "a/b"}, []string{"no build facts"}},
		{"the build id switched off", map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_NUMBER": "42"}, []string{"--no-build-id"}, []string{"no build facts"}},
		{"every rule that could use the facts disabled", nil, []string{"--commit", "a3f2c8d", "--no-sha"}, []string{"no tag to emit from commit a3f2c8d", "--no-sha"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runRelease(t, tt.env, tt.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			for _, w := range tt.want {
				assert.Contains(t, stderr, w)
			}
			assert.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
		})
	}
}

// The printed docker build arguments survive bash: a label value with
// spaces, quotes and dollars reaches the command as one argument.
func TestReleaseDockerFormatSurvivesTheShell(t *testing.T) {
	bash := lookBash(t)
	dir := t.TempDir()
	file := dir + "/version.json"
	title := `Payment API's "core" $HOME` + "`date`"
	data, err := json.Marshal(map[string]any{"version": "1.2.3", "metadata": map[string]string{"title": title, "description": "two\nlines"}})
	require.NoError(t, err)
	require.NoError(t, writeFile(file, data))

	code, out, stderr := runRelease(t, nil, "--version-file", file, "--image", "ghcr.io/acme/app", "--format", "docker")
	require.Equal(t, 0, code, stderr)
	got := runBash(t, bash, `for a in `+strings.TrimSpace(out)+`; do printf '%s\0' "$a"; done`)
	args := strings.Split(strings.TrimSuffix(got, "\x00"), "\x00")
	assert.Contains(t, args, "org.opencontainers.image.title="+title)
	assert.Contains(t, args, "org.opencontainers.image.description=two\nlines")
	assert.Contains(t, args, "ghcr.io/acme/app:1.2.3")
	assert.Equal(t, "-t", args[0])
}

func TestReleaseSetFormatIsReadable(t *testing.T) {
	code, out, stderr := runRelease(t, nil, "--release-version", "1.9.1", "--commit", "abc1234", "--existing", "2.0.0", "--format", "set")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `(?m)^1\.9\.1\s+immutable\s+semver\s+\S`, out)
	assert.Contains(t, out, "not emitted:")
	assert.Regexp(t, `(?m)^  latest\s+\S`, out)
	assert.Contains(t, out, "labels:\n  org.opencontainers.image.")
	assert.NotContains(t, out, "{")
	assert.NotContains(t, out, "tagging.")
}

func TestReleaseBuildIDCanBeSwitchedOff(t *testing.T) {
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/tags/v1.0.0", "GITHUB_RUN_NUMBER": "42", "GITHUB_SHA": "abc1234"}
	tests := []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--no-build-id"}, false},
		{[]string{"--build-id", "7", "--no-build-id"}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, stderr := runRelease(t, env, append([]string{"--format", "set"}, tt.args...)...)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, tt.want, strings.Contains(out, "build-"), out)
		})
	}
}

func TestReleasePublishProgress(t *testing.T) {
	tests := []struct {
		terminal bool
		want     bool
	}{{true, true}, {false, false}}
	for _, tt := range tests {
		t.Run(map[bool]string{true: "terminal", false: "pipe"}[tt.terminal], func(t *testing.T) {
			reg, build := hotfixRegistry(t, "acmecorp/payment-api")
			var out, errOut bytes.Buffer
			e := environment{getenv: func(string) string { return "" }, now: fixedNow, terminal: tt.terminal,
				connect: func(bool, []string, io.Writer) (*remote.Router, error) { return demo.Router(reg) }}
			code := run(context.Background(), []string{"--demo", "--release-version", "2.4.2", "--image", demoApp, "--publish", build}, e, &out, &errOut)
			require.Equal(t, 0, code, errOut.String())
			assert.Equal(t, tt.want, strings.Contains(errOut.String(), "\rrelease: publishing 2 tags: repository 1/1"), errOut.String())
		})
	}
}

func lookBash(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	return p
}

func runBash(t *testing.T, bash, script string) string {
	t.Helper()
	out, err := exec.Command(bash, "-c", script).Output()
	require.NoError(t, err)
	return string(out)
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }

func TestReleaseVersionFileErrorsSpeakJSON(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{`{"versoin":"1"}`, `unknown field "versoin" (want a JSON object with version, commit`},
		{`{"pr":"seventeen"}`, "pr: want a whole number, not a JSON string"},
		{`{"channels":"staging"}`, "channels: want a list, not a JSON string"},
		{`{"metadata":{"labels":[1]}}`, "metadata.labels: want an object, not a JSON array"},
		{`["1.0.0"]`, "want a JSON object with version, commit, branch, defaultBranch, pr, buildID, time, variant, channels, existingTags, metadata, not a JSON array"},
		{`{"version": 1.0`, "empty or cut short"},
		{`{"version": }`, "not valid JSON at byte"},
		{``, "empty or cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			file := t.TempDir() + "/version.json"
			require.NoError(t, writeFile(file, []byte(tt.body)))
			code, out, stderr := runRelease(t, nil, "--version-file", file)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			msg, ok := strings.CutPrefix(stderr, "release: --version-file "+file+": ")
			require.True(t, ok, stderr)
			assert.Contains(t, msg, tt.want)
			assert.NotContains(t, msg, "Go ")
			assert.NotContains(t, msg, "tagging.")
			assert.NotContains(t, msg, "json: ")
		})
	}
}

// The documented eval form keeps every argument whole too.
func TestReleaseDockerFormatWithEval(t *testing.T) {
	bash := lookBash(t)
	file := t.TempDir() + "/version.json"
	require.NoError(t, writeFile(file, []byte(`{"version":"1.2.3","metadata":{"title":"My App's API"}}`)))
	code, out, stderr := runRelease(t, nil, "--version-file", file, "--image", "ghcr.io/acme/app", "--format", "docker")
	require.Equal(t, 0, code, stderr)
	outFile := t.TempDir() + "/args"
	require.NoError(t, writeFile(outFile, []byte(out)))
	got := runBash(t, bash, `eval "set -- $(cat '`+outFile+`')"; printf '%s\0' "$@"`)
	assert.Contains(t, strings.Split(got, "\x00"), "org.opencontainers.image.title=My App's API")
}

// With two --image repositories, the tags of both count: a hotfix that is
// the newest in one but not in the other takes latest in neither.
func TestReleasePublishesOneSetToMirrors(t *testing.T) {
	reg, _ := hotfixRegistry(t, "acmecorp/payment-api")
	_, err := reg.Seed(memory.Image{Repository: "mirror/payment-api", Tags: []string{"2.4.1"}, Content: "2.4.1"})
	require.NoError(t, err)
	code, out, stderr := publishRun(t, reg, "--release-version", "2.4.2", "--image", demoApp, "--image", demo.Host+"/mirror/payment-api",
		"--read-tags", "--format", "lines")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, demo.Host+"/mirror/payment-api:2.4.2\n")
	assert.NotContains(t, out, ":latest", "2.5.0 in the first repository keeps latest off both")
	assert.NotContains(t, out, ":2\n")
}
