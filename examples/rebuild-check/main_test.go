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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
)

func check(t *testing.T, reg *memory.Registry, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	connect := func(demoMode bool, _ []string, _ io.Writer) (*remote.Router, error) {
		if !demoMode {
			return nil, errors.New("this test runs in demo mode")
		}
		return demo.Router(reg)
	}
	code := run(context.Background(), append([]string{"--demo"}, args...), connect, false, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func seeded(t *testing.T) *memory.Registry {
	t.Helper()
	reg, _, err := demo.Seed()
	require.NoError(t, err)
	return reg
}

func TestRebuildCheckSample(t *testing.T) {
	code, out, stderr := check(t, seeded(t), "", "--json", "workspaces.yaml")
	require.Equal(t, 1, code, stderr)
	var results []result
	require.NoError(t, json.Unmarshal([]byte(out), &results))
	got := map[string]policy.Outcome{}
	for _, r := range results {
		got[r.Name] = r.Decision.Outcome
	}
	assert.Equal(t, map[string]policy.Outcome{
		"alice-dev":       policy.TagRepublished,
		"bob-mobile":      policy.TagRepublished,
		"carol-myproj":    policy.UpToDate,
		"dave-hotfix":     policy.ImmutableTagMoved,
		"payments-prod":   policy.UpToDate,
		"payments-pinned": policy.PinnedByDigest,
	}, got)
}

func TestRebuildCheckTable(t *testing.T) {
	code, out, _ := check(t, seeded(t), "", "workspaces.yaml")
	assert.Equal(t, 1, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 7)
	assert.Regexp(t, `^NAME\s+IMAGE\s+ACTION\s+OUTCOME\s+MESSAGE$`, lines[0])
	assert.Regexp(t, `^dave-hotfix\s+registry\.example\.com/mycorp/myproject:v1\.3\.1\s+alert\s+immutable-tag-moved\s+`, lines[4])
	assert.Contains(t, lines[6], "acmecorp/payment-api@sha256:e6d033292f8a…")
}

func TestRebuildCheckExitCodes(t *testing.T) {
	upToDate := `[{"name":"p","image":"registry.example.com/acmecorp/payment-api:v2.4.1","digest":"sha256:ffa07e374ae3d82e1fec60c9a0a504d791fa136e4bcc722da6c167d60e3cb720"}]`
	code, out, stderr := check(t, seeded(t), upToDate, "-")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "up-to-date")

	reg := seeded(t)
	reg.InjectFault(memory.Fault{Op: memory.OpResolve, Err: errors.New("registry unreachable")})
	code, out, _ = check(t, reg, upToDate, "-")
	assert.Equal(t, 2, code, "an observation that failed is an error, never up to date")
	assert.Contains(t, out, "registry unreachable")
}

func TestRebuildCheckInputErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, "exactly one FILE"},
		{"missing file", []string{filepath.Join(dir, "nope.yaml")}, "no such file"},
		{"unknown field", []string{write("a.yaml", "- name: a\n  imgae: ubuntu\n")}, "imgae"},
		{"unknown JSON field", []string{write("a.json", `[{"name":"a","imgae":"ubuntu"}]`)}, "imgae"},
		{"bad image", []string{write("b.yaml", "- name: b\n  image: Ubuntu/Bad\n")}, "entry 1 (b): image"},
		{"bad digest", []string{write("c.yaml", "- name: c\n  image: ubuntu\n  digest: sha256:abc\n")}, "digest"},
		{"bad tracking", []string{write("d.yaml", "- name: d\n  image: ubuntu\n  tracking: weekly\n")}, `"weekly" is not one of`},
		{"empty list", []string{write("e.yaml", "# nothing\n")}, "no workspaces"},
		{"JSON type mismatch", []string{write("f.json", `[{"name":"f","image":["ubuntu"]}]`)}, "line 1: image: want a single value"},
		{"not a list", []string{write("g.yaml", "name: g\nimage: ubuntu\n")}, "want a list of workspaces"},
		{"an entry is not a mapping", []string{write("h.yaml", "- ubuntu:20.04\n")}, "entry 1: line 1: want a mapping"},
		{"image missing", []string{write("i.yaml", "- name: i\n")}, "entry 1 (i): line 1: image is missing"},
		{"not YAML", []string{write("j.yaml", "- [\n")}, "not YAML or JSON"},
		{"bad prereleases", []string{write("k.yaml", "- image: registry.example.com/a/b:1\n  prereleases: sometimes\n")}, `prereleases "sometimes": want true or false`},
		{"a host outside demo mode", []string{write("l.yaml", "- name: l\n  image: ghcr.io/acme/app:1\n")}, "entry 1 (l): image ghcr.io/acme/app:1: demo mode works only on registry.example.com"},
		{"mistyped flag", []string{"--jsn", "x.yaml"}, "rebuild-check: unknown flag --jsn (see rebuild-check --help)"},
		{"flag after the file", []string{"workspaces.yaml", "--json"}, "--json after FILE: flags go before FILE"},
		{"bad concurrency", []string{"--concurrency", "0", "workspaces.yaml"}, "--concurrency 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := check(t, seeded(t), "", tt.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, stderr, tt.want)
			assert.NotContains(t, stderr, "main.")
			assert.NotContains(t, stderr, "!!")
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line")
		})
	}
}

func TestRebuildCheckHelpAndVersion(t *testing.T) {
	code, out, stderr := check(t, seeded(t), "", "--help")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	for _, want := range []string{"usage: rebuild-check", "Exit status:", "  1  something needs action", "  2  bad input"} {
		assert.Contains(t, out, want)
	}
	var vout, verr bytes.Buffer
	code = run(context.Background(), []string{"--version"}, demo.Connect, false, strings.NewReader(""), &vout, &verr)
	assert.Equal(t, 0, code, verr.String())
	assert.True(t, strings.HasPrefix(vout.String(), "rebuild-check "), vout.String())
}
