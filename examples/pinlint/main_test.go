package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

func lint(t *testing.T, reg *memory.Registry, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	open := func(host string) (promote.Registry, error) {
		if host != "" {
			return nil, errors.New("no registry " + host)
		}
		return reg, nil
	}
	code := run(context.Background(), args, open, &out, &errOut)
	return code, out.String(), errOut.String()
}

func seeded(t *testing.T) (*memory.Registry, demo.Catalogue) {
	t.Helper()
	reg, cat, err := demo.Seed()
	require.NoError(t, err)
	return reg, cat
}

func copyFile(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	require.NoError(t, os.WriteFile(dst, data, 0o644))
	return dst
}

func TestPinlintFindings(t *testing.T) {
	reg, _ := seeded(t)
	code, out, stderr := lint(t, reg, "--json", "--policy", "policy.json", "--env", "production", "deploy.yaml")
	require.Equal(t, 1, code, stderr)
	var findings []finding
	require.NoError(t, json.Unmarshal([]byte(out), &findings))
	var got []string
	for _, f := range findings {
		got = append(got, f.File+":"+strconv.Itoa(f.Line)+" "+f.Rule)
	}
	assert.ElementsMatch(t, []string{
		"deploy.yaml:11 pin-mutable",
		"deploy.yaml:11 no-docker-hub",
		"deploy.yaml:14 no-docker-hub",
		"deploy.yaml:16 no-latest",
		"deploy.yaml:16 pin-mutable",
		"deploy.yaml:16 no-docker-hub",
	}, got)
	assert.Empty(t, reg.Events())

	code, _, _ = lint(t, reg, "--fail-on", "critical", "--policy", "policy.json", "--env", "production", "deploy.yaml")
	assert.Equal(t, 0, code, "nothing reaches critical")
}

func TestPinlintFixPinsAndPreservesTheRest(t *testing.T) {
	reg, cat := seeded(t)
	file := copyFile(t, "deploy.yaml")
	before, err := os.ReadFile(file)
	require.NoError(t, err)

	code, out, stderr := lint(t, reg, "--fix", file)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "no findings\n", out)
	assert.Contains(t, stderr, "pinned 3 image reference(s)")

	after, err := os.ReadFile(file)
	require.NoError(t, err)
	want := strings.NewReplacer(
		`"mycorp/myproject:v1"`, `"mycorp/myproject:v1@`+cat.Myproj131New+`"`,
		`acmecorp/payment-api:v2.4.1`, `acmecorp/payment-api:v2.4.1@`+cat.PaymentAPI241,
		`image: ubuntu   #`, `image: ubuntu:latest@`+ubuntuLatest(t, reg)+`   #`,
	).Replace(string(before))
	assert.Equal(t, want, string(after))

	// A second run changes nothing.
	code, _, stderr = lint(t, reg, "--fix", file)
	assert.Equal(t, 0, code)
	assert.NotContains(t, stderr, "pinned")
	again, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(after), string(again))
}

func ubuntuLatest(t *testing.T, reg *memory.Registry) string {
	t.Helper()
	d, err := reg.Resolve(context.Background(), reference.MustParse("ubuntu:latest"))
	require.NoError(t, err)
	return d.Digest.String()
}

func TestPinlintCompose(t *testing.T) {
	reg, _ := seeded(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	require.NoError(t, os.WriteFile(file, []byte("services:\n  api:\n    image: acmecorp/payment-api:staging\n  bad:\n    image: Not/Valid\n"), 0o644))
	code, out, _ := lint(t, reg, file)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "compose.yaml:3: error pin-mutable")
	assert.Contains(t, out, "compose.yaml:5: error invalid-reference")

	code, _, stderr := lint(t, reg, "--fix", file)
	assert.Equal(t, 1, code, "the invalid reference is left for a person")
	assert.Contains(t, stderr, "pinned 1 image reference(s)")
}

func TestPinlintErrors(t *testing.T) {
	reg, _ := seeded(t)
	dir := t.TempDir()
	badPolicy := filepath.Join(dir, "p.json")
	require.NoError(t, os.WriteFile(badPolicy, []byte(`{"rules":[{"id":"x","type":"no-such-rule"}]}`), 0o600))
	badYAML := filepath.Join(dir, "b.yaml")
	require.NoError(t, os.WriteFile(badYAML, []byte("a: [unclosed"), 0o600))
	missing := filepath.Join(dir, "gone.yaml")
	require.NoError(t, os.WriteFile(missing, []byte("services:\n  x:\n    image: acmecorp/nothing:1\n"), 0o600))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no files", nil, "at least one FILE"},
		{"bad fail-on", []string{"--fail-on", "loud", "deploy.yaml"}, "--fail-on"},
		{"missing policy", []string{"--policy", filepath.Join(dir, "nope.json"), "deploy.yaml"}, "no such file"},
		{"bad policy", []string{"--policy", badPolicy, "deploy.yaml"}, "no-such-rule"},
		{"unknown env", []string{"--policy", "policy.json", "--env", "moon", "deploy.yaml"}, "moon"},
		{"bad yaml", []string{badYAML}, "b.yaml"},
		{"pin of a missing image", []string{"--fix", missing}, "pin acmecorp/nothing:1"},
		{"remote unavailable", []string{"--fix", "--registry", "registry.example.com", "deploy.yaml"}, "no registry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := lint(t, reg, tt.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestPinlintHelp(t *testing.T) {
	reg, _ := seeded(t)
	code, _, stderr := lint(t, reg, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "usage: pinlint")
}
