package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// action.yml must declare metadata-action's inputs and outputs, pass
// every input to the program under the name GitHub gives it, and map
// every output to the step's output of the same name.
func TestActionYAMLMatchesTheProgram(t *testing.T) {
	data, err := os.ReadFile("action.yml")
	require.NoError(t, err)
	var a struct {
		Inputs  map[string]any `yaml:"inputs"`
		Outputs map[string]struct {
			Value string `yaml:"value"`
		} `yaml:"outputs"`
		Runs struct {
			Using string `yaml:"using"`
			Steps []struct {
				ID  string            `yaml:"id"`
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &a))
	want := []string{"context", "images", "tags", "flavor", "labels", "annotations", "sep-tags", "sep-labels", "sep-annotations", "bake-target", "github-token"}
	for _, in := range want {
		assert.Contains(t, a.Inputs, in)
	}
	require.Len(t, a.Runs.Steps, 1)
	step := a.Runs.Steps[0]
	for in := range a.Inputs {
		assert.Equal(t, "${{ inputs."+in+" }}", step.Env[inputName(in)], "input %s reaches the program as %s", in, inputName(in))
	}
	outs := []string{"version", "tags", "tag-names", "labels", "annotations", "json", "bake-file-tags", "bake-file-labels", "bake-file-annotations", "bake-file"}
	var got []string
	for name, o := range a.Outputs {
		got = append(got, name)
		assert.Equal(t, "${{ steps."+step.ID+".outputs."+name+" }}", strings.TrimSpace(o.Value))
	}
	slices.Sort(got)
	slices.Sort(outs)
	assert.Equal(t, outs, got)
}
