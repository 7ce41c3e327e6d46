package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
)

func TestTour(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()

	for _, want := range []string{
		`-> docker\.io/library/ubuntu:20\.04 \(repository library/ubuntu, pulls 20\.04\)`,
		`rejected: .*must be lowercase`,
		`on an in-memory registry: nothing leaves this process`,
		`the in-memory registry lists: \[2 2\.4 2\.4\.0 2\.5 2\.5\.0 latest production\]`,
		`(?m)^  2\.4\.1 +immutable +semver`,
		`(?m)^  2\.4 +release-line +major\.minor`,
		`(?m)^  sha-a3f2c8d +immutable +sha`,
		`(?m)^  staging +channel`,
		`(?m)^  2 +\(not emitted: .*2\.5\.0 is newer\)`,
		`(?m)^  latest +\(not emitted: .*2\.5\.0 is newer\)`,
		`moved: \[2\.4\.1 2\.4 sha-a3f2c8d staging\]`,
		`roll back: \[production\], production is sha256:[0-9a-f]{12} again \(2\.4\.0\)`,
		`(?m)^  registry\.example\.com/acmecorp/payment-api:production@sha256:[0-9a-f]{64}$`,
		`(?m)^  ubuntu:latest +rebuild +ubuntu:latest was republished`,
		`(?m)^  ubuntu:20\.04 +rebuild `,
		`(?m)^  mycorp/myproj:v1 +none +mycorp/myproj:v1 is up to date; v2 exists, outside`,
		`(?m)^  mycorp/myproj:v1\.3\.1 +alert +.*should never move`,
	} {
		assert.Regexp(t, want, got)
	}

	// The promotion record is valid JSON naming the move.
	start := strings.Index(got, "== 4.")
	end := strings.Index(got, "== 5.")
	require.True(t, start >= 0 && end > start)
	body := got[start:end]
	body = body[strings.Index(body, "{"):]
	var rec promote.Record
	require.NoError(t, json.Unmarshal([]byte(body), &rec))
	assert.Equal(t, "promote", rec.Operation)
	require.Len(t, rec.Tags, 1)
	assert.Equal(t, "production", rec.Tags[0].Tag)
	assert.True(t, rec.Tags[0].Moved)
	assert.NotEqual(t, rec.Tags[0].Previous, rec.Tags[0].Digest)

	// One screen: the tour stays short.
	assert.Less(t, strings.Count(got, "\n"), 60)
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"--help"}, 0, "Exit status:", ""},
		{[]string{"--version"}, 0, "quickstart ", ""},
		{[]string{"extra"}, 2, "", `quickstart: unexpected argument "extra"`},
		{[]string{"--fast"}, 2, "", "quickstart: unknown flag --fast (see quickstart --help)\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			assert.Equal(t, tt.code, cli(tt.args, &out, &errOut))
			if tt.out != "" {
				assert.Contains(t, out.String(), tt.out)
			}
			if tt.err != "" {
				assert.Contains(t, errOut.String(), tt.err)
				assert.Equal(t, 1, strings.Count(errOut.String(), "\n"))
			} else {
				assert.Empty(t, errOut.String())
			}
		})
	}
}
