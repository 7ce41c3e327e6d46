package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	got := out.String()
	for _, want := range []string{
		"canonical docker.io/library/ubuntu:20.04",
		"registry=docker.io repository=library/ubuntu",
		"pulls=20.04",
		"registry=registry.corp:5000",
		"pinned=true",
		"repository name must be lowercase",
	} {
		assert.Contains(t, got, want)
	}
	for _, want := range []string{
		`(?m)^  2\.4\.1 +immutable semver`,
		`(?m)^  2\.4 +rolling +major\.minor`,
		`(?m)^  sha-a3f2c8d +immutable sha`,
		`(?m)^  2 +\(not emitted: .*2\.5\.0 is newer\)`,
		`(?m)^  latest +\(not emitted: .*2\.5\.0 is newer\)`,
		`"final2" is unknown`,
	} {
		assert.Regexp(t, want, got)
	}
}
