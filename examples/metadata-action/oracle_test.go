package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/reference"
)

// testdata/action_oracle.json records what docker/metadata-action itself
// wrote, run as a step with each scenario's environment and payload, the
// same repository API answers as oracleAPI and its clock fixed at
// oracleNow: every output, the variables it exported, the bake files.
// The program must write the same bytes.
var oracleNow = time.Date(2024, 3, 1, 12, 34, 56, 789_000_000, time.UTC)

var oracleAPI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	switch {
	case regexp.MustCompile(`^/repos/[^/]+/[^/]+$`).MatchString(r.URL.Path):
		_, _ = w.Write([]byte(`{"name":"app","description":"A \"quoted\" & <html> description","html_url":"https://github.com/acme/app","default_branch":"main","license":{"spdx_id":"MIT"}}`))
	case strings.Contains(r.URL.Path, "/commits/"):
		_, _ = w.Write([]byte(`{"commit":{"committer":{"date":"2024-11-13T13:42:28Z"}}}`))
	default:
		http.NotFound(w, r)
	}
})

// invalidTag returns the first tag name of a json output that is not a
// valid tag, or "".
func invalidTag(jsonOutput string) string {
	var out struct {
		TagNames []string `json:"tag-names"`
	}
	if json.Unmarshal([]byte(jsonOutput), &out) != nil {
		return ""
	}
	for _, n := range out.TagNames {
		if reference.ValidateTag(n) != nil {
			return n
		}
	}
	return ""
}

func TestOutputsAreMetadataActionsBytes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "action_oracle.json"))
	require.NoError(t, err)
	var cases []struct {
		Name     string            `json:"name"`
		Env      map[string]string `json:"env"`
		Payload  json.RawMessage   `json:"payload"`
		Status   int               `json:"status"`
		Error    string            `json:"error"`
		Outputs  map[string]string `json:"outputs"`
		Exported []string          `json:"exported"`
		Bake     map[string]string `json:"bake"`
	}
	require.NoError(t, json.Unmarshal(data, &cases))
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			env := map[string]string{
				"GITHUB_REPOSITORY": "acme/app", "GITHUB_SHA": "860c1904a1ce19322e91ac35af1ab07466440c37",
				"GITHUB_RUN_NUMBER": "15", "GITHUB_RUN_ID": "123456", "INPUT_CONTEXT": "workflow", "INPUT_GITHUB-TOKEN": "ghs_oracle",
			}
			for k, v := range tc.Env {
				env[k] = v
			}
			if string(tc.Payload) != "null" {
				env["GITHUB_EVENT_PATH"] = writePayload(t, string(tc.Payload))
			}
			r := runActionAt(t, env, oracleAPI, oracleNow)
			if bad := invalidTag(tc.Outputs["json"]); bad != "" {
				// metadata-action passes on a tag every registry refuses;
				// the program stops there, naming the rule.
				assert.Equal(t, 1, r.code)
				assert.Contains(t, r.stdout, "gives the tag \""+bad+"\", which is not a valid tag")
				assert.Nil(t, r.outputs)
				return
			}
			require.Equal(t, tc.Status, r.code, r.stdout)
			if tc.Status != 0 {
				assert.Contains(t, r.stdout, "::error::")
				assert.Empty(t, r.outputs, "metadata-action wrote nothing, nor may the program")
				return
			}
			for name, path := range r.outputs {
				if strings.HasPrefix(name, "bake-file") {
					got, err := os.ReadFile(path)
					require.NoError(t, err)
					if want, ok := tc.Bake[name]; ok {
						assert.Equal(t, want, string(got), name)
					}
					delete(r.outputs, name)
				}
			}
			assert.Equal(t, tc.Outputs, r.outputs)
			var exported []string
			for k := range r.envVars {
				exported = append(exported, k)
			}
			sort.Strings(exported)
			if len(tc.Exported) == 0 {
				tc.Exported = nil
			}
			assert.Equal(t, tc.Exported, exported)
		})
	}
}
