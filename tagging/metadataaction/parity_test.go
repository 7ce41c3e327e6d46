package metadataaction

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cases in testdata/meta_cases.json are the cases of
// docker/metadata-action's own test suite, kept as data: the fixture
// environment of the run, the inputs and the expected outputs. The suite
// fixes every clock reading at fixtureTime.
var fixtureTime = time.Date(2020, 1, 10, 0, 30, 0, 0, time.UTC)

type parityCase struct {
	Group  string `json:"group"`
	Name   string `json:"name"`
	Env    string `json:"env"`
	Inputs struct {
		Images      []string `json:"images"`
		Tags        []string `json:"tags"`
		Flavor      []string `json:"flavor"`
		Labels      []string `json:"labels"`
		Annotations []string `json:"annotations"`
		SepTags     string   `json:"sepTags"`
		BakeTarget  string   `json:"bakeTarget"`
	} `json:"inputs"`
	PRHeadSHA bool `json:"prHeadSHA"`
	Version   *struct {
		Main    *string  `json:"main"`
		Partial []string `json:"partial"`
		Latest  bool     `json:"latest"`
	} `json:"version"`
	Tags            []string `json:"tags"`
	Labels          []string `json:"labels"`
	Annotations     []string `json:"annotations"`
	JSON            any      `json:"json"`
	BakeTags        any      `json:"bakeTags"`
	BakeLabels      any      `json:"bakeLabels"`
	BakeAnnotations any      `json:"bakeAnnotations"`
	Bake            any      `json:"bake"`
	JoinedTags      *string  `json:"joinedTags"`
}

// readEnv reads a fixture .env file of KEY=VALUE lines.
func readEnv(t testing.TB, name string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "fixtures", name))
	require.NoError(t, err)
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			env[k] = v
		}
	}
	require.NoError(t, sc.Err())
	return env
}

// fixtureContext builds the context of a fixture run.
func fixtureContext(t testing.TB, envFile string, prHead bool) Context {
	t.Helper()
	env := readEnv(t, envFile)
	var payload Payload
	if p := env["GITHUB_EVENT_PATH"]; p != "" {
		data, err := os.ReadFile(filepath.Join("testdata", "fixtures", filepath.Base(p)))
		if err == nil {
			payload, err = ParsePayload(data)
			require.NoError(t, err)
		}
	}
	c := WorkflowContext(env["GITHUB_EVENT_NAME"], env["GITHUB_REF"], env["GITHUB_SHA"], 0, 0, payload, ContextOptions{PRHeadSHA: prHead})
	c.CommitDate = fixtureTime // the suite mocks every date reading
	return c
}

func fixtureRepo(t testing.TB) Repo {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "fixtures", "repo.json"))
	require.NoError(t, err)
	var r Repo
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

func loadParityCases(t testing.TB) []parityCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "meta_cases.json"))
	require.NoError(t, err)
	var file struct {
		Cases []parityCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(data, &file))
	require.NotEmpty(t, file.Cases)
	return file.Cases
}

func fixtureOptions() Options {
	return Options{Now: fixtureTime, LoadLocation: time.LoadLocation}
}

func TestParityWithMetadataActionSuite(t *testing.T) {
	repo := fixtureRepo(t)
	for _, tc := range loadParityCases(t) {
		t.Run(tc.Group+"/"+tc.Name, func(t *testing.T) {
			ctx := fixtureContext(t, tc.Env, tc.PRHeadSHA)
			in := Inputs{
				Images: tc.Inputs.Images, Tags: tc.Inputs.Tags, Flavor: tc.Inputs.Flavor,
				Labels: tc.Inputs.Labels, Annotations: tc.Inputs.Annotations,
				SepTags: tc.Inputs.SepTags, BakeTarget: tc.Inputs.BakeTarget,
			}
			res, err := Generate(in, ctx, repo, fixtureOptions())
			require.NoError(t, err)
			if tc.Version != nil {
				main := ""
				if tc.Version.Main != nil {
					main = *tc.Version.Main
				}
				assert.Equal(t, main, res.Version.Main, "version.main")
				assert.Equal(t, tc.Version.Partial, res.Version.Partial, "version.partial")
				assert.Equal(t, tc.Version.Latest, res.Version.Latest, "version.latest")
				assert.Equal(t, tc.Tags, res.Tags, "tags")
				assert.Equal(t, tc.Labels, res.Labels, "labels")
				assert.Equal(t, tc.Annotations, res.Annotations, "annotations")
			}
			if tc.JSON != nil {
				assertJSON(t, tc.JSON, res.JSON())
				assert.NotContains(t, string(res.JSON()), "\n", "the json output is one line")
			}
			if tc.BakeTags != nil {
				assertJSON(t, tc.BakeTags, res.BakeFileTags())
				assertJSON(t, tc.BakeLabels, res.BakeFileLabels())
				res.AnnotationLevels = []string{"index", "manifest-descriptor"}
				assertJSON(t, tc.BakeAnnotations, res.BakeFileAnnotations())
			}
			if tc.Bake != nil {
				assertJSON(t, tc.Bake, res.BakeFile())
			}
			if tc.JoinedTags != nil {
				assert.Equal(t, *tc.JoinedTags, strings.Join(res.Tags, res.SepTags))
			}
		})
	}
}

func assertJSON(t *testing.T, want any, got []byte) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(got, &v), "output is JSON: %s", got)
	assert.Equal(t, want, v)
}
