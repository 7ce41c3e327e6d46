package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testSHA   = "860c1904a1ce19322e91ac35af1ab07466440c37"
	testToken = "ghs_secrettoken123"
)

// fakeGitHub serves the two API calls the program makes, on loopback, and
// records the requests.
type fakeGitHub struct {
	mu       sync.Mutex
	requests []*http.Request
	repoCode int
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Clone(context.Background()))
	f.mu.Unlock()
	switch r.URL.Path {
	case "/repos/acme/app":
		if f.repoCode != 0 {
			w.WriteHeader(f.repoCode)
			_, _ = w.Write([]byte(`{"message":"Not Found ` + r.Header.Get("Authorization") + `"}`))
			return
		}
		_, _ = w.Write([]byte(`{"name":"app","description":"The app","html_url":"https://github.com/acme/app","default_branch":"main","license":{"spdx_id":"Apache-2.0"}}`))
	case "/repos/acme/app/commits/" + testSHA:
		_, _ = w.Write([]byte(`{"commit":{"committer":{"date":"2024-11-13T13:42:28Z"}}}`))
	default:
		http.NotFound(w, r)
	}
}

type runResult struct {
	code    int
	stdout  string
	outputs map[string]string
	envVars map[string]string
}

// runAction runs the program's main logic with env as the whole
// environment, GITHUB_OUTPUT, GITHUB_ENV and RUNNER_TEMP in a temporary
// directory, and parses the files it appended to.
func runAction(t *testing.T, env map[string]string, gh *fakeGitHub) runResult {
	t.Helper()
	var h http.Handler
	if gh != nil {
		h = gh
	}
	return runActionAt(t, env, h, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
}

func runActionAt(t *testing.T, env map[string]string, gh http.Handler, now time.Time) runResult {
	t.Helper()
	dir := t.TempDir()
	full := map[string]string{
		"GITHUB_OUTPUT": filepath.Join(dir, "output"),
		"GITHUB_ENV":    filepath.Join(dir, "env"),
		"RUNNER_TEMP":   filepath.Join(dir, "runner-temp"),
	}
	if gh != nil {
		srv := httptest.NewServer(gh)
		t.Cleanup(srv.Close)
		full["GITHUB_API_URL"] = srv.URL
	}
	for k, v := range env {
		full[k] = v
	}
	var out bytes.Buffer
	e := environment{
		getenv:       func(k string) string { return full[k] },
		now:          func() time.Time { return now },
		client:       &http.Client{Timeout: 5 * time.Second},
		git:          runGit,
		loadLocation: time.LoadLocation,
		dir:          full["TEST_GIT_DIR"],
	}
	code := run(context.Background(), nil, e, &out)
	return runResult{code: code, stdout: out.String(), outputs: parseFileCommands(t, full["GITHUB_OUTPUT"]), envVars: parseFileCommands(t, full["GITHUB_ENV"])}
}

var delimLine = regexp.MustCompile(`^([^<\n]+)<<(ghadelimiter_[0-9a-f-]{36})$`)

// parseFileCommands reads GitHub's multi-line file command format.
func parseFileCommands(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	out := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		if lines[i] == "" {
			continue
		}
		m := delimLine.FindStringSubmatch(lines[i])
		require.NotNil(t, m, "line %q is not name<<delimiter", lines[i])
		var val []string
		j := i + 1
		for ; j < len(lines) && lines[j] != m[2]; j++ {
			val = append(val, lines[j])
		}
		require.Less(t, j, len(lines), "delimiter of %s is never closed", m[1])
		out[m[1]] = strings.Join(val, "\n")
		i = j
	}
	return out
}

func writePayload(t *testing.T, payload string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(p, []byte(payload), 0o644))
	return p
}

func TestTagPushThroughTheEnvironment(t *testing.T) {
	gh := &fakeGitHub{}
	r := runAction(t, map[string]string{
		"INPUT_IMAGES":       "ghcr.io/Acme/App\nname=docker.io/acme/app,enable=true",
		"INPUT_TAGS":         "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=match,\"pattern=^v(\\d{1,2})\",group=1\ntype=sha",
		"INPUT_LABELS":       "org.opencontainers.image.vendor=Acme\n# a comment\n",
		"INPUT_SEP-TAGS":     ",",
		"INPUT_GITHUB-TOKEN": testToken,
		"GITHUB_EVENT_NAME":  "push",
		"GITHUB_REF":         "refs/tags/v1.2.3",
		"GITHUB_SHA":         testSHA,
		"GITHUB_REPOSITORY":  "acme/app",
		"GITHUB_RUN_NUMBER":  "15",
		"GITHUB_EVENT_PATH":  writePayload(t, `{"ref":"refs/tags/v1.2.3","base_ref":"refs/heads/main","repository":{"default_branch":"main"}}`),
		"SOURCE_DATE_EPOCH":  "1700000000",
	}, gh)
	require.Equal(t, 0, r.code, r.stdout)

	assert.Equal(t, "1.2.3", r.outputs["version"])
	assert.Equal(t, "ghcr.io/acme/app:1.2.3,ghcr.io/acme/app:1.2,ghcr.io/acme/app:1,ghcr.io/acme/app:sha-860c190,ghcr.io/acme/app:latest,"+
		"docker.io/acme/app:1.2.3,docker.io/acme/app:1.2,docker.io/acme/app:1,docker.io/acme/app:sha-860c190,docker.io/acme/app:latest", r.outputs["tags"])
	assert.Equal(t, "1.2.3,1.2,1,sha-860c190,latest", r.outputs["tag-names"])
	assert.Equal(t, strings.Join([]string{
		"org.opencontainers.image.created=2023-11-14T22:13:20.000Z",
		"org.opencontainers.image.description=The app",
		"org.opencontainers.image.licenses=Apache-2.0",
		"org.opencontainers.image.revision=" + testSHA,
		"org.opencontainers.image.source=https://github.com/acme/app",
		"org.opencontainers.image.title=app",
		"org.opencontainers.image.url=https://github.com/acme/app",
		"org.opencontainers.image.vendor=Acme",
		"org.opencontainers.image.version=1.2.3",
	}, "\n"), r.outputs["labels"], "SOURCE_DATE_EPOCH fixes the created label, in milliseconds as metadata-action writes it")
	assert.True(t, strings.HasPrefix(r.outputs["annotations"], "manifest:org.opencontainers.image.created=2023-11-14T22:13:20.000Z\n"))

	var js struct {
		Tags     []string          `json:"tags"`
		TagNames []string          `json:"tag-names"`
		Labels   map[string]string `json:"labels"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.outputs["json"]), &js))
	assert.Len(t, js.Tags, 10)
	assert.Equal(t, "Acme", js.Labels["org.opencontainers.image.vendor"])

	for _, name := range []string{"bake-file-tags", "bake-file-labels", "bake-file-annotations", "bake-file"} {
		p := r.outputs[name]
		require.NotEmpty(t, p, name)
		data, err := os.ReadFile(p)
		require.NoError(t, err, name)
		assert.True(t, json.Valid(data), name)
		assert.Contains(t, string(data), `"docker-metadata-action"`)
		assert.Contains(t, p, "docker-actions-toolkit-", "bake files live in a directory of their own under RUNNER_TEMP")
	}
	assert.Equal(t, r.outputs["version"], r.envVars["DOCKER_METADATA_OUTPUT_VERSION"])
	assert.Equal(t, r.outputs["tag-names"], r.envVars["DOCKER_METADATA_OUTPUT_TAG_NAMES"])
	assert.Equal(t, r.outputs["bake-file"], r.envVars["DOCKER_METADATA_OUTPUT_BAKE_FILE"])

	require.NotEmpty(t, gh.requests)
	for _, req := range gh.requests {
		assert.Equal(t, "token "+testToken, req.Header.Get("Authorization"))
	}
	assert.NotContains(t, r.stdout, testToken)
}

func TestRunsWithoutPayloadOrRepository(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"no payload path", map[string]string{}},
		{"payload file missing", map[string]string{"GITHUB_EVENT_PATH": filepath.Join(t.TempDir(), "absent.json")}},
		{"empty payload file", map[string]string{"GITHUB_EVENT_PATH": writePayload(t, "")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/feature/x", "GITHUB_SHA": testSHA, "INPUT_IMAGES": "acme/app"}
			for k, v := range tc.env {
				env[k] = v
			}
			r := runAction(t, env, nil)
			require.Equal(t, 0, r.code, r.stdout)
			assert.Equal(t, "feature-x", r.outputs["version"])
			assert.Equal(t, "acme/app:feature-x", r.outputs["tags"])
			assert.Contains(t, r.outputs["labels"], "org.opencontainers.image.title=\n")
			assert.Contains(t, r.outputs["labels"], "org.opencontainers.image.created=2030-01-01T00:00:00.000Z", "the clock, read once, when SOURCE_DATE_EPOCH is not set")
		})
	}
}

func TestEnvironmentSwitches(t *testing.T) {
	payload := writePayload(t, `{"number": 7, "pull_request": {"head": {"sha": "1111111222222233333334444444555555566666"}, "base": {"ref": "main"}}}`)
	r := runAction(t, map[string]string{
		"GITHUB_EVENT_NAME":                  "pull_request_target",
		"GITHUB_REF":                         "refs/heads/main",
		"GITHUB_SHA":                         testSHA,
		"GITHUB_EVENT_PATH":                  payload,
		"INPUT_TAGS":                         "type=ref,event=pr\ntype=sha\ntype=raw,value=base-{{base_ref}}",
		"DOCKER_METADATA_PR_HEAD_SHA":        "true",
		"DOCKER_METADATA_SHORT_SHA_LENGTH":   "10",
		"DOCKER_METADATA_ANNOTATIONS_LEVELS": "index,manifest-descriptor",
		"DOCKER_METADATA_SET_OUTPUT_ENV":     "false",
		"INPUT_ANNOTATIONS":                  "org.opencontainers.image.vendor=Acme",
		"SOURCE_DATE_EPOCH":                  "0",
	}, nil)
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, "pr-7\nbase-main\nsha-1111111222", r.outputs["tag-names"], "pull_request_target gets the pull request ref; the head sha is used")
	assert.Contains(t, r.outputs["annotations"], "index:org.opencontainers.image.vendor=Acme")
	assert.Contains(t, r.outputs["annotations"], "manifest-descriptor:org.opencontainers.image.vendor=Acme")
	assert.NotContains(t, r.outputs["annotations"], "\nmanifest:")
	assert.Nil(t, r.envVars, "DOCKER_METADATA_SET_OUTPUT_ENV=false exports nothing")
}

func TestErrorsNameTheInputAndWriteNoOutputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		gh   *fakeGitHub
		want string
	}{
		{"unknown tag type", map[string]string{"INPUT_TAGS": "type=semvar,pattern={{version}}"}, nil, `tags: "type=semvar,pattern={{version}}": unknown type`},
		{"unknown expression", map[string]string{"INPUT_TAGS": "type=raw,value={{branchname}}"}, nil, "unknown expression {{branchname}}"},
		{"unclosed quote", map[string]string{"INPUT_TAGS": "type=raw,\"value=x"}, nil, "input tags"},
		{"bad context", map[string]string{"INPUT_CONTEXT": "svn"}, nil, "input context"},
		{"bad SOURCE_DATE_EPOCH", map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, nil, "SOURCE_DATE_EPOCH"},
		{"bad short sha length", map[string]string{"DOCKER_METADATA_SHORT_SHA_LENGTH": "seven"}, nil, "DOCKER_METADATA_SHORT_SHA_LENGTH"},
		{"bad head-sha switch", map[string]string{"DOCKER_METADATA_PR_HEAD_SHA": "yes"}, nil, "DOCKER_METADATA_PR_HEAD_SHA"},
		{"bad annotation level", map[string]string{"DOCKER_METADATA_ANNOTATIONS_LEVELS": "manifest,layer"}, nil, `"layer": is not an annotation level`},
		{"bad payload", map[string]string{"GITHUB_EVENT_PATH": "PAYLOAD:{"}, nil, "GITHUB_EVENT_PATH"},
		{"repository API refuses", map[string]string{"GITHUB_REPOSITORY": "acme/app", "INPUT_GITHUB-TOKEN": testToken}, &fakeGitHub{repoCode: 404}, "404 Not Found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": testSHA}
			for k, v := range tc.env {
				if strings.HasPrefix(v, "PAYLOAD:") {
					v = writePayload(t, strings.TrimPrefix(v, "PAYLOAD:"))
				}
				env[k] = v
			}
			r := runAction(t, env, tc.gh)
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stdout, "::error::")
			assert.Contains(t, r.stdout, tc.want)
			assert.NotContains(t, r.stdout, testToken, "no secret in an error")
			assert.Nil(t, r.outputs, "nothing is written to GITHUB_OUTPUT on failure")
		})
	}
}

func TestLatestNewestThroughTheEnvironment(t *testing.T) {
	r := runAction(t, map[string]string{
		"GITHUB_EVENT_NAME":   "push",
		"GITHUB_REF":          "refs/tags/v1.2.6",
		"INPUT_TAGS":          "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=semver,pattern={{major}}",
		"INPUT_FLAVOR":        "latest=newest",
		"INPUT_EXISTING-TAGS": "1.2.5\n1.3.0\nlatest",
	}, nil)
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, "1.2.6\n1.2", r.outputs["tag-names"])
	assert.Contains(t, r.stdout, "::warning::")
}

func TestStdoutWhenGitHubOutputIsNotSet(t *testing.T) {
	r := runAction(t, map[string]string{"GITHUB_OUTPUT": "", "GITHUB_REF": "refs/heads/main", "INPUT_TAGS": "type=ref,event=branch"}, nil)
	require.Equal(t, 0, r.code, r.stdout)
	assert.Contains(t, r.stdout, "GITHUB_OUTPUT is not set")
	assert.Regexp(t, `(?m)^version<<ghadelimiter_[0-9a-f-]{36}\nmain\nghadelimiter_`, r.stdout)
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2024-05-01T10:00:00Z", "GIT_COMMITTER_DATE=2024-05-01T10:00:00Z", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func TestGitContext(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "trunk")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644))
	git(t, dir, "add", "f")
	git(t, dir, "commit", "-q", "-m", "one")
	sha := git(t, dir, "rev-parse", "HEAD")
	git(t, dir, "tag", "v2.0.0")

	tags := "type=ref,event=branch\ntype=semver,pattern={{version}}\ntype=raw,value=c-{{commit_date 'YYYYMMDD-HHmm'}}\ntype=sha"
	r := runAction(t, map[string]string{"INPUT_CONTEXT": "git", "INPUT_TAGS": tags, "TEST_GIT_DIR": dir, "SOURCE_DATE_EPOCH": "1700000000"}, nil)
	require.Equal(t, 0, r.code, r.stdout)
	// metadata-action run with context: git on the same checkout gives the
	// same tag names.
	assert.Equal(t, "trunk\nc-20240501-1000\nsha-"+sha[:7], r.outputs["tag-names"], "a branch checkout")
	assert.Contains(t, r.outputs["labels"], "org.opencontainers.image.revision="+sha)

	git(t, dir, "checkout", "-q", "--detach", "v2.0.0")
	r = runAction(t, map[string]string{"INPUT_CONTEXT": "git", "INPUT_TAGS": tags, "TEST_GIT_DIR": dir, "SOURCE_DATE_EPOCH": "1700000000"}, nil)
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, "2.0.0\nc-20240501-1000\nsha-"+sha[:7]+"\nlatest", r.outputs["tag-names"], "a detached checkout of a tag, as CI checks out")

	r = runAction(t, map[string]string{"INPUT_CONTEXT": "git", "TEST_GIT_DIR": t.TempDir()}, nil)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "context git")
}

func TestRepositoryFromThePayloadWithoutGitHubRepository(t *testing.T) {
	gh := &fakeGitHub{}
	r := runAction(t, map[string]string{
		"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main",
		"GITHUB_EVENT_PATH": writePayload(t, `{"repository": {"name": "app", "owner": {"login": "acme"}}}`),
	}, gh)
	require.Equal(t, 0, r.code, r.stdout)
	assert.Contains(t, r.outputs["labels"], "org.opencontainers.image.title=app")
	assert.NotContains(t, r.stdout, "::notice::No repository")

	r = runAction(t, map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"}, nil)
	require.Equal(t, 0, r.code, r.stdout)
	assert.Contains(t, r.stdout, "::notice::No repository is known")
}

func TestHelpAndArguments(t *testing.T) {
	var out bytes.Buffer
	e := environment{getenv: func(string) string { return "" }, now: time.Now}
	assert.Equal(t, 0, run(context.Background(), []string{"--help"}, e, &out))
	assert.Contains(t, out.String(), "INPUT_TAGS")
	out.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"--tags", "x"}, e, &out))
	assert.Contains(t, out.String(), "takes no arguments")
}
