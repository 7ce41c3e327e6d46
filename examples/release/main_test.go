package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

const demoApp = demo.Host + "/acmecorp/payment-api"

var fixedNow = func() time.Time { return time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC) }

func runRelease(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := environment{getenv: func(k string) string { return env[k] }, now: fixedNow, connect: func(bool, []string, io.Writer) (*remote.Router, error) {
		return nil, errors.New("no registry in this test")
	}}
	code := run(context.Background(), args, e, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestReleaseFromFlags(t *testing.T) {
	code, out, stderr := runRelease(t, nil, "--release-version", "2.4.1", "--commit", "a3f2c8d91e44", "--image", "acmecorp/payment-api")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, strings.Join([]string{
		"acmecorp/payment-api:2.4.1",
		"acmecorp/payment-api:2.4",
		"acmecorp/payment-api:2",
		"acmecorp/payment-api:sha-a3f2c8d",
		"acmecorp/payment-api:latest",
	}, "\n")+"\n", out)
}

func TestReleaseFormats(t *testing.T) {
	base := []string{"--release-version", "1.2.3", "--commit", "abc1234", "--image", "ghcr.io/acme/app"}
	tests := []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"docker", func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "-t ghcr.io/acme/app:1.2.3 -t ghcr.io/acme/app:1.2 "), out)
			assert.Contains(t, out, "--label org.opencontainers.image.version=1.2.3")
			assert.Contains(t, out, "--label org.opencontainers.image.created=2026-01-15T10:00:00Z")
		}},
		{"json", func(t *testing.T, out string) {
			var v struct {
				Tags        []string          `json:"tags"`
				Labels      map[string]string `json:"labels"`
				Annotations []string          `json:"annotations"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &v))
			assert.Contains(t, v.Tags, "ghcr.io/acme/app:1.2")
			assert.Equal(t, "abc1234", v.Labels["org.opencontainers.image.revision"])
			assert.Contains(t, v.Annotations, "manifest:org.opencontainers.image.version=1.2.3")
		}},
		{"bake", func(t *testing.T, out string) {
			var v map[string]map[string]struct {
				Tags []string          `json:"tags"`
				Args map[string]string `json:"args"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &v))
			require.Len(t, v["target"], 1)
			for _, target := range v["target"] {
				assert.Contains(t, target.Tags, "ghcr.io/acme/app:latest")
				assert.Equal(t, "1.2.3", target.Args["DOCKER_META_VERSION"])
			}
		}},
		{"github", func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "version=1.2.3\ntags<<IMAGETAGS_EOF\nghcr.io/acme/app:1.2.3\n"), out)
			assert.Contains(t, out, "labels<<IMAGETAGS_EOF\n")
			assert.Contains(t, out, "org.opencontainers.image.revision=abc1234\n")
		}},
		{"set", func(t *testing.T, out string) {
			assert.Regexp(t, `(?m)^1\.2\s+release-line\s+major\.minor`, out)
			assert.Regexp(t, `(?m)^sha-abc1234\s+immutable\s+sha`, out)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			code, out, stderr := runRelease(t, nil, append(base, "--format", tt.format)...)
			require.Equal(t, 0, code, stderr)
			tt.check(t, out)
		})
	}
}

func TestReleaseFromGitHubActions(t *testing.T) {
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a3f2c8d91e44b7e1a4c52f00000000000000beef",
		"GITHUB_RUN_NUMBER": "42", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/payment-api",
	}
	code, out, stderr := runRelease(t, env, "--format", "set")
	require.Equal(t, 0, code, stderr)
	for _, tag := range []string{"sha-a3f2c8d", "main-a3f2c8d", "build-42", "main"} {
		assert.Regexp(t, "(?m)^"+tag+" ", out)
	}
	assert.NotRegexp(t, `(?m)^latest `, out, "a push to main is not a release: latest stays on the newest one")

	env["GITHUB_REF"] = "refs/pull/17/merge"
	env["GITHUB_HEAD_REF"] = "feature/login"
	code, out, stderr = runRelease(t, env, "--format", "set")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `(?m)^pr-17 `, out)
	assert.NotRegexp(t, `(?m)^latest `, out, "a pull request never moves latest")

	env["GITHUB_REF"] = "refs/tags/v3.1.0"
	code, out, stderr = runRelease(t, env, "--format", "json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, `"3.1"`)
	assert.Contains(t, out, `"org.opencontainers.image.source": "https://github.com/acme/payment-api"`)
}

func TestReleaseFromGitLabAndSourceDateEpoch(t *testing.T) {
	env := map[string]string{
		"GITLAB_CI": "true", "CI_COMMIT_TAG": "1.9.1", "CI_COMMIT_SHA": "7b1e9c4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"CI_PIPELINE_IID": "7", "SOURCE_DATE_EPOCH": "1700000000",
	}
	code, out, stderr := runRelease(t, env, "--format", "docker", "--image", "registry.corp:5000/team/app", "--existing", "2.0.1,1.9.0,1.8.4")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "-t registry.corp:5000/team/app:1.9 ")
	assert.Contains(t, out, "-t registry.corp:5000/team/app:1 ")
	assert.NotContains(t, out, ":latest", "a hotfix of an older line never moves latest")
	assert.Contains(t, out, "org.opencontainers.image.created=2023-11-14T22:13:20Z")
}

func TestReleaseVersionFileAndPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "version.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"version":"v1.6","commit":"deadbee1","metadata":{"title":"trainer","licenses":"Apache-2.0"}}`), 0o600))
	code, out, stderr := runRelease(t, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/tags/v9.9.9"},
		"--version-file", file, "--commit", "cafe123", "--format", "json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, `"1.6"`, "the file wins over the environment")
	assert.NotContains(t, out, "9.9")
	assert.Contains(t, out, `"org.opencontainers.image.revision": "cafe123"`, "flags win over the file")
	assert.Contains(t, out, `"org.opencontainers.image.licenses": "Apache-2.0"`)

	require.NoError(t, os.WriteFile(file, []byte(`{"versoin":"1"}`), 0o600))
	code, _, stderr = runRelease(t, nil, "--version-file", file)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "versoin")
}

func TestReleaseErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--format", "yaml", "--release-version", "1.0.0"}, nil, "unknown --format"},
		{[]string{"--release-version", "not-a-version"}, nil, "not-a-version"},
		{[]string{"--format", "docker", "--release-version", "1.0.0"}, nil, "at least one image"},
		{[]string{"--image", "Bad/Name", "--release-version", "1.0.0"}, nil, "Bad/Name"},
		{[]string{"--release-version", "1.0.0", "extra"}, nil, "unexpected argument"},
		{[]string{"--release-version", "1.0.0"}, map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, "SOURCE_DATE_EPOCH"},
		{[]string{"--version-file", "/does/not/exist.json"}, nil, "--version-file: open /does/not/exist.json: no such file"},
		{[]string{"--nope"}, nil, "release: unknown flag --nope (see release --help)"},
		{[]string{"--release-version", "1.0.0", "--plain-http", "registry.corp"}, nil, "--plain-http needs --publish or --read-tags"},
		{[]string{"--release-version", "1.0.0", "--demo"}, nil, "--demo needs --publish or --read-tags"},
		{[]string{"--version", "1.0.0"}, nil, "release: --version prints the program's version; the release version is --release-version VERSION"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, stderr := runRelease(t, tt.env, tt.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestReleaseHelpAndVersion(t *testing.T) {
	code, out, stderr := runRelease(t, nil, "--help")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	for _, want := range []string{"usage: release", "-version-file", "-release-version VERSION", "Exit status:", "  2  bad input"} {
		assert.Contains(t, out, want)
	}
	code, out, stderr = runRelease(t, nil, "--version")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	assert.True(t, strings.HasPrefix(out, "release "), out)
}

func publishRun(t *testing.T, reg *memory.Registry, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := environment{getenv: func(string) string { return "" }, now: fixedNow, connect: func(demoMode bool, _ []string, _ io.Writer) (*remote.Router, error) {
		if !demoMode {
			return nil, errors.New("this test runs in demo mode")
		}
		return demo.Router(reg)
	}}
	code := run(context.Background(), append([]string{"--demo"}, args...), e, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestReleasePublish(t *testing.T) {
	reg, cat, err := demo.Seed()
	require.NoError(t, err)
	code, out, stderr := publishRun(t, reg, "--release-version", "2.4.1", "--commit", "a3f2c8d", "--image", demoApp,
		"--publish", cat.PaymentAPI241)
	require.Equal(t, 0, code, stderr)
	var recs []promote.Record
	require.NoError(t, json.Unmarshal([]byte(out), &recs))
	require.Len(t, recs, 1)
	assert.Equal(t, "publish", recs[0].Operation)
	assert.Equal(t, cat.PaymentAPI241, recs[0].Digest.String())
	assert.Equal(t, fixedNow(), recs[0].Time)
	assert.ElementsMatch(t, []string{"2.4.1", "2.4", "2", "sha-a3f2c8d"}, recs[0].Moved(), "latest was already on this digest")
	require.Len(t, recs[0].Tags, 5)
	for _, tag := range []string{"2.4.1", "sha-a3f2c8d", "latest"} {
		d, err := reg.Resolve(context.Background(), reference.MustParse(demoApp+":"+tag))
		require.NoError(t, err)
		assert.Equal(t, cat.PaymentAPI241, d.Digest.String(), tag)
	}

	// Publishing again moves nothing; the notes say so.
	code, out, stderr = publishRun(t, reg, "--release-version", "2.4.1", "--commit", "a3f2c8d", "--image", demoApp,
		"--publish", cat.PaymentAPI241, "--notes")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(out, "## "+demoApp+" 2.4.1\n\n- Digest: `"+cat.PaymentAPI241+"`\n- Commit: `a3f2c8d`\n- Published: 2026-01-15T10:00:00Z\n- Tags:\n"), out)
	assert.Contains(t, out, "  - `2.4.1` (already there)\n")
}

func TestReleasePublishNotesShowMoves(t *testing.T) {
	reg, cat, err := demo.Seed()
	require.NoError(t, err)
	code, out, stderr := publishRun(t, reg, "--release-version", "2.4.2", "--commit", "b4c5d6e", "--image", demoApp,
		"--publish", cat.PaymentAPI240, "--notes", "--no-sha")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "  - `2.4.2` (new)\n")
	assert.Contains(t, out, "  - `latest` (moved from `"+cat.PaymentAPI241[:len("sha256:")+12]+"`)\n")
}

func TestReleasePublishErrors(t *testing.T) {
	reg, cat, err := demo.Seed()
	require.NoError(t, err)
	require.NoError(t, reg.SetImmutable(memory.Rule{Tags: []string{"latest"}}))
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--release-version", "1.0.0", "--notes"}, 2, "--notes needs --publish"},
		{[]string{"--release-version", "1.0.0", "--read-tags"}, 2, "--read-tags needs at least one --image"},
		{[]string{"--release-version", "1.0.0", "--publish", "sha256:nope", "--image", "a/b"}, 2, `--publish "sha256:nope": want a digest`},
		{[]string{"--release-version", "1.0.0", "--publish", cat.PaymentAPI241}, 2, "at least one --image"},
		{[]string{"--release-version", "1.0.0", "--publish", cat.PaymentAPI241, "--image", demoApp + ":1"}, 2, "repository name only"},
		{[]string{"--release-version", "1.0.0", "--publish", cat.PaymentAPI241, "--image", "ghcr.io/a/b"}, 2, "demo mode works only on registry.example.com"},
		{[]string{"--release-version", "1.0.0", "--publish", cat.PaymentAPI241, "--image", demoApp, "--image", "a/b"}, 2, "this names docker.io"},
		{[]string{"--release-version", "9.0.0", "--publish", cat.PaymentAPI240, "--image", demoApp}, 1, "immutable"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := publishRun(t, reg, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestReleasePublishNeverMovesVersionTags(t *testing.T) {
	reg, cat, err := demo.Seed()
	require.NoError(t, err)
	args := []string{"--release-version", "2.4.1", "--commit", "a3f2c8d", "--image", demoApp}
	code, _, stderr := publishRun(t, reg, append(args, "--publish", cat.PaymentAPI241)...)
	require.Equal(t, 0, code, stderr)

	// The same version published on another build: 2.4.1 and sha-a3f2c8d
	// each name one build and stay; the rolling tags may move.
	code, out, stderr := publishRun(t, reg, append(args, "--publish", cat.PaymentAPI240)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "immutable-tag option")
	var recs []promote.Record
	require.NoError(t, json.Unmarshal([]byte(out), &recs))
	require.Len(t, recs, 1)
	assert.ElementsMatch(t, []string{"2.4.1", "sha-a3f2c8d"}, recs[0].Failed())
	for _, tag := range []string{"2.4.1", "sha-a3f2c8d"} {
		d, err := reg.Resolve(context.Background(), reference.MustParse(demoApp+":"+tag))
		require.NoError(t, err)
		assert.Equal(t, cat.PaymentAPI241, d.Digest.String(), tag)
	}
}
