package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The package's copy of metadata-action's own test cases, run through the
// program's environment contract: the fixture's GITHUB_* variables, the
// inputs as INPUT_* lines, the repository from a fake API, the suite's
// fixed clock as SOURCE_DATE_EPOCH.
const casesDir = "../../tagging/metadataaction/testdata"

func TestParityThroughTheEnvironment(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(casesDir, "meta_cases.json"))
	require.NoError(t, err)
	var file struct {
		Cases []struct {
			Group  string         `json:"group"`
			Name   string         `json:"name"`
			Env    string         `json:"env"`
			Inputs map[string]any `json:"inputs"`
			PRHead bool           `json:"prHeadSHA"`
			Tags   []string       `json:"tags"`
			Labels []string       `json:"labels"`
			JSON   map[string]any `json:"json"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(data, &file))
	repoJSON, err := os.ReadFile(filepath.Join(casesDir, "fixtures", "repo.json"))
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Count(r.URL.Path, "/") == 3 && strings.HasPrefix(r.URL.Path, "/repos/") {
			_, _ = w.Write(repoJSON)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()

	ran := 0
	for _, tc := range file.Cases {
		if tc.Tags == nil && tc.JSON == nil {
			continue // bake and separator cases: covered by the package
		}
		raw, _ := json.Marshal(tc.Inputs)
		if strings.Contains(string(raw), "commit_date") {
			continue // the suite fixes the commit date too; a run takes it from the payload
		}
		t.Run(tc.Group+"/"+tc.Name, func(t *testing.T) {
			env := fixtureEnv(t, tc.Env)
			env["GITHUB_API_URL"] = srv.URL
			env["SOURCE_DATE_EPOCH"] = "1578616200" // 2020-01-10T00:30:00Z
			if env["GITHUB_REPOSITORY"] == "" {
				env["GITHUB_REPOSITORY"] = "docker/repo"
			}
			if tc.PRHead {
				env["DOCKER_METADATA_PR_HEAD_SHA"] = "true"
			}
			for k, v := range tc.Inputs {
				name := map[string]string{"sepTags": "sep-tags", "bakeTarget": "bake-target"}[k]
				if name == "" {
					name = k
				}
				switch v := v.(type) {
				case string:
					env[inputName(name)] = v
				case []any:
					var lines []string
					for _, l := range v {
						lines = append(lines, l.(string))
					}
					env[inputName(name)] = strings.Join(lines, "\n")
				}
			}
			r := runAction(t, env, nil)
			require.Equal(t, 0, r.code, r.stdout)
			want := tc.Tags
			if tc.JSON != nil {
				want = nil
				for _, x := range tc.JSON["tags"].([]any) {
					want = append(want, x.(string))
				}
			}
			assert.Equal(t, strings.Join(want, "\n"), r.outputs["tags"])
			if tc.Labels != nil {
				assert.Equal(t, strings.Join(tc.Labels, "\n"), r.outputs["labels"])
			}
		})
		ran++
	}
	assert.Greater(t, ran, 100, "most of the suite runs through the program")
}

// fixtureEnv reads a fixture .env file, pointing GITHUB_EVENT_PATH at the
// package's copy of the payload.
func fixtureEnv(t *testing.T, name string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(casesDir, "fixtures", name))
	require.NoError(t, err)
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		if k == "GITHUB_EVENT_PATH" && v != "" {
			v = filepath.Join(casesDir, "fixtures", filepath.Base(v))
		}
		if strings.HasPrefix(k, "GITHUB_") && k != "GITHUB_ENV" && k != "GITHUB_PATH" && k != "GITHUB_STEP_SUMMARY" && k != "GITHUB_API_URL" {
			env[k] = v
		}
	}
	require.NoError(t, sc.Err())
	return env
}
