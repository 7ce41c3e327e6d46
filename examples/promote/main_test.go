package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// bot runs the command against one shared fake, so that a test can chain
// runs the way a pipeline would.
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
	open := func(host string) (promote.Registry, error) {
		assert.Empty(t, host)
		return b.reg, nil
	}
	code := run(context.Background(), args, open, &out, &errOut)
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
	const prod = "acmecorp/payment-api:production"
	require.Equal(t, b.cat.PaymentAPI240, b.digestOf(t, prod))

	code, out, stderr := b.run(t, "--from", "acmecorp/payment-api:v2.4.1", "--to", "production", "--expect", b.cat.PaymentAPI240)
	require.Equal(t, 0, code, stderr)
	rec := decode(t, out)
	assert.Equal(t, "promote", rec.Operation)
	assert.Equal(t, b.cat.PaymentAPI241, rec.Digest.String())
	require.Len(t, rec.Tags, 1)
	assert.True(t, rec.Tags[0].Moved)
	assert.Equal(t, b.cat.PaymentAPI240, rec.Tags[0].Previous.String())
	assert.Equal(t, b.cat.PaymentAPI241, b.digestOf(t, prod))

	// Promoting again changes nothing and says so.
	code, out, _ = b.run(t, "--from", "acmecorp/payment-api:v2.4.1", "--to", "production")
	require.Equal(t, 0, code)
	assert.False(t, decode(t, out).Tags[0].Moved)

	// A second promoter who saw the old digest is refused.
	code, out, stderr = b.run(t, "--from", "acmecorp/payment-api:v2.4.0", "--to", "production", "--expect", b.cat.PaymentAPI240)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "precondition failed")
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
	code, _, stderr = b.run(t, "--rollback", "--from", "acmecorp/payment-api@"+b.cat.PaymentAPI241, "--to", "production")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, b.cat.PaymentAPI241, b.digestOf(t, prod))
}

func TestPromoteRefusesImmutableTags(t *testing.T) {
	b := newBot(t)
	code, out, stderr := b.run(t, "--from", "acmecorp/payment-api:v2.4.0", "--to", "v2.4.1")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, `refusing to move "v2.4.1"`)
	assert.Contains(t, stderr, "channel tag")
	assert.Equal(t, b.cat.PaymentAPI241, b.digestOf(t, "acmecorp/payment-api:v2.4.1"))
	assert.Empty(t, b.reg.Events(), "nothing was written")
}

func TestPromoteUpdatesManifest(t *testing.T) {
	b := newBot(t)
	file := filepath.Join(t.TempDir(), "deploy.yaml")
	const doc = `apiVersion: apps/v1
kind: Deployment
metadata: {name: payment-api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: acmecorp/payment-api:staging   # promoted by the bot
        - name: proxy
          image: nginx:1.27
`
	require.NoError(t, os.WriteFile(file, []byte(doc), 0o644))
	code, _, stderr := b.run(t, "--from", "acmecorp/payment-api:v2.4.1", "--to", "production", "--update", file)
	require.Equal(t, 0, code, stderr)
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	want := strings.Replace(doc, "acmecorp/payment-api:staging ", "acmecorp/payment-api:production@"+b.cat.PaymentAPI241+" ", 1)
	assert.Equal(t, want, string(got))
	assert.Contains(t, stderr, "pinned 1 image reference(s)")

	// Running the same promotion again (a retried CI job) succeeds and
	// leaves the file alone.
	code, _, stderr = b.run(t, "--from", "acmecorp/payment-api:v2.4.1", "--to", "production", "--update", file)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "already pins")
	again, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, want, string(again))

	require.NoError(t, os.WriteFile(file, []byte("services:\n  db:\n    image: postgres:16\n"), 0o644))
	code, _, stderr = b.run(t, "--from", "acmecorp/payment-api:v2.4.1", "--to", "production", "--update", file)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "has no image of docker.io/acmecorp/payment-api")
}

func TestPromoteUsageErrors(t *testing.T) {
	b := newBot(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "usage: promote"},
		{[]string{}, 2, "--from and --to are required"},
		{[]string{"--from", "Bad/Ref", "--to", "x"}, 2, "--from"},
		{[]string{"--from", "a:1", "--to", "bad/tag"}, 2, "--to"},
		{[]string{"--from", "a:1", "--to", "x", "--expect", "nope"}, 2, "--expect"},
		{[]string{"--rollback", "--record", "/does/not/exist"}, 2, "no such file"},
		{[]string{"--rollback", "--record", "x.json", "--from", "a:1"}, 2, "replaces --from"},
		{[]string{"--rollback", "--record", "x.json", "--expect", "sha256:" + strings.Repeat("0", 64)}, 2, "neither --expect nor --update"},
		{[]string{"--rollback", "--record", "x.json", "--update", "d.yaml"}, 2, "neither --expect nor --update"},
		{[]string{"--from", "acmecorp/missing:1", "--to", "staging"}, 1, "not found"},
		{[]string{"stray"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := b.run(t, tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}
