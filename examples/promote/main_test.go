package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

const (
	app  = demo.Host + "/acmecorp/payment-api"
	prod = app + ":production"
)

// bot runs the command in demo mode against one shared fake, so that a
// test can chain runs the way a pipeline would.
type bot struct {
	reg *memory.Registry
	cat demo.Catalogue
}

func newBot(t *testing.T) *bot {
	reg, cat, err := demo.Seed()
	require.NoError(t, err)
	return &bot{reg: reg, cat: cat}
}

func (b *bot) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	connect := func(demoMode bool, plain []string, stderr io.Writer) (*remote.Router, error) {
		require.True(t, demoMode, "these tests run in demo mode")
		return demo.Router(b.reg)
	}
	code := run(context.Background(), append([]string{"--demo"}, args...), connect, &out, &errOut)
	return code, out.String(), errOut.String()
}

func (b *bot) digestOf(t *testing.T, ref string) string {
	t.Helper()
	d, err := b.reg.Resolve(context.Background(), reference.MustParse(ref))
	require.NoError(t, err)
	return d.Digest.String()
}

func decode(t *testing.T, out string) promote.Record {
	t.Helper()
	var rec promote.Record
	require.NoError(t, json.Unmarshal([]byte(out), &rec), out)
	return rec
}

func TestPromoteAndRollBack(t *testing.T) {
	b := newBot(t)
	require.Equal(t, b.cat.PaymentAPI240, b.digestOf(t, prod))

	code, out, stderr := b.run(t, "--from", app+":v2.4.1", "--to", "production", "--expect", b.cat.PaymentAPI240)
	require.Equal(t, 0, code, stderr)
	rec := decode(t, out)
	assert.Equal(t, "promote", rec.Operation)
	assert.Equal(t, app, rec.Repository)
	assert.Equal(t, b.cat.PaymentAPI241, rec.Digest.String())
	require.Len(t, rec.Tags, 1)
	assert.True(t, rec.Tags[0].Moved)
	assert.Equal(t, b.cat.PaymentAPI240, rec.Tags[0].Previous.String())
	assert.Equal(t, b.cat.PaymentAPI241, b.digestOf(t, prod))

	// Promoting again changes nothing and says so.
	code, out, _ = b.run(t, "--from", app+":v2.4.1", "--to", "production")
	require.Equal(t, 0, code)
	assert.False(t, decode(t, out).Tags[0].Moved)

	// A second promoter who saw the old digest is refused.
	code, out, stderr = b.run(t, "--from", app+":v2.4.0", "--to", "production", "--expect", b.cat.PaymentAPI240)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "precondition failed")
	assert.NotContains(t, stderr, "promote: promote:")
	assert.NotEmpty(t, decode(t, out).Tags[0].Error)
	assert.Equal(t, b.cat.PaymentAPI241, b.digestOf(t, prod))

	// Undo the first promotion from its saved record.
	file := filepath.Join(t.TempDir(), "record.json")
	recJSON, err := json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, recJSON, 0o600))
	code, out, stderr = b.run(t, "--rollback", "--record", file)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "rollback", decode(t, out).Operation)
	assert.Equal(t, b.cat.PaymentAPI240, b.digestOf(t, prod))

	// And roll forward again by naming the older image explicitly.
	code, _, stderr = b.run(t, "--rollback", "--from", app+"@"+b.cat.PaymentAPI241, "--to", "production")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, b.cat.PaymentAPI241, b.digestOf(t, prod))
}

func TestPromoteRefusesImmutableTags(t *testing.T) {
	b := newBot(t)
	code, out, stderr := b.run(t, "--from", app+":v2.4.0", "--to", "v2.4.1")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, `refusing to move it`)
	assert.Contains(t, stderr, "channel tag")
	assert.Equal(t, b.cat.PaymentAPI241, b.digestOf(t, app+":v2.4.1"))
	assert.Empty(t, b.reg.Events(), "nothing was written")
}

// The registry is the one the reference names: without --demo, a
// reference on a local registry goes there, and the record is the truth of
// what that registry now holds.
func TestPromoteGoesToTheReferencesHost(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	fake := memory.New()
	ds, err := fake.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.4.0", "staging"}, Content: "1.4.0"})
	require.NoError(t, err)
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--from", host + "/team/app:1.4.0", "--to", "production"}, demo.Connect, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.NotContains(t, errOut.String(), "demo")
	rec := decode(t, out.String())
	assert.Equal(t, host+"/team/app", rec.Repository)
	assert.True(t, rec.Tags[0].Moved)
	got, err := fake.Resolve(context.Background(), reference.MustParse(host+"/team/app:production"))
	require.NoError(t, err)
	assert.Equal(t, ds[0], got.Digest)
}

// Demo mode says so, and refuses every reference that is not on the demo
// host, before anything is written.
func TestPromoteDemoModeRefusesOtherHosts(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"ghcr", []string{"--from", "ghcr.io/acmecorp/payment-api:v2.4.1", "--to", "production"}},
		{"docker hub", []string{"--from", "acmecorp/payment-api:v2.4.1", "--to", "production"}},
		{"record on another host", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				file := filepath.Join(t.TempDir(), "rec.json")
				require.NoError(t, os.WriteFile(file, []byte(`{"operation":"promote","repository":"ghcr.io/acme/app","digest":"sha256:`+strings.Repeat("a", 64)+`","tags":[]}`), 0o600))
				args = []string{"--rollback", "--record", file}
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"--demo"}, args...), demo.Connect, &out, &errOut)
			assert.Equal(t, 2, code)
			assert.Empty(t, out.String())
			assert.Contains(t, errOut.String(), "demo mode: working on an in-memory registry")
			assert.Contains(t, errOut.String(), "demo mode works only on "+demo.Host)
			assert.Contains(t, errOut.String(), "run without --demo")
		})
	}
}

const deployDoc = `apiVersion: apps/v1
kind: Deployment
metadata: {name: payment-api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/acmecorp/payment-api:production   # promoted by the bot
        - name: sidecar
          image: registry.example.com/acmecorp/payment-api:v2.4.0
        - name: proxy
          image: nginx:1.27
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: smoke}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: smoke
              image: "registry.example.com/acmecorp/payment-api:staging"
`

func TestPromoteUpdatesOnlyTheChannelsImages(t *testing.T) {
	tests := []struct {
		name    string
		extra   []string
		replace []string // old values that must be pinned, in the file's spelling
	}{
		{"the channel's image only", nil, []string{app + ":production"}},
		{"and the image the user points at", []string{"--update-path", "CronJob/smoke: spec.jobTemplate.spec.template.spec.containers[0].image"},
			[]string{app + ":production", app + ":staging"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBot(t)
			file := filepath.Join(t.TempDir(), "deploy.yaml")
			require.NoError(t, os.WriteFile(file, []byte(deployDoc), 0o640))
			args := append([]string{"--from", app + ":v2.4.1", "--to", "production", "--update", file}, tt.extra...)
			code, _, stderr := b.run(t, args...)
			require.Equal(t, 0, code, stderr)
			got, err := os.ReadFile(file)
			require.NoError(t, err)
			want := deployDoc
			for _, old := range tt.replace {
				want = strings.Replace(want, old, app+":production@"+b.cat.PaymentAPI241, 1)
			}
			assert.Equal(t, want, string(got))
			assert.Contains(t, stderr, "pinned "+string(rune('0'+len(tt.replace)))+" image reference(s)")
			info, err := os.Stat(file)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o640), info.Mode().Perm(), "the file keeps its mode")
			entries, err := os.ReadDir(filepath.Dir(file))
			require.NoError(t, err)
			assert.Len(t, entries, 1, "no temporary file is left behind")

			// Running the same promotion again (a retried CI job) succeeds
			// and leaves the file alone.
			code, _, stderr = b.run(t, args...)
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stderr, "already pins")
			again, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.Equal(t, want, string(again))
		})
	}
}

// Everything --update needs is checked before the first write: a missing
// file, a file without the channel's image, a wrong --update-path all
// leave the registry untouched.
func TestPromoteUpdateChecksBeforeMoving(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	noImage := write("db.yaml", "services:\n  db:\n    image: postgres:16\n")
	onlyStaging := write("staging.yaml", "services:\n  api:\n    image: registry.example.com/acmecorp/payment-api:staging\n")
	broken := write("broken.yaml", "services: [\n")
	deploy := write("deploy.yaml", deployDoc)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"--update", filepath.Join(dir, "nope.yaml")}, "no such file"},
		{"no image of the repository", []string{"--update", noImage}, "images of " + app + ": none"},
		{"only another channel", []string{"--update", onlyStaging}, `names the tag "production"`},
		{"not YAML", []string{"--update", broken}, "broken.yaml"},
		{"unknown path", []string{"--update", deploy, "--update-path", "Deployment/payment-api: spec.nope"}, "no image at that path"},
		{"path of another image", []string{"--update", deploy, "--update-path", "Deployment/payment-api: spec.template.spec.containers[2].image"}, "not an image of"},
		{"path without file", []string{"--update-path", "x"}, "--update-path needs --update"},
		{"a folder", []string{"--update", dir}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBot(t)
			code, out, stderr := b.run(t, append([]string{"--from", app + ":v2.4.1", "--to", "production"}, tt.args...)...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, stderr, tt.want)
			assert.Empty(t, b.reg.Events(), "nothing was written")
			assert.Equal(t, b.cat.PaymentAPI240, b.digestOf(t, prod))
		})
	}
	got, err := os.ReadFile(deploy)
	require.NoError(t, err)
	assert.Equal(t, deployDoc, string(got))
}

func TestPromoteUsageErrors(t *testing.T) {
	b := newBot(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "--from and --to are required"},
		{[]string{"--from", "Bad/Ref", "--to", "x"}, 2, `--from "Bad/Ref"`},
		{[]string{"--from", app + ":1", "--to", "bad/tag"}, 2, "--to"},
		{[]string{"--from", app + ":1", "--to", "x", "--expect", "nope"}, 2, `--expect "nope": want a digest`},
		{[]string{"--rollback", "--record", "/does/not/exist"}, 2, "no such file"},
		{[]string{"--rollback", "--record", recordFile(t, `"a string"`)}, 2, "want the JSON record an earlier promote printed, not a JSON string"},
		{[]string{"--rollback", "--record", recordFile(t, `{"tags": 3}`)}, 2, "tags: want a list, not a JSON number"},
		{[]string{"--rollback", "--record", recordFile(t, `{}`)}, 2, "with operation, repository, digest and tags"},
		{[]string{"--rollback", "--record", "x.json", "--from", "a:1"}, 2, "replaces --from"},
		{[]string{"--rollback", "--record", "x.json", "--expect", "sha256:" + strings.Repeat("0", 64)}, 2, "neither --expect nor --update"},
		{[]string{"--rollback", "--record", "x.json", "--update", "d.yaml"}, 2, "neither --expect nor --update"},
		{[]string{"--from", app + "/missing:1", "--to", "staging"}, 1, "not found"},
		{[]string{"stray"}, 2, "unexpected argument"},
		{[]string{"--form", "x"}, 2, "promote: unknown flag --form (see promote --help)"},
		{[]string{"--from"}, 2, "flag --from needs a value"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, stderr := b.run(t, tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, stderr, tt.want)
			assert.Empty(t, out, "no record of a move that was never tried")
			assert.NotContains(t, stderr, "promote: promote:")
			assert.NotContains(t, stderr, "Go value")
			assert.NotContains(t, stderr, "promote.Record")
			assert.NotContains(t, stderr, "Usage of")
			assert.NotContains(t, stderr, "  -expect", "a mistake prints one line, not the usage")
		})
	}
}

func TestPromoteHelpAndVersion(t *testing.T) {
	tests := []struct {
		arg  string
		want []string
	}{
		{"--help", []string{"usage: promote", "Exit status:", "  1  the registry refused", "  2  bad input", "-demo"}},
		{"-h", []string{"usage: promote"}},
		{"--version", []string{"promote "}},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{tt.arg}, demo.Connect, &out, &errOut)
			assert.Equal(t, 0, code)
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
			assert.Empty(t, errOut.String())
		})
	}
}

func recordFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "record.json")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

// Other files add modes through extensions: their flags parse, their mode
// is tried first, and the built-in ones still run when it declines.
func TestPromoteExtensions(t *testing.T) {
	saved := extensions
	t.Cleanup(func() { extensions = saved })
	var seen []string
	extensions = append(extensions, func(fs *flag.FlagSet) mode {
		shout := fs.Bool("shout", false, "an extension's flag")
		return mode{name: "shout", try: func(e env, o *options) (int, bool) {
			given := map[string]bool{}
			e.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
			seen = append(seen, fmt.Sprint(*shout, given["from"]))
			if !*shout {
				return 0, false
			}
			fmt.Fprintln(e.stdout, "shouted", o.from)
			return 0, true
		}}
	})
	b := newBot(t)
	code, out, stderr := b.run(t, "--shout", "--from", "x")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "shouted x\n", out)

	code, out, stderr = b.run(t, "--from", app+":v2.4.1", "--to", "production")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "promote", decode(t, out).Operation)
	assert.Equal(t, []string{"true true", "false true"}, seen)
}

// The file is written only if it still holds what was checked: an edit
// made meanwhile is never overwritten.
func TestPromoteUpdateKeepsAConcurrentEdit(t *testing.T) {
	file := filepath.Join(t.TempDir(), "deploy.yaml")
	require.NoError(t, os.WriteFile(file, []byte(deployDoc), 0o644))
	p, err := planUpdate(file, reference.MustParse(app+":v2.4.1"), "production", nil)
	require.NoError(t, err)
	require.NoError(t, p.prepare(digest.FromString("new")))
	edited := deployDoc + "# edited meanwhile\n"
	require.NoError(t, os.WriteFile(file, []byte(edited), 0o644))
	_, err = p.write()
	require.Error(t, err)
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, edited, string(got))
}
