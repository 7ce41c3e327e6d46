package reference

import (
	"strings"
	"testing"

	distref "github.com/distribution/reference"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// view is the part of a reference both parsers expose.
type view struct {
	Registry, Repository, Tag, Digest string
}

func viewOf(r Reference) view {
	return view{r.Registry(), r.Repository(), r.Tag(), string(r.Digest())}
}

// oracle parses s with distribution/reference, the grammar's reference
// implementation.
func oracle(s string) (distref.Named, view, error) {
	n, err := distref.ParseNormalizedNamed(s)
	if err != nil {
		return nil, view{}, err
	}
	v := view{Registry: distref.Domain(n), Repository: distref.Path(n)}
	if t, ok := n.(distref.Tagged); ok {
		v.Tag = t.Tag()
	}
	if d, ok := n.(distref.Digested); ok {
		v.Digest = d.Digest().String()
	}
	return n, v, nil
}

// deviation names the documented case, if any, in which Parse rejects an
// input that the oracle accepts as v.
func deviation(s string, v view) string {
	if v.Registry == "" {
		return "registry-less name"
	}
	if !strings.Contains(s, "/") && isDigestLookalike(s) {
		return "bare digest"
	}
	return ""
}

// checkAgainstOracle asserts that Parse agrees with distribution/reference
// on s, apart from the documented deviations, and that accepted references
// round-trip through String and Familiar.
func checkAgainstOracle(t *testing.T, s string) {
	t.Helper()
	named, want, oerr := oracle(s)
	got, err := Parse(s)
	if oerr != nil {
		require.Errorf(t, err, "oracle rejects %q (%v) but Parse accepted %q", s, oerr, got.String())
		var pe *Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, s, pe.Input)
		assert.LessOrEqual(t, pe.Offset, len(s))
		return
	}
	if dev := deviation(s, want); dev != "" {
		require.Errorf(t, err, "deviation %q: Parse must reject %q", dev, s)
		return
	}
	require.NoErrorf(t, err, "oracle accepts %q as %+v", s, want)
	assert.Equal(t, want, viewOf(got), "fields of %q", s)
	assert.Equal(t, named.String(), got.String(), "String of %q", s)
	assert.Equal(t, named.Name(), got.Name(), "Name of %q", s)
	// Familiar matches Docker's familiar form wherever that form reads back
	// as the same reference; where it does not, Familiar keeps more of the
	// name (the documented deviation) and the round trip below must hold.
	if fam := distref.FamiliarString(named); fam != got.Familiar() {
		back, err := Parse(fam)
		assert.Truef(t, err != nil || back != got,
			"Familiar of %q is %q, but Docker's %q reads back the same", s, got.Familiar(), fam)
		assert.Greater(t, len(got.Familiar()), len(fam))
	}

	again, err := Parse(got.String())
	require.NoErrorf(t, err, "reparse String of %q", s)
	assert.Equal(t, got, again, "Parse(String()) of %q", s)
	again, err = Parse(got.Familiar())
	require.NoErrorf(t, err, "reparse Familiar %q of %q", got.Familiar(), s)
	assert.Equal(t, got, again, "Parse(Familiar()) of %q", s)
}

const (
	hex64  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	hex96  = hex64 + "0123456789abcdef0123456789abcdef"
	hex128 = hex64 + hex64
)

// trickyInputs seeds the differential test and the fuzz corpus.
var trickyInputs = []string{
	"", " ", ":", "@", "/", "//", "a", "A", "a/", "/a", "a//b", "a/b/", "0", "_", "-", ".",
	"ubuntu", "ubuntu:20.04", "ubuntu:latest", "library/ubuntu", "docker.io/ubuntu", "docker.io/library/ubuntu",
	"index.docker.io/ubuntu", "index.docker.io/library/ubuntu:22.04", "docker.io", "docker.io/", "index.docker.io",
	"localhost", "localhost/app", "localhost:5000", "localhost:5000/app", "localhost:5000/app:1.0", "localhost:/app",
	"localhost:5000:tag", "localhost:99999999999999999999/app", "LOCALHOST/app",
	"registry:5000/team/app:1.2.3", "registry.corp:5000/company/department/software:3",
	"[::1]:5000/app", "[::1]/app", "[fe80::1%eth0]/app", "[]/app", "[::1/app", "[::g]/app", "[::A]:80/x",
	"127.0.0.1:5000/app", "1.2.3.4/a/b/c:d",
	"Foo/bar", "foo/Bar", "FOO", "Foo", "foo:Tag", "foo:TAG_1.0-x", "ACME/app", "acme/APP", "ACME.io/app",
	"a__b", "a___b", "a_b", "a---b", "a-b", "a.b", "a..b", "a._b", "a.-b", "a-", "a_", "a.", "-a", "_a", ".a",
	"exa_mple.com/foo", "exa_mple.com:5000/foo", "ex-ample.com/foo", "-example.com/foo", "example-.com/foo",
	"example..com/foo", "example.com./foo", ".example.com/foo", "exa mple.com/foo",
	"foo/bar:tag@sha256:" + hex64, "foo@sha256:" + hex64, "foo:@sha256:" + hex64, "foo@", "foo:", "foo:tag@",
	"foo@sha256:" + strings.ToUpper(hex64), "foo@sha256:" + hex64[:63], "foo@sha256:" + hex64 + "0",
	"foo@sha384:" + hex96, "foo@sha512:" + hex128, "foo@md5:" + hex64[:32], "foo@sha256:" + hex64[:31],
	"foo@SHA256:" + hex64, "foo@sha256+b64:" + hex64, "foo@sha.256:" + hex64, "foo@1sha:" + hex64,
	"foo@sha256:" + hex64 + "g", "foo@sha256:" + hex64 + "@x",
	"sha256:" + hex64, "sha384:" + hex96, "sha512:" + hex128, "sha256:" + hex64[:40], "docker.io/sha256:" + hex64,
	"library/sha256:" + hex64, hex64, hex64[:63], hex64 + "0", strings.ToUpper(hex64),
	"foo:" + strings.Repeat("a", 128), "foo:" + strings.Repeat("a", 129), "foo:_x", "foo:.x", "foo:-x", "foo:x.y-z_",
	"foo:tag:tag", "foo:tag/x", "foo/bar:tag/x", "foo:5000/bar", "foo:bar/baz", "foo bar", "foo\tbar", "foo\x00",
	"foo/bar/baz/qux/quux:v1", "a/" + strings.Repeat("b", 253), "a/" + strings.Repeat("b", 254),
	strings.Repeat("a", 247), strings.Repeat("a", 248), "docker.io/" + strings.Repeat("a", 247),
	"docker.io/" + strings.Repeat("a", 248), "example.com/" + strings.Repeat("a", 255), "example.com/" + strings.Repeat("a", 256),
	strings.Repeat("a", 300) + ".com/app",
	"ghcr.io/owner/repo:sha-a3f2c8d", "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:2.4.1",
	"us-docker.pkg.dev/project/repo/image:latest", "gcr.io/distroless/static-debian12:nonroot",
	"quay.io/prometheus/node-exporter:v1.8.2", "mcr.microsoft.com/dotnet/aspnet:8.0-alpine",
	"docker.io/bitnami/redis:7.2", "bitnami/redis", "codercom/enterprise-node:ubuntu", "mycorp/myproject:v1",
	"xn--bcher-kva.example/app", "a.b.c.d.e.f/g", "host:0/app", "host:/app", "host:a1/app", "[::1]:/app",
	"docker.io/localhost/app", "docker.io/a.b/c", "docker.io/library/a/b", "docker.io/index.docker.io/x",
	"localhost/library/app", "docker.io/library", "library", "library/library",
	"foo\u00e9", "föo/bar", "foo/bär", "é.com/foo",
}

func TestParseAgreesWithDistributionReference(t *testing.T) {
	for _, s := range trickyInputs {
		t.Run(strings.ReplaceAll(s, "/", "|"), func(t *testing.T) {
			checkAgainstOracle(t, s)
		})
	}
}

// FuzzParse is the differential fuzz target: for every input, Parse and
// distribution/reference agree on accept or reject and on every field,
// except for the documented deviations, and accepted references
// round-trip.
func FuzzParse(f *testing.F) {
	for _, s := range trickyInputs {
		f.Add(s)
	}
	for _, s := range benchCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkAgainstOracle(t, s)
	})
}
