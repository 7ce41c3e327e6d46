package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/reference"
)

const pin = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// pinAll asks for every editable image to get the test digest.
func pinAll(img Image) (string, bool) { return img.Value + pin, img.Editable() == nil }

// TestRewriteAtTheRightBytes covers the inputs whose byte offsets the
// parser's line and column used to mislead: line breaks the parser counts
// that a byte scan for \n does not, a byte order mark, and properties
// before the value.
func TestRewriteAtTheRightBytes(t *testing.T) {
	pod := func(before, image string) string {
		return "kind: Pod\nspec:\n  containers:\n  - args: [" + before + ", \"--x\"]\n    image: " + image + "\n"
	}
	tests := []struct {
		name, doc, want string
	}{
		{"LS in an earlier quoted value", pod("\"a\u2028b\"", "nginx:1"), pod("\"a\u2028b\"", "nginx:1"+pin)},
		{"PS in an earlier quoted value", pod("\"a\u2029b\"", "nginx:1"), pod("\"a\u2029b\"", "nginx:1"+pin)},
		{"NEL in an earlier quoted value", pod("\"a\u0085b\"", "nginx:1"), pod("\"a\u0085b\"", "nginx:1"+pin)},
		{"lone CR in an earlier quoted value", pod("\"a\rb\"", "nginx:1"), pod("\"a\rb\"", "nginx:1"+pin)},
		{"multibyte before the value", "kind: Pod\nspec: {containers: [{args: [\"é€\u2028😀\"], image: nginx:1}]}\n",
			"kind: Pod\nspec: {containers: [{args: [\"é€\u2028😀\"], image: nginx:1" + pin + "}]}\n"},
		{"UTF-8 byte order mark", "\uFEFFservices:\n  a: {image: nginx:1}\n", "\uFEFFservices:\n  a: {image: nginx:1" + pin + "}\n"},
		{"!!str tag", "services:\n  a:\n    image: !!str nginx:1 # c\n", "services:\n  a:\n    image: !!str nginx:1" + pin + " # c\n"},
		{"non-specific tag, quoted", "services:\n  a:\n    image: ! 'nginx:1'\n", "services:\n  a:\n    image: ! 'nginx:1" + pin + "'\n"},
		{"anchor then tag, double quoted", "services:\n  a:\n    image: &i !!str \"nginx:1\"\n", "services:\n  a:\n    image: &i !!str \"nginx:1" + pin + "\"\n"},
		{"tag then anchor", "services:\n  a:\n    image: !!str &i nginx:1\n", "services:\n  a:\n    image: !!str &i nginx:1" + pin + "\n"},
		{"verbatim tag", "services:\n  a:\n    image: !<tag:yaml.org,2002:str> nginx:1\n", "services:\n  a:\n    image: !<tag:yaml.org,2002:str> nginx:1" + pin + "\n"},
		{"value on the line after its tag", "services:\n  a:\n    image: !!str\n      nginx:1\n", "services:\n  a:\n    image: !!str\n      nginx:1" + pin + "\n"},
		{"anchor and comment before the value", "services:\n  a:\n    image: &i # the base\n      nginx:1\n", "services:\n  a:\n    image: &i # the base\n      nginx:1" + pin + "\n"},
		{"CRLF", "services:\r\n  a:\r\n    image: nginx:1\r\n", "services:\r\n  a:\r\n    image: nginx:1" + pin + "\r\n"},
		{"tabs and comments", "services:\n  a:\n    image:\tnginx:1\t# pinned later\n", "services:\n  a:\n    image:\tnginx:1" + pin + "\t# pinned later\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs, err := Find([]byte(tt.doc))
			require.NoError(t, err)
			require.Len(t, imgs, 1)
			out, n, err := Rewrite([]byte(tt.doc), imgs, pinAll)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			assert.Equal(t, tt.want, string(out))
		})
	}
}

func TestFindRefusesWhatItDoesNotRead(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"UTF-16 LE", "\xFF\xFEs\x00e\x00", "UTF-16"},
		{"UTF-16 BE", "\xFE\xFF\x00s\x00e", "UTF-16"},
		{"UTF-16 without a mark", "s\x00e\x00r\x00", "NUL"},
		{"UTF-32", "\xFF\xFE\x00\x00s\x00\x00\x00", "UTF-32"},
		{"Helm values", "image:\n  repository: nginx\n  tag: 1.27\n", "neither a Kubernetes object"},
		{"a list", "- nginx:1\n", "neither a Kubernetes object"},
		{"second document", "kind: Pod\n---\nreplicas: 3\n", "document 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Find([]byte(tt.doc))
			require.ErrorIs(t, err, ErrUnsupported)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := Find([]byte("{{- if .Values.on }}\nkind: Pod\n{{- end }}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "template")
	imgs, err := Find([]byte("kind: Pod\nspec:\n  containers: [{image: \"{{ .Values.image }}\"}]\n"))
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	assert.Empty(t, imgs[0].Resolved)
	assert.Contains(t, imgs[0].Unresolved, "template")
}

func TestNotEditable(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"block scalar", "services:\n  a:\n    image: >-\n      nginx:1\n", "block scalar"},
		{"value over two lines", "services:\n  a:\n    image: \"nginx:\n      1\"\n", "several lines"},
		{"interpolated", "services:\n  a:\n    image: nginx:${TAG:-1}\n", "variables"},
		{"not a string", "services:\n  a:\n    image: 12\n", "not an image reference"},
		{"a mapping", "services:\n  a:\n    image: {name: nginx}\n", "not an image reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs, err := Find([]byte(tt.doc))
			require.NoError(t, err)
			require.Len(t, imgs, 1)
			assert.ErrorContains(t, imgs[0].Editable(), tt.want)
			_, _, err = Rewrite([]byte(tt.doc), imgs, func(Image) (string, bool) { return "nginx:2", true })
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestComposeInterpolation(t *testing.T) {
	tests := []struct {
		value, resolved, why string
	}{
		{"nginx:1.27", "nginx:1.27", ""},
		{"nginx:${TAG:-1.27}", "nginx:1.27", ""},
		{"${REG-docker.io}/nginx:${TAG:-1.27}", "docker.io/nginx:1.27", ""},
		{"nginx:${TAG:-${FALLBACK:-1}}", "nginx:1", ""},
		{"nginx:${TAG}", "", "${TAG}, which has no default"},
		{"nginx:$TAG", "", "$TAG, which has no default"},
		{"nginx:${TAG:?set TAG}", "", "depends on the environment"},
		{"nginx:${TAG:+x}", "", "depends on the environment"},
		{"nginx:${TAG", "", "unclosed"},
		{"nginx:$", "", "lone $"},
		{"a$$b", "a$b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			doc := "services:\n  a:\n    image: '" + tt.value + "'\n"
			imgs, err := Find([]byte(doc))
			require.NoError(t, err)
			require.Len(t, imgs, 1)
			assert.Equal(t, tt.value, imgs[0].Value)
			assert.Equal(t, tt.resolved, imgs[0].Resolved)
			if tt.why == "" {
				assert.Empty(t, imgs[0].Unresolved)
			} else {
				assert.Contains(t, imgs[0].Unresolved, tt.why)
			}
		})
	}
	// Kubernetes has no such interpolation: a variable is left for a
	// templating step, and the value cannot be checked.
	imgs, err := Find([]byte("kind: Pod\nspec:\n  containers: [{image: 'nginx:${TAG:-1}'}, {image: 'a$b:1'}]\n"))
	require.NoError(t, err)
	assert.Empty(t, imgs[0].Resolved)
	assert.Contains(t, imgs[0].Unresolved, "envsubst")
	assert.Equal(t, "a$b:1", imgs[1].Resolved, "a dollar sign alone is just an invalid reference")
}

func TestMergeKeysAndAliases(t *testing.T) {
	doc := `x-base: &base
  image: nginx:1.27   # shared
  restart: always
x-other: &other
  image: busybox:1
services:
  api:
    <<: *base
  worker:
    <<: [*other, *base]
  own:
    <<: *base
    image: own:2
  sidecar:
    image: &side envoy:1.30
  sidecar2:
    image: *side
`
	imgs, err := Find([]byte(doc))
	require.NoError(t, err)
	type seen struct{ path, value, via string }
	var got []seen
	for _, i := range imgs {
		got = append(got, seen{i.Path, i.Value, i.Via})
	}
	assert.Equal(t, []seen{
		{"services.api.image", "nginx:1.27", "<<: *base (line 8)"},
		{"services.worker.image", "busybox:1", "<<: *other (line 10)"},
		{"services.own.image", "own:2", ""},
		{"services.sidecar.image", "envoy:1.30", ""},
		{"services.sidecar2.image", "envoy:1.30", "*side (line 17)"},
	}, got)
	assert.Equal(t, 2, imgs[0].Line, "an inherited image is located where it is written")

	out, changes, err := Edit([]byte(doc), imgs, pinAll)
	require.NoError(t, err)
	require.Len(t, changes, 4, "one edit per written value")
	assert.Len(t, changes[3].Images, 2, "the anchor and its alias change together")
	want := strings.NewReplacer(
		"image: nginx:1.27 ", "image: nginx:1.27"+pin+" ",
		"image: busybox:1\n", "image: busybox:1"+pin+"\n",
		"image: own:2\n", "image: own:2"+pin+"\n",
		"&side envoy:1.30", "&side envoy:1.30"+pin,
	).Replace(doc)
	assert.Equal(t, want, string(out))

	// Kubernetes containers inherit through merge keys as well.
	k := "kind: Pod\nx: &c {name: a, image: nginx:1}\nspec:\n  containers:\n  - <<: *c\n    name: b\n"
	kimgs, err := Find([]byte(k))
	require.NoError(t, err)
	require.Len(t, kimgs, 1)
	assert.Equal(t, "Pod/: spec.containers[0].image", kimgs[0].Path)
	assert.Equal(t, "nginx:1", kimgs[0].Value)
}

func TestSharedValuesAreNotSplitSilently(t *testing.T) {
	doc := "x-b: &b {image: nginx:1}\nservices:\n  a: {<<: *b}\n  b: {<<: *b}\n"
	imgs, err := Find([]byte(doc))
	require.NoError(t, err)
	require.Len(t, imgs, 2)
	tests := []struct {
		name    string
		replace func(Image) (string, bool)
		want    string
	}{
		{"only one of them", func(i Image) (string, bool) { return "nginx:2", i.Path == "services.a.image" }, "would also change services.b.image"},
		{"two different values", func(i Image) (string, bool) { return i.Path, true }, "would be rewritten to"},
	}
	// The same value read elsewhere than in an image field.
	for name, doc := range map[string]string{
		"an alias in an environment": "x-v: &v nginx:1\nservices:\n  a:\n    image: *v\n    environment: {IMAGE: *v}\n",
		"the anchor itself in use":   "services:\n  a:\n    image: nginx:1\n    labels: {img: &v nginx:1}\n  b:\n    image: *v\n",
		"a merged mapping reused":    "x-b: &b {image: nginx:1}\nservices:\n  a: {<<: *b}\nconfigs: {c: {<<: *b}}\n",
		"a top-level key, not x-":    "base: &b {image: nginx:1}\nservices:\n  a: {<<: *b}\n",
	} {
		t.Run(name, func(t *testing.T) {
			imgs, err := Find([]byte(doc))
			require.NoError(t, err)
			_, _, err = Edit([]byte(doc), imgs, pinAll)
			assert.ErrorContains(t, err, "not image fields")
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Edit([]byte(doc), imgs, tt.replace)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// TestVerifyCatchesAWrongPlace forges the located bytes of an image so
// that the edit lands on another value: the re-parse must refuse it.
func TestVerifyCatchesAWrongPlace(t *testing.T) {
	doc := "kind: Pod\nspec:\n  containers:\n  - args: [\"--x\"]\n    image: \"--x\"\n"
	imgs, err := Find([]byte(doc))
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	wrong := strings.Index(doc, `"--x"`)
	imgs[0].start, imgs[0].end = wrong, wrong+len(`"--x"`)
	_, _, err = Edit([]byte(doc), imgs, func(Image) (string, bool) { return "nginx:1", true })
	require.ErrorIs(t, err, ErrVerify)
	assert.Contains(t, err.Error(), "not to be rewritten")

	// A value that would change the structure is refused too.
	imgs, err = Find([]byte(doc))
	require.NoError(t, err)
	_, _, err = Edit([]byte(doc), imgs, func(Image) (string, bool) { return "a\nb", true })
	assert.ErrorContains(t, err, "refusing to write")
	plainDoc := "services:\n  a:\n    image: nginx:1\n"
	imgs, err = Find([]byte(plainDoc))
	require.NoError(t, err)
	_, _, err = Edit([]byte(plainDoc), imgs, func(Image) (string, bool) { return "x: y", true })
	require.ErrorIs(t, err, ErrVerify)
}

func TestRewriteTag(t *testing.T) {
	doc := `kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - image: acmecorp/payment-api:staging
          - image: docker.io/acmecorp/payment-api:v2.4.1
          - image: acmecorp/payment-api:v2.4.1@sha256:1111111111111111111111111111111111111111111111111111111111111111
          - image: acmecorp/payment-api:v2.4.0
          - image: other/payment-api:v2.4.1
`
	imgs, err := Find([]byte(doc))
	require.NoError(t, err)
	from := reference.MustParse("acmecorp/payment-api:v2.4.1")
	naming := Naming(imgs, from)
	require.Len(t, naming, 2)
	assert.Equal(t, 9, naming[0].Line)
	assert.Equal(t, 10, naming[1].Line)
	assert.Empty(t, Naming(imgs, reference.MustParse("acmecorp/payment-api:v9")))
	out, changes, matched, err := RewriteTag([]byte(doc), imgs, from, func(r reference.Reference) (reference.Reference, error) {
		tagged, err := r.WithoutDigest().WithTag("production")
		if err != nil {
			return reference.Reference{}, err
		}
		return tagged.WithDigest("sha256:2222222222222222222222222222222222222222222222222222222222222222")
	})
	require.NoError(t, err)
	assert.Equal(t, 2, matched)
	assert.Len(t, changes, 2)
	want := strings.NewReplacer(
		"docker.io/acmecorp/payment-api:v2.4.1\n", "docker.io/acmecorp/payment-api:production@sha256:2222222222222222222222222222222222222222222222222222222222222222\n",
		"acmecorp/payment-api:v2.4.1@sha256:1111111111111111111111111111111111111111111111111111111111111111", "acmecorp/payment-api:production@sha256:2222222222222222222222222222222222222222222222222222222222222222",
	).Replace(doc)
	assert.Equal(t, want, string(out), "the staging and v2.4.0 references are left alone")

	_, _, _, err = RewriteTag([]byte(doc), imgs, from, func(reference.Reference) (reference.Reference, error) {
		return reference.Reference{}, errors.New("no digest")
	})
	assert.ErrorContains(t, err, "no digest")
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "deploy.yaml")
	require.NoError(t, os.WriteFile(file, []byte("old"), 0o640))

	require.NoError(t, WriteFile(file, []byte("old"), []byte("new")))
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
	info, err := os.Stat(file)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o640), info.Mode().Perm(), "the mode is kept")
	}

	err = WriteFile(file, []byte("what I read"), []byte("newer"))
	require.ErrorContains(t, err, "changed on disk")
	got, err = os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got), "a file edited meanwhile is left alone")

	link := filepath.Join(dir, "link.yaml")
	require.NoError(t, os.Symlink(file, link))
	require.NoError(t, WriteFile(link, []byte("new"), []byte("via link")))
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&os.ModeSymlink, "the link stays a link")
	got, err = os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "via link", string(got))

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file is left behind")

	assert.Error(t, WriteFile(filepath.Join(dir, "missing.yaml"), nil, []byte("x")))
	assert.ErrorContains(t, WriteFile(dir, nil, []byte("x")), "not a regular file")
}

func TestDetectFormat(t *testing.T) {
	tests := map[string]Format{
		"Dockerfile": Dockerfile, "build/Dockerfile.prod": Dockerfile, "api.dockerfile": Dockerfile, "Containerfile": Dockerfile,
		"deploy.yaml": YAML, "compose.yml": YAML, "pod.json": YAML, "values.txt": 0, "Makefile": 0,
	}
	for name, want := range tests {
		assert.Equal(t, want, DetectFormat(name), name)
	}
	_, err := FindFile("notes.txt", []byte("FROM x"))
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Contains(t, err.Error(), "notes.txt")
	imgs, err := FindFile("dir/Dockerfile", []byte("FROM nginx:1\n"))
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	imgs, err = FindFile("c.yaml", []byte("services: {a: {image: x}}\n"))
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	assert.Equal(t, "yaml", YAML.String())
	assert.Equal(t, "dockerfile", Dockerfile.String())
}

func TestSpell(t *testing.T) {
	r := reference.MustParse("nginx:1" + pin)
	assert.Equal(t, "nginx:1"+pin, Spell("nginx", r))
	assert.Equal(t, "docker.io/library/nginx:1"+pin, Spell("docker.io/library/nginx", r))
	g := reference.MustParse("ghcr.io/a/b:1")
	assert.Equal(t, "ghcr.io/a/b:1", Spell("ghcr.io/a/b", g))
	assert.Equal(t, "localhost/a:1", Spell("localhost/a", reference.MustParse("localhost/a:1")))
}

func TestAliasExpansionIsBounded(t *testing.T) {
	ten := func(x string) string { return "[" + strings.Repeat(x+", ", 9) + x + "]" }
	doc := "kind: Pod\na: &a " + ten("x") + "\nb: &b " + ten("*a") + "\nc: &c " + ten("*b") + "\nd: &d " + ten("*c") + "\ne: &e " + ten("*d") + "\nf: " + ten("*e") + "\n"
	_, err := Find([]byte(doc))
	assert.ErrorContains(t, err, "too many nodes")
}

func TestKustomizationOverridesAreNotPassedSilently(t *testing.T) {
	doc := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deploy.yaml]\nimages:\n- name: nginx\n  newTag: \"1.27\"\n"
	imgs, err := Find([]byte(doc))
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	assert.Equal(t, "nginx", imgs[0].Value)
	assert.Empty(t, imgs[0].Resolved)
	assert.Contains(t, imgs[0].Unresolved, "kustomize build")
	assert.Error(t, imgs[0].Editable())
	out, n, err := Rewrite([]byte(doc), imgs, pinAll)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, doc, string(out))
}
