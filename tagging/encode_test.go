package tagging

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encodeSet(t *testing.T) Set {
	t.Helper()
	set, err := Derive(Facts{
		Version:  "v2.4.1",
		Commit:   fullSHA,
		Time:     time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC),
		Metadata: Metadata{Title: "payment-api"},
	}, Scheme{Rules: []Rule{{Type: RuleSemver, Pattern: "v{{version}}"}, {Type: RuleSemver, Pattern: "v{{major}}.{{minor}}"}}})
	require.NoError(t, err)
	require.Equal(t, []string{"v2.4.1", "v2.4", "latest"}, set.Names())
	return set
}

func TestRefsAndLines(t *testing.T) {
	set := encodeSet(t)
	refs, err := set.Refs("acmecorp/payment-api", "ghcr.io/acme/payment-api")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"acmecorp/payment-api:v2.4.1", "acmecorp/payment-api:v2.4", "acmecorp/payment-api:latest",
		"ghcr.io/acme/payment-api:v2.4.1", "ghcr.io/acme/payment-api:v2.4", "ghcr.io/acme/payment-api:latest",
	}, refs)

	bare, err := set.Refs()
	require.NoError(t, err)
	assert.Equal(t, []string{"v2.4.1", "v2.4", "latest"}, bare)

	lines, err := set.Lines("registry:5000/team/app")
	require.NoError(t, err)
	assert.Equal(t, "registry:5000/team/app:v2.4.1\nregistry:5000/team/app:v2.4\nregistry:5000/team/app:latest\n", lines)

	empty, err := Set{}.Lines("app")
	require.NoError(t, err)
	assert.Equal(t, "", empty)
}

func TestImagesAreValidated(t *testing.T) {
	set := encodeSet(t)
	for _, im := range []string{"", "Acme/App", "app:1.0", "app@sha256:" + fullSHA + fullSHA[:24], "a b"} {
		_, err := set.Refs(im)
		assert.ErrorIs(t, err, ErrInvalidInput, im)
		_, err = set.Lines(im)
		assert.ErrorIs(t, err, ErrInvalidInput, im)
		_, err = set.DockerArgs(im)
		assert.ErrorIs(t, err, ErrInvalidInput, im)
		_, err = set.JSON(im)
		assert.ErrorIs(t, err, ErrInvalidInput, im)
		_, err = set.BakeFile("", im)
		assert.ErrorIs(t, err, ErrInvalidInput, im)
	}
	_, err := set.DockerArgs()
	assert.ErrorIs(t, err, ErrInvalidInput, "docker build needs an image")
}

func TestDockerArgs(t *testing.T) {
	args, err := encodeSet(t).DockerArgs("acmecorp/payment-api")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"-t", "acmecorp/payment-api:v2.4.1",
		"-t", "acmecorp/payment-api:v2.4",
		"-t", "acmecorp/payment-api:latest",
		"--label", "org.opencontainers.image.created=2024-01-15T00:00:00Z",
		"--label", "org.opencontainers.image.ref.name=v2.4.1",
		"--label", "org.opencontainers.image.revision=" + fullSHA,
		"--label", "org.opencontainers.image.title=payment-api",
		"--label", "org.opencontainers.image.version=2.4.1",
	}, args)
}

func TestJSON(t *testing.T) {
	b, err := encodeSet(t).JSON("acmecorp/payment-api")
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"tags": ["acmecorp/payment-api:v2.4.1", "acmecorp/payment-api:v2.4", "acmecorp/payment-api:latest"],
		"labels": {
			"org.opencontainers.image.created": "2024-01-15T00:00:00Z",
			"org.opencontainers.image.ref.name": "v2.4.1",
			"org.opencontainers.image.revision": "`+fullSHA+`",
			"org.opencontainers.image.title": "payment-api",
			"org.opencontainers.image.version": "2.4.1"
		},
		"annotations": [
			"manifest:org.opencontainers.image.created=2024-01-15T00:00:00Z",
			"manifest:org.opencontainers.image.ref.name=v2.4.1",
			"manifest:org.opencontainers.image.revision=`+fullSHA+`",
			"manifest:org.opencontainers.image.title=payment-api",
			"manifest:org.opencontainers.image.version=2.4.1"
		]
	}`, string(b))

	// An empty set still has the three keys, with empty values.
	b, err = Set{}.JSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"tags": [], "labels": {}, "annotations": []}`, string(b))
}

func TestBakeFile(t *testing.T) {
	set := encodeSet(t)
	b, err := set.BakeFile("", "acmecorp/payment-api", "ghcr.io/acme/payment-api")
	require.NoError(t, err)
	var file struct {
		Target map[string]struct {
			Tags        []string          `json:"tags"`
			Labels      map[string]string `json:"labels"`
			Annotations []string          `json:"annotations"`
			Args        map[string]string `json:"args"`
		} `json:"target"`
	}
	require.NoError(t, json.Unmarshal(b, &file))
	require.Contains(t, file.Target, "docker-metadata-action")
	tgt := file.Target["docker-metadata-action"]
	assert.Len(t, tgt.Tags, 6)
	assert.Equal(t, "ghcr.io/acme/payment-api:latest", tgt.Tags[5])
	assert.Equal(t, "payment-api", tgt.Labels["org.opencontainers.image.title"])
	assert.Contains(t, tgt.Annotations, "manifest:org.opencontainers.image.version=2.4.1")
	assert.Equal(t, map[string]string{
		"DOCKER_META_IMAGES":  "acmecorp/payment-api,ghcr.io/acme/payment-api",
		"DOCKER_META_VERSION": "v2.4.1",
	}, tgt.Args)

	b, err = set.BakeFile("app", "acmecorp/payment-api")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &file))
	assert.Contains(t, file.Target, "app")
}

func TestSetJSONRoundTrip(t *testing.T) {
	// A Set serialises for release notes: names, kinds and forms as words.
	b, err := json.Marshal(encodeSet(t).Tags[1])
	require.NoError(t, err)
	assert.JSONEq(t, `{"name": "v2.4", "kind": "release-line", "form": "major.minor", "rule": "semver v{{major}}.{{minor}}",
		"why": "2.4.1 is assumed the newest patch of 2.4 (no existing tags given)", "priority": 920}`, string(b))
}
