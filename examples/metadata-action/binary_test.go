package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The built program, as the action's step runs it: the real environment,
// the real clock unless SOURCE_DATE_EPOCH, exit status 1 on error.
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "metadata-action")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	output := filepath.Join(dir, "output")
	run := func(extra ...string) (int, string) {
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "GITHUB_OUTPUT=" + output, "RUNNER_TEMP=" + filepath.Join(dir, "rt"),
			"GITHUB_EVENT_NAME=push", "GITHUB_REF=refs/tags/v3.4.5", "SOURCE_DATE_EPOCH=1700000000",
			"INPUT_IMAGES=ghcr.io/acme/app", "INPUT_TAGS=type=semver,pattern={{major}}.{{minor}}\ntype=raw,value=d-{{date 'YYYYMMDD-HHmm' tz='Asia/Tokyo'}}"}, extra...)
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		require.NoError(t, err)
		return 0, string(out)
	}
	code, stdout := run()
	require.Equal(t, 0, code, stdout)
	outputs := parseFileCommands(t, output)
	assert.Equal(t, "3.4\nd-20231115-0713\nlatest", outputs["tag-names"], "time zones come with the program")

	require.NoError(t, os.Remove(output))
	code, stdout = run("INPUT_FLAVOR=latest=sometimes")
	assert.Equal(t, 1, code)
	assert.True(t, strings.HasPrefix(strings.TrimSpace(stdout[strings.Index(stdout, "::error::"):]), "::error::"), stdout)
	assert.Contains(t, stdout, "latest=sometimes")
	_, err = os.Stat(output)
	assert.True(t, os.IsNotExist(err), "no outputs on failure")
}
