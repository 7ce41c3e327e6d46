package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const k8s = `# web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: "ghcr.io/acme/migrate:1.4"   # quoted
      containers:
        - name: web
          image: nginx:1.27 # the proxy
        - {name: side, image: 'busybox'}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: acme/report:latest
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-an-image
data:
  image: "ignored: not in a container"
`

const compose = `services:
  api:
    image: acmecorp/payment-api:v2.4.1
    ports: ["8080:8080"]
  db:
    image: postgres:16   # pinned later
  built:
    build: .
`

func TestFindKubernetes(t *testing.T) {
	imgs, err := Find([]byte(k8s))
	require.NoError(t, err)
	var got []string
	for _, i := range imgs {
		got = append(got, i.Path+" = "+i.Value)
	}
	assert.Equal(t, []string{
		"Deployment/web: spec.template.spec.initContainers[0].image = ghcr.io/acme/migrate:1.4",
		"Deployment/web: spec.template.spec.containers[0].image = nginx:1.27",
		"Deployment/web: spec.template.spec.containers[1].image = busybox",
		"CronJob/report: spec.jobTemplate.spec.template.spec.containers[0].image = acme/report:latest",
	}, got)
	assert.Equal(t, 11, imgs[0].Line)
	assert.Equal(t, 14, imgs[1].Line)
}

func TestFindCompose(t *testing.T) {
	imgs, err := Find([]byte(compose))
	require.NoError(t, err)
	require.Len(t, imgs, 2)
	assert.Equal(t, "services.api.image", imgs[0].Path)
	assert.Equal(t, "acmecorp/payment-api:v2.4.1", imgs[0].Value)
	assert.Equal(t, "services.db.image", imgs[1].Path)
	assert.Equal(t, "postgres:16", imgs[1].Value)
}

func TestRewriteKeepsEverythingElse(t *testing.T) {
	imgs, err := Find([]byte(k8s))
	require.NoError(t, err)
	out, n, err := Rewrite([]byte(k8s), imgs, func(i Image) (string, bool) {
		return i.Value + "@sha256:0000", i.Value != "busybox"
	})
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	want := strings.NewReplacer(
		`"ghcr.io/acme/migrate:1.4"`, `"ghcr.io/acme/migrate:1.4@sha256:0000"`,
		`image: nginx:1.27 #`, `image: nginx:1.27@sha256:0000 #`,
		`image: acme/report:latest`, `image: acme/report:latest@sha256:0000`,
	).Replace(k8s)
	assert.Equal(t, want, string(out))

	again, err := Find(out)
	require.NoError(t, err)
	require.Len(t, again, 4)
	assert.Equal(t, "busybox", again[2].Value)
	assert.Equal(t, "ghcr.io/acme/migrate:1.4@sha256:0000", again[0].Value)
}

func TestRewriteSingleQuotedAndCompose(t *testing.T) {
	imgs, err := Find([]byte(k8s))
	require.NoError(t, err)
	out, n, err := Rewrite([]byte(k8s), imgs, func(i Image) (string, bool) { return "busy'box", i.Value == "busybox" })
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Contains(t, string(out), `image: 'busy''box'}`)

	cimgs, err := Find([]byte(compose))
	require.NoError(t, err)
	cout, _, err := Rewrite([]byte(compose), cimgs, func(i Image) (string, bool) { return "postgres:16.4", i.Value == "postgres:16" })
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(compose, "postgres:16 ", "postgres:16.4 ", 1), string(cout))
}

func TestFindErrors(t *testing.T) {
	_, err := Find([]byte("a: [unclosed"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "document 1")

	imgs, err := Find([]byte("  \n"))
	require.NoError(t, err)
	assert.Empty(t, imgs)
}

func TestRewriteRefusesBlockScalars(t *testing.T) {
	doc := "services:\n  a:\n    image: >-\n      nginx:1\n"
	imgs, err := Find([]byte(doc))
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	_, _, err = Rewrite([]byte(doc), imgs, func(Image) (string, bool) { return "nginx:2", true })
	assert.ErrorContains(t, err, "block scalar")
}

func TestAnchorsAndAliases(t *testing.T) {
	doc := "services:\n  a:\n    image: &img nginx:1 # shared\n  b:\n    image: *img\n"
	imgs, err := Find([]byte(doc))
	require.NoError(t, err)
	require.Len(t, imgs, 2)
	assert.Equal(t, "nginx:1", imgs[0].Value)
	assert.Equal(t, "nginx:1", imgs[1].Value, "an alias reports its anchor's value")
	out, n, err := Rewrite([]byte(doc), imgs, func(i Image) (string, bool) { return "nginx:1@sha256:0000", true })
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the anchor is rewritten once; the alias follows it")
	assert.Equal(t, "services:\n  a:\n    image: &img nginx:1@sha256:0000 # shared\n  b:\n    image: *img\n", string(out))
}

func TestCRLFAndMultiDocument(t *testing.T) {
	doc := "services:\r\n  a:\r\n    image: nginx:1\r\n---\r\nkind: Pod\r\nspec:\r\n  containers: [{image: \"a:1\"}, {image: b}]\r\n"
	imgs, err := Find([]byte(doc))
	require.NoError(t, err)
	require.Len(t, imgs, 3)
	assert.Equal(t, 7, imgs[2].Line)
	out, n, err := Rewrite([]byte(doc), imgs, func(i Image) (string, bool) { return i.Value + "@x", true })
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, "services:\r\n  a:\r\n    image: nginx:1@x\r\n---\r\nkind: Pod\r\nspec:\r\n  containers: [{image: \"a:1@x\"}, {image: b@x}]\r\n", string(out))
}
