package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// hosts is a set of in-memory registries standing in for real hosts; the
// same repository gets a different digest on each host, so a test sees
// which host answered.
type hosts struct {
	regs   map[string]*memory.Registry
	opened []string
	plain  []string // hosts opened with plain HTTP
}

func newHosts(t *testing.T, names ...string) *hosts {
	t.Helper()
	h := &hosts{regs: map[string]*memory.Registry{}}
	for _, name := range names {
		reg := memory.New()
		_, err := reg.Seed(
			memory.Image{Repository: "library/nginx", Tags: []string{"1.27", "latest"}, Content: name + " nginx"},
			memory.Image{Repository: "library/ubuntu", Tags: []string{"22.04", "latest"}, Content: name + " ubuntu"},
			memory.Image{Repository: "acme/app", Tags: []string{"2.0", "staging"}, Content: name + " app"},
			memory.Image{Repository: "team/api", Tags: []string{"1.4"}, Content: name + " api"},
		)
		require.NoError(t, err)
		h.regs[name] = reg
	}
	return h
}

func (h *hosts) open(host string, plainHTTP bool) (promote.Registry, error) {
	h.opened = append(h.opened, host)
	if plainHTTP {
		h.plain = append(h.plain, host)
	}
	if r, ok := h.regs[host]; ok {
		return r, nil
	}
	return nil, errors.New("cannot reach " + host)
}

func (h *hosts) digest(t *testing.T, host, ref string) string {
	t.Helper()
	d, err := h.regs[host].Resolve(context.Background(), reference.MustParse(ref))
	require.NoError(t, err)
	return d.Digest.String()
}

func (h *hosts) writes() int {
	n := 0
	for _, r := range h.regs {
		n += len(r.Events())
	}
	return n
}

// lint runs pinlint with h as the real registries and the seeded demo
// registry for --demo.
func pinlint(t *testing.T, h *hosts, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	d := deps{connect: func(plain []string) (promote.Registry, error) { return newByHost(h.open, plain...), nil }, demo: openDemo}
	code := run(context.Background(), args, d, &out, &errOut)
	return code, out.String(), errOut.String()
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func copyFile(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	return write(t, t.TempDir(), filepath.Base(src), string(data))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func decode(t *testing.T, out string) report {
	t.Helper()
	var r report
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	return r
}

func TestPinlintFindings(t *testing.T) {
	h := newHosts(t)
	code, out, stderr := pinlint(t, h, "--json", "--policy", "policy.json", "--env", "production", "deploy.yaml")
	require.Equal(t, 1, code, stderr)
	assert.NotContains(t, out, `"index"`, "a finding says where it is by file, line and path")
	r := decode(t, out)
	var got []string
	for _, f := range r.Findings {
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
	require.Len(t, r.Files, 1)
	assert.True(t, r.Files[0].Checked)
	assert.False(t, r.Files[0].Written)
	assert.Empty(t, h.opened, "linting reads no registry")

	code, _, _ = pinlint(t, h, "--fail-on", "critical", "--policy", "policy.json", "--env", "production", "deploy.yaml")
	assert.Equal(t, 0, code, "nothing reaches critical")
}

func TestFixResolvesOnEachReferencesOwnHost(t *testing.T) {
	h := newHosts(t, "docker.io", "ghcr.io", "registry.corp:5000")
	doc := `kind: Pod
spec:
  containers:
  - image: nginx:1.27              # Docker Hub, short form
  - image: "ghcr.io/acme/app:2.0"
  - image: registry.corp:5000/team/api:1.4
  - image: ghcr.io/acme/app:2.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
`
	file := write(t, t.TempDir(), "pod.yaml", doc)
	code, out, stderr := pinlint(t, h, "--fix", file)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "no findings in 1 file(s)\n", out)
	want := strings.NewReplacer(
		"nginx:1.27 ", "nginx:1.27@"+h.digest(t, "docker.io", "nginx:1.27")+" ",
		`"ghcr.io/acme/app:2.0"`, `"ghcr.io/acme/app:2.0@`+h.digest(t, "ghcr.io", "ghcr.io/acme/app:2.0")+`"`,
		"team/api:1.4\n", "team/api:1.4@"+h.digest(t, "registry.corp:5000", "registry.corp:5000/team/api:1.4")+"\n",
	).Replace(doc)
	assert.Equal(t, want, read(t, file))
	assert.ElementsMatch(t, []string{"docker.io", "ghcr.io", "registry.corp:5000"}, h.opened, "one registry per host")
	assert.Empty(t, h.plain, "HTTPS unless asked")
	assert.Contains(t, stderr, "written with 3 image(s) pinned")
	assert.Zero(t, h.writes(), "pinning reads, never writes, the registries")
	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the file keeps its mode")

	// A second run has nothing to do; plain HTTP goes to the named host only.
	code, _, stderr = pinlint(t, h, "--fix", "--plain-http", "registry.corp:5000", file)
	assert.Equal(t, 0, code)
	assert.NotContains(t, stderr, "pinned")
	assert.Equal(t, want, read(t, file))
	assert.Empty(t, h.plain, "nothing was left to resolve")
	h.opened = nil
	fresh := write(t, t.TempDir(), "pod.yaml", doc)
	code, _, stderr = pinlint(t, h, "--fix", "--plain-http", "registry.corp:5000", fresh)
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"registry.corp:5000"}, h.plain)
}

func TestFixSaysWhatWasAndWasNotPinned(t *testing.T) {
	h := newHosts(t, "docker.io")
	dir := t.TempDir()
	good := write(t, dir, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n  api:\n    image: ghcr.io/acme/app:2.0\n  gone:\n    image: acme/nothing:1\n")
	values := write(t, dir, "values.yaml", "image:\n  repository: nginx\n  tag: latest\n")
	other := write(t, dir, "Dockerfile", "FROM ubuntu:22.04\n")

	code, out, stderr := pinlint(t, h, "--fix", "--json", good, values, other)
	assert.Equal(t, 2, code, "an image that could not be pinned and a file not understood are errors")
	r := decode(t, out)
	require.Len(t, r.Files, 3)

	c := r.Files[0]
	assert.True(t, c.Written)
	require.Len(t, c.Pinned, 1)
	assert.Equal(t, "nginx:1.27", c.Pinned[0].From)
	require.Len(t, c.NotPinned, 2)
	assert.Equal(t, "ghcr.io/acme/app:2.0", c.NotPinned[0].Image)
	assert.Contains(t, c.NotPinned[0].Reason, "cannot reach ghcr.io")
	assert.Equal(t, "acme/nothing:1", c.NotPinned[1].Image)
	assert.Equal(t, "docker.io has no acme/nothing:1", c.NotPinned[1].Reason)
	assert.Contains(t, read(t, good), "nginx:1.27@sha256:")
	assert.Contains(t, read(t, good), "image: ghcr.io/acme/app:2.0\n")

	assert.False(t, r.Files[1].Checked)
	assert.Contains(t, r.Files[1].Error, "Helm values")
	assert.Contains(t, stderr, "values.yaml: not checked")

	assert.True(t, r.Files[2].Written, "the file after the failures is still processed")
	assert.Contains(t, read(t, other), "FROM ubuntu:22.04@sha256:")
}

func TestDemoOnlyWhenAskedAndOnlyForItsHost(t *testing.T) {
	h := newHosts(t, "docker.io")
	file := copyFile(t, "demo.yaml")
	before := read(t, file)
	_, cat, err := demo.Seed()
	require.NoError(t, err)

	code, out, stderr := pinlint(t, h, "--fix", "--demo", file)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "in-memory demo registry")
	assert.Equal(t, "no findings in 1 file(s)\n", out)
	assert.Contains(t, read(t, file), `"registry.example.com/mycorp/myproject:v1@`+cat.Myproj131New+`"`)
	assert.Contains(t, read(t, file), "registry.example.com/acmecorp/payment-api:v2.4.1@"+cat.PaymentAPI241)
	assert.NotEqual(t, before, read(t, file))
	assert.Empty(t, h.opened, "--demo reaches no real registry")

	// Real hosts are refused by the demo, and the file is left alone.
	real := copyFile(t, "deploy.yaml")
	code, _, stderr = pinlint(t, h, "--fix", "--demo", real)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--demo resolves only images on registry.example.com")
	assert.Equal(t, read(t, "deploy.yaml"), read(t, real))

	// Without --demo the demo host is just another host.
	code, _, stderr = pinlint(t, h, "--fix", copyFile(t, "demo.yaml"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "cannot reach registry.example.com")
}

func TestFormats(t *testing.T) {
	h := newHosts(t, "docker.io")
	dir := t.TempDir()
	tests := []struct {
		name, file, content string
		code                int
		want, not           []string
	}{
		{"Dockerfile FROM lines", "Dockerfile",
			"ARG BASE=ubuntu:latest\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM build AS test\nFROM ${BASE}\nFROM scratch\n", 1,
			[]string{"Dockerfile:2: error pin-mutable", "Dockerfile:4: error no-latest"}, []string{"build AS", "scratch"}},
		{"Dockerfile with an ARG without default", "Dockerfile.ci", "ARG IMG\nFROM $IMG\n", 1,
			[]string{"warning not-checkable", "ARG without a default"}, []string{"invalid-reference"}},
		{"Compose defaults are checked", "compose.yaml", "services:\n  a:\n    image: nginx:${TAG:-latest}\n", 1,
			[]string{"compose.yaml:3: error no-latest", "(nginx:${TAG:-latest}, read with the defaults written in the file)"}, []string{"invalid-reference"}},
		{"Compose variables without default", "compose.yml", "services:\n  a:\n    image: nginx:${TAG}\n", 1,
			[]string{"warning not-checkable", "has no default"}, []string{"invalid-reference"}},
		{"merge keys", "merge.yaml", "x-base: &base\n  image: nginx:latest\nservices:\n  a:\n    <<: *base\n", 1,
			[]string{"merge.yaml:2: error no-latest", "through <<: *base (line 5)"}, nil},
		{"Helm values", "values.yaml", "image:\n  repository: nginx\n", 2,
			[]string{"0 file(s) were not checked"}, []string{"no findings in 1"}},
		{"unknown file type", "notes.txt", "FROM nginx\n", 2, nil, []string{"no findings in 1"}},
		{"UTF-16", "utf16.yaml", "\xFF\xFEs\x00:\x00", 2, nil, nil},
		{"invalid reference", "bad.yaml", "services:\n  a:\n    image: Not/Valid\n", 1, []string{"error invalid-reference"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := write(t, dir, tt.file, tt.content)
			code, out, stderr := pinlint(t, h, file)
			assert.Equal(t, tt.code, code, out+stderr)
			for _, w := range tt.want {
				assert.Contains(t, strings.ReplaceAll(out+stderr, dir+"/", ""), strings.ReplaceAll(w, "0 file(s)", "1 file(s)"))
			}
			for _, n := range tt.not {
				assert.NotContains(t, out, n)
			}
			if tt.code == 2 {
				assert.Contains(t, stderr, tt.file+": not checked")
				assert.NotContains(t, out, "no findings in 1 file(s)")
			}
		})
	}
}

func TestFixRewritesTheAnchorOfAMergedImage(t *testing.T) {
	h := newHosts(t, "docker.io")
	doc := "x-base: &base\n  image: nginx:1.27\n  restart: always\nservices:\n  a:\n    <<: *base\n  b:\n    <<: *base\n    ports: [\"80:80\"]\n"
	file := write(t, t.TempDir(), "compose.yaml", doc)
	code, out, stderr := pinlint(t, h, "--fix", file)
	require.Equal(t, 0, code, out+stderr)
	assert.Equal(t, strings.Replace(doc, "nginx:1.27\n", "nginx:1.27@"+h.digest(t, "docker.io", "nginx:1.27")+"\n", 1), read(t, file))
	assert.Contains(t, stderr, "written with 2 image(s) pinned")
}

func TestFixLeavesWhatItCannotRewrite(t *testing.T) {
	h := newHosts(t, "docker.io")
	doc := "services:\n  a:\n    image: nginx:${TAG:-1.27}\n  b:\n    image: >-\n      nginx:1.27\n"
	file := write(t, t.TempDir(), "compose.yaml", doc)
	code, _, stderr := pinlint(t, h, "--fix", file)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "not pinned nginx:${TAG:-1.27}")
	assert.Contains(t, stderr, "block scalar")
	assert.Equal(t, doc, read(t, file))
}

func TestHintsNeverSuggestWhatAnotherRuleForbids(t *testing.T) {
	h := newHosts(t)
	dir := t.TempDir()
	pol := write(t, dir, "policy.json", `{"rules": [
		{"id": "no-hub", "type": "forbidden-registries", "registries": ["docker.io"], "use": "mirror.corp"},
		{"id": "internal", "type": "allowed-registries", "registries": ["*.internal.corp", "registry.corp:5000"]},
		{"id": "no-latest", "type": "no-latest"},
		{"id": "pin", "type": "mutable-needs-digest"}
	]}`)
	file := write(t, dir, "pod.yaml", "kind: Pod\nspec:\n  containers:\n  - image: ubuntu\n  - image: nginx:1.27\n")
	code, out, stderr := pinlint(t, h, "--json", "--policy", pol, file)
	require.Equal(t, 1, code, stderr)
	r := decode(t, out)
	require.NotEmpty(t, r.Findings)
	for _, f := range r.Findings {
		assert.NotContains(t, f.Fix, ":latest", f.Rule)
		assert.NotContains(t, f.Fix, "1.2.3", f.Rule)
		assert.NotContains(t, f.Fix, "*", f.Rule)
		if f.Rule == "no-hub" {
			assert.Contains(t, f.Fix, "not allowed by rule internal", "mirror.corp is itself not allowed")
		}
	}
}

func TestCommandLine(t *testing.T) {
	h := newHosts(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"help", []string{"--help"}, 0, "Exit status:\n  0  every file was read", ""},
		{"version", []string{"--version"}, 0, "pinlint ", ""},
		{"version with a file", []string{"--version", "deploy.yaml"}, 2, "", "--version prints pinlint's version and takes nothing else"},
		{"mistyped flag", []string{"--fxi", "deploy.yaml"}, 2, "", "pinlint: unknown flag --fxi (see pinlint --help)\n"},
		{"old --registry", []string{"--registry", "x", "deploy.yaml"}, 2, "", "resolves each image on the registry its reference names"},
		{"missing value", []string{"deploy.yaml", "--policy"}, 2, "", "pinlint: --policy needs a value (see pinlint --help)\n"},
		{"bad duration", []string{"--timeout", "soon", "deploy.yaml"}, 2, "", `--timeout "soon": not a valid value`},
		{"no files", nil, 2, "", "give at least one FILE"},
		{"bad fail-on", []string{"--fail-on", "loud", "deploy.yaml"}, 2, "", `--fail-on "loud": want info, warning, error or critical`},
		{"demo without fix", []string{"--demo", "deploy.yaml"}, 2, "", "--demo only changes where --fix"},
		{"missing policy", []string{"--policy", "nope.json", "deploy.yaml"}, 2, "", "--policy: open nope.json"},
		{"unknown env", []string{"--policy", "policy.json", "--env", "moon", "deploy.yaml"}, 2, "", `--env "moon"`},
		{"flags after the files", []string{"deploy.yaml", "--fail-on", "critical"}, 0, "deploy.yaml:16", ""},
		{"plain HTTP to a URL", []string{"--fix", "--plain-http", "http://registry.lan", "deploy.yaml"}, 2, "", "--plain-http \"http://registry.lan\": give a registry host such as registry.lan:5000"},
		{"plain HTTP without --fix", []string{"--plain-http", "registry.lan", "deploy.yaml"}, 2, "", "--plain-http only changes how --fix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := pinlint(t, h, tt.args...)
			assert.Equal(t, tt.code, code, out+stderr)
			assert.Contains(t, out, tt.stdout)
			assert.Contains(t, stderr, tt.stderr)
			if tt.code == 2 && tt.stderr != "" {
				assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line, not the whole usage")
			}
		})
	}
}

func TestByHostOpensEachHostOnce(t *testing.T) {
	h := newHosts(t, "ghcr.io")
	b := newByHost(h.open)
	ctx := context.Background()
	for range 3 {
		_, err := b.Resolve(ctx, reference.MustParse("ghcr.io/acme/app:2.0"))
		require.NoError(t, err)
		_, err = b.Resolve(ctx, reference.MustParse("quay.io/x/y:1"))
		assert.ErrorContains(t, err, "registry quay.io: cannot reach quay.io")
	}
	page, err := b.Tags(ctx, reference.MustParse("ghcr.io/acme/app"), "", 0)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"2.0", "staging"}, page.Tags)
	d, err := b.Resolve(ctx, reference.MustParse("ghcr.io/acme/app:2.0"))
	require.NoError(t, err)
	require.NoError(t, b.Tag(ctx, reference.MustParse("ghcr.io/acme/app:prod"), d.Digest))
	assert.Error(t, b.Tag(ctx, reference.MustParse("quay.io/x/y:1"), d.Digest))
	_, err = b.Tags(ctx, reference.MustParse("quay.io/x/y"), "", 0)
	assert.Error(t, err)
	assert.Equal(t, []string{"ghcr.io", "quay.io"}, h.opened)
}

func TestFixWritesNothingItCannotVerify(t *testing.T) {
	h := newHosts(t, "docker.io")
	doc := "x-v: &v nginx:1.27\nservices:\n  a:\n    image: *v\n    environment: {IMAGE: *v}\n  b:\n    image: ubuntu:22.04\n"
	file := write(t, t.TempDir(), "compose.yaml", doc)
	code, out, stderr := pinlint(t, h, "--fix", "--json", file)
	assert.Equal(t, 2, code)
	r := decode(t, out)
	require.Len(t, r.Files, 1)
	assert.False(t, r.Files[0].Written)
	assert.Empty(t, r.Files[0].Pinned, "nothing is reported pinned when the file was not written")
	assert.Len(t, r.Files[0].NotPinned, 2)
	assert.Contains(t, r.Files[0].Error, "not image fields")
	assert.Contains(t, stderr, "not written, the file is unchanged")
	assert.Equal(t, doc, read(t, file))
}

func TestDemoRefusesOtherHostsForEveryCall(t *testing.T) {
	reg, err := openDemo()
	require.NoError(t, err)
	ctx := context.Background()
	hub := reference.MustParse("acmecorp/payment-api:v2.4.1")
	ours := reference.MustParse(demo.Host + "/acmecorp/payment-api:v2.4.1")
	_, err = reg.Resolve(ctx, hub)
	assert.ErrorContains(t, err, "run without --demo to resolve it on docker.io")
	assert.Error(t, reg.Tag(ctx, hub, "sha256:0000000000000000000000000000000000000000000000000000000000000000"))
	_, err = reg.Tags(ctx, hub, "", 0)
	assert.Error(t, err)

	d, err := reg.Resolve(ctx, ours)
	require.NoError(t, err)
	require.NoError(t, reg.Tag(ctx, ours, d.Digest))
	page, err := reg.Tags(ctx, ours, "", 0)
	require.NoError(t, err)
	assert.Contains(t, page.Tags, "v2.4.1")
}

func TestEverythingAfterDoubleDashIsAFile(t *testing.T) {
	h := newHosts(t)
	code, _, stderr := pinlint(t, h, "--", "--fix")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--fix: not checked: no such file or directory")
}

// TestFixOverTheWire runs the real opener against the in-memory registry
// served over HTTP on a loopback port, as a local registry would be.
func TestFixOverTheWire(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials of the machine's user
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "team/api", Tags: []string{"1.4"}, Content: "api"})
	require.NoError(t, err)
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	doc := "services:\n  api:\n    image: " + host + "/team/api:1.4\n  gone:\n    image: " + host + "/team/gone:1\n"
	file := write(t, t.TempDir(), "compose.yaml", doc)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--fix", "--timeout", "10s", file}, deps{connect: connectRemote, demo: openDemo}, &out, &errOut)
	assert.Equal(t, 2, code, "the missing image is an error")
	assert.Equal(t, strings.Replace(doc, "team/api:1.4\n", "team/api:1.4@"+ds[0].String()+"\n", 1), read(t, file))
	assert.Contains(t, errOut.String(), "not pinned "+host+"/team/gone:1: "+host+" has no team/gone:1\n")
}

func TestRegistryErrorsInTheUsersWords(t *testing.T) {
	ref := reference.MustParse("ghcr.io/acme/app:2.0")
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("promote: pin %s: %w", ref, promote.ErrNotFound), "ghcr.io has no acme/app:2.0"},
		{fmt.Errorf("promote: pin %s: %w", ref, promote.ErrUnauthorized), "(docker login ghcr.io)"},
		{fmt.Errorf("promote: pin %s: %w", ref, promote.ErrDenied), "ghcr.io denies access to acme/app"},
		{fmt.Errorf("promote: pin %s: %w", ref, promote.ErrRateLimited), "rate-limiting"},
		{fmt.Errorf("promote: pin %s: %w", ref, context.DeadlineExceeded), "within --timeout"},
		{fmt.Errorf("promote: pin %s: remote: %w", ref, errors.New("tls: bad certificate")), "tls: bad certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := registryError(ref, tt.err)
			assert.Contains(t, got, tt.want)
			assert.NotContains(t, got, "promote:")
		})
	}
}

func TestByHostIsSafeForConcurrentUse(t *testing.T) {
	h := newHosts(t, "ghcr.io", "docker.io")
	var mu sync.Mutex
	opens := map[string]int{}
	b := newByHost(func(host string, _ bool) (promote.Registry, error) {
		mu.Lock()
		opens[host]++
		mu.Unlock()
		return h.regs[host], nil
	})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			ref := "ghcr.io/acme/app:2.0"
			if i%2 == 0 {
				ref = "nginx:1.27"
			}
			_, err := b.Resolve(context.Background(), reference.MustParse(ref))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, map[string]int{"ghcr.io": 1, "docker.io": 1}, opens)
}
