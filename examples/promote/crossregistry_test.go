package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// registries is a set of fakes, one per host, for runs with --registry.
type registries struct {
	staging *memory.Registry
	cat     demo.Catalogue
	prod    *memory.Registry
}

func newRegistries(t *testing.T) *registries {
	staging, cat, err := demo.Seed()
	require.NoError(t, err)
	return &registries{staging: staging, cat: cat, prod: memory.New()}
}

func (r *registries) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	connect := func(demoMode bool, plain []string, stderr io.Writer) (*remote.Router, error) {
		return remote.NewRouter(remote.RouteBackend(demo.Host, r.staging), remote.RouteBackend("registry.prod.example", r.prod),
			remote.RouteOnly(demo.Host, "registry.prod.example"))
	}
	code := run(context.Background(), args, connect, &out, &errOut)
	return code, out.String(), errOut.String()
}

func (r *registries) prodDigest(t *testing.T, ref string) string {
	t.Helper()
	d, err := r.prod.Resolve(context.Background(), reference.MustParse(ref))
	require.NoError(t, err)
	return d.Digest.String()
}

func TestCopyToAnotherRegistry(t *testing.T) {
	r := newRegistries(t)
	args := []string{"--from", demo.Host + "/acmecorp/payment-api:v2.4.1", "--to", "registry.prod.example/acmecorp/payment-api:production"}
	code, out, errOut := r.run(t, args...)
	require.Equal(t, 0, code, errOut)
	var rec promote.CopyRecord
	require.NoError(t, json.Unmarshal([]byte(out), &rec), out)
	assert.Equal(t, "copy", rec.Operation)
	assert.Equal(t, []string{"production"}, rec.Moved())
	assert.Equal(t, r.cat.PaymentAPI241, r.prodDigest(t, "registry.prod.example/acmecorp/payment-api:production"))
	assert.Contains(t, errOut, "sent 1 manifest(s) and 2 blob(s)")

	// Again: nothing sent, nothing moved.
	code, out, errOut = r.run(t, args...)
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &rec), out)
	assert.Empty(t, rec.Moved())
	assert.Empty(t, rec.Content.Sent)

	// --expect is the precondition on the destination tag.
	code, _, errOut = r.run(t, "--from", demo.Host+"/acmecorp/payment-api:v2.4.0",
		"--to", "registry.prod.example/acmecorp/payment-api:production", "--expect", r.cat.PaymentAPI240)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "precondition failed")
	assert.Equal(t, r.cat.PaymentAPI241, r.prodDigest(t, "registry.prod.example/acmecorp/payment-api:production"))
}

// Demo mode copies between repositories of the demo host only, and
// refuses a destination on any other host before anything is written.
func TestCopyInDemoMode(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--demo", "--from", demo.Host + "/acmecorp/payment-api:v2.4.1", "--to", "registry.prod.example/acmecorp/payment-api:production"},
		demo.Connect, &out, &errOut)
	assert.Equal(t, demo.ExitUsage, code)
	assert.Empty(t, out.String())
	assert.Contains(t, errOut.String(), "demo mode works only on "+demo.Host)

	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"--demo", "--from", demo.Host + "/acmecorp/payment-api:v2.4.1", "--to", demo.Host + "/prod/payment-api:production"},
		demo.Connect, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, errOut.String(), "demo mode: working on an in-memory registry")
	var rec promote.CopyRecord
	require.NoError(t, json.Unmarshal(out.Bytes(), &rec), out.String())
	assert.Equal(t, []string{"production"}, rec.Moved())
}

func TestCrossRegistryUsageErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "m.yaml")
	require.NoError(t, os.WriteFile(good, []byte("source: registry.example.com/acmecorp\ndestinations: [registry.prod.example/acmecorp]\nimages:\n  - name: payment-api\n    digests: {\"sha256:ffa07e374ae3d82e1fec60c9a0a504d791fa136e4bcc722da6c167d60e3cb720\": [v2.4.1]}\n"), 0o644))
	other := filepath.Join(dir, "other.yaml")
	require.NoError(t, os.WriteFile(other, []byte("source: other.example/acmecorp\ndestinations: [registry.prod.example/acmecorp]\nimages:\n  - name: payment-api\n    digests: {\"sha256:ffa07e374ae3d82e1fec60c9a0a504d791fa136e4bcc722da6c167d60e3cb720\": [v2.4.1]}\n"), 0o644))
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("source: team\ndestinations: [registry.prod.example/acmecorp]\nimages: []\n"), 0o644))
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no tag", []string{"--from", "acmecorp/payment-api:v2.4.1", "--to", "registry.prod.example/acmecorp/payment-api"}, "names a repository but no tag"},
		{"digest", []string{"--from", "acmecorp/payment-api:v2.4.1", "--to", "registry.prod.example/acmecorp/payment-api@sha256:ffa07e374ae3d82e1fec60c9a0a504d791fa136e4bcc722da6c167d60e3cb720"}, "not a digest"},
		{"implied host", []string{"--from", "acmecorp/payment-api:v2.4.1", "--to", "team/app:production"}, "the destination host is never implied"},
		{"rollback", []string{"--rollback", "--from", "acmecorp/payment-api:v2.4.1", "--to", "registry.prod.example/a/b:production"}, "--rollback works inside one repository"},
		{"update", []string{"--update", "x.yaml", "--manifest", good, "--plan"}, "--update works inside one repository"},
		{"cosign with a tag", []string{"--cosign-tags", "--from", "acmecorp/payment-api:v2.4.1", "--to", "production"}, "--cosign-tags goes with a full --to"},
		{"plan without manifest", []string{"--plan"}, "go with --manifest FILE"},
		{"plan and apply", []string{"--manifest", good, "--plan", "--apply"}, "exactly one of --plan and --apply"},
		{"neither", []string{"--manifest", good}, "exactly one of --plan and --apply"},
		{"json with apply", []string{"--manifest", good, "--apply", "--json"}, "--json goes with --plan"},
		{"manifest and from", []string{"--manifest", good, "--plan", "--from", "a/b:c"}, "--manifest replaces --from"},
		{"manifest and expect", []string{"--manifest", good, "--plan", "--expect", "sha256:ffa07e374ae3d82e1fec60c9a0a504d791fa136e4bcc722da6c167d60e3cb720"}, "takes no --expect"},
		{"missing file", []string{"--manifest", filepath.Join(dir, "none.yaml"), "--plan"}, "no such file"},
		{"invalid manifest", []string{"--manifest", bad, "--plan"}, "the host is never implied"},
		{"host not served", []string{"--manifest", other, "--plan"}, "other.example/acmecorp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRegistries(t)
			code, out, errOut := r.run(t, tt.args...)
			assert.Equal(t, 2, code, errOut)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tt.msg)
			assert.Empty(t, r.prod.Events(), "nothing written")
		})
	}
}

func TestManifestPlanAndApply(t *testing.T) {
	r := newRegistries(t)
	file := filepath.Join("promotion.yaml") // the example shipped next to the program
	plan := []string{"--manifest", file, "--plan"}

	code, out, errOut := r.run(t, plan...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "-> registry.prod.example/acmecorp/payment-api\n")
	assert.Contains(t, out, "  + production: create\n")
	assert.Empty(t, r.prod.Events(), "--plan changes nothing")

	code, out, errOut = r.run(t, "--manifest", file, "--plan", "--json")
	require.Equal(t, 0, code, errOut)
	var p promote.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &p), out)
	require.Len(t, p.Images, 1)
	assert.True(t, p.Images[0].Copy)

	code, out, errOut = r.run(t, "--manifest", file, "--apply")
	require.Equal(t, 0, code, errOut)
	var recs []promote.CopyRecord
	require.NoError(t, json.Unmarshal([]byte(out), &recs), out)
	require.Len(t, recs, 1)
	assert.Equal(t, []string{"v2.4.1", "v2.4", "production"}, recs[0].Moved())
	assert.Equal(t, r.cat.PaymentAPI241, r.prodDigest(t, "registry.prod.example/acmecorp/payment-api:v2.4"))

	// Planned again: all in place.
	code, out, errOut = r.run(t, plan...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "  = image in place")
	assert.NotContains(t, out, "create")
}

func TestManifestPlanRefusesMove(t *testing.T) {
	r := newRegistries(t)
	// v2.4 already names another image in production.
	other, err := r.prod.Seed(memory.Image{Repository: "acmecorp/payment-api", Tags: []string{"v2.4"}, Content: "other"})
	require.NoError(t, err)
	code, out, errOut := r.run(t, "--manifest", "promotion.yaml", "--plan")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "  ! v2.4: refused: points at "+other[0].String())
	assert.Contains(t, errOut, "the plan refuses 1 tag(s)")

	r.prod.ResetEvents()
	code, out, errOut = r.run(t, "--manifest", "promotion.yaml", "--apply")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "so nothing was done")
	assert.Empty(t, r.prod.Events())
}

func FuzzParsePromotionYAML(f *testing.F) {
	data, err := os.ReadFile("promotion.yaml")
	require.NoError(f, err)
	f.Add(data)
	f.Add([]byte(`{"source":"a.test/x","destinations":["b.test/x"],"images":[{"name":"","digests":{}}]}`))
	f.Add([]byte("source: &a a.test/x\ndestinations: [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parsePromotionYAML(data)
		if err != nil {
			return
		}
		require.NoError(t, m.Validate())
	})
}
