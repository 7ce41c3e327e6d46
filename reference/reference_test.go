package reference

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	distref "github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFields(t *testing.T) {
	d := "sha256:" + hex64
	tests := []struct {
		in                               string
		registry, repo, tag, digest, str string
		familiar                         string
		tagOrLatest                      string
		pinned                           bool
	}{
		{"ubuntu", "docker.io", "library/ubuntu", "", "", "docker.io/library/ubuntu", "ubuntu", "latest", false},
		{"ubuntu:20.04", "docker.io", "library/ubuntu", "20.04", "", "docker.io/library/ubuntu:20.04", "ubuntu:20.04", "20.04", false},
		{"index.docker.io/ubuntu", "docker.io", "library/ubuntu", "", "", "docker.io/library/ubuntu", "ubuntu", "latest", false},
		{"docker.io/bitnami/redis:7", "docker.io", "bitnami/redis", "7", "", "docker.io/bitnami/redis:7", "bitnami/redis:7", "7", false},
		{"localhost/app", "localhost", "app", "", "", "localhost/app", "localhost/app", "latest", false},
		{"localhost:5000/app:dev", "localhost:5000", "app", "dev", "", "localhost:5000/app:dev", "localhost:5000/app:dev", "dev", false},
		{"[::1]:5000/team/app:1.0", "[::1]:5000", "team/app", "1.0", "", "[::1]:5000/team/app:1.0", "[::1]:5000/team/app:1.0", "1.0", false},
		{"registry:5000/company/department/software:3", "registry:5000", "company/department/software", "3", "",
			"registry:5000/company/department/software:3", "registry:5000/company/department/software:3", "3", false},
		{"alpine@" + d, "docker.io", "library/alpine", "", d, "docker.io/library/alpine@" + d, "alpine@" + d, "", true},
		{"ghcr.io/acme/app:v1@" + d, "ghcr.io", "acme/app", "v1", d, "ghcr.io/acme/app:v1@" + d, "ghcr.io/acme/app:v1@" + d, "v1", true},
		{"Foo/bar", "Foo", "bar", "", "", "Foo/bar", "Foo/bar", "latest", false},
		{"docker.io/a.b/c", "docker.io", "a.b/c", "", "", "docker.io/a.b/c", "docker.io/a.b/c", "latest", false},
		{"docker.io/localhost/c", "docker.io", "localhost/c", "", "", "docker.io/localhost/c", "docker.io/localhost/c", "latest", false},
		{"docker.io/library/sha256:" + hex64, "docker.io", "library/sha256", hex64, "", "docker.io/library/sha256:" + hex64,
			"library/sha256:" + hex64, hex64, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.registry, r.Registry())
			assert.Equal(t, tt.repo, r.Repository())
			assert.Equal(t, tt.registry+"/"+tt.repo, r.Name())
			assert.Equal(t, tt.tag, r.Tag())
			assert.Equal(t, tt.tag != "", r.HasTag())
			assert.Equal(t, digest.Digest(tt.digest), r.Digest())
			assert.Equal(t, tt.str, r.String())
			assert.Equal(t, tt.familiar, r.Familiar())
			assert.Equal(t, tt.tagOrLatest, r.TagOrLatest())
			assert.Equal(t, tt.pinned, r.IsPinned())
			assert.False(t, r.IsZero())
			assert.Equal(t, strings.Split(tt.repo, "/"), r.Path())
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		kind   error
		offset int
		reason string
	}{
		{"", ErrInvalidFormat, -1, "empty"},
		{"foo/Bar", ErrUppercase, 4, "found 'B'"},
		{"acme/APP:1", ErrUppercase, 5, "lowercase"},
		{"FOO", ErrUppercase, 0, "lowercase"},
		{"foo bar", ErrInvalidFormat, 3, "' '"},
		{"a___b", ErrInvalidFormat, 1, `"___"`},
		{"a._b", ErrInvalidFormat, 1, `"._"`},
		{"a-", ErrInvalidFormat, 2, "followed by"},
		{"-a", ErrInvalidFormat, 0, "must start"},
		{"a//b", ErrInvalidFormat, 2, "must start"},
		{"foo/", ErrInvalidFormat, 4, "empty"},
		{"exa_mple.com/foo", ErrInvalidFormat, 3, "registry host"},
		{"-example.com/foo", ErrInvalidFormat, 0, "must not start with '-'"},
		{"example-.com/foo", ErrInvalidFormat, 7, "must not end with '-'"},
		{"example..com/foo", ErrInvalidFormat, 8, "empty label"},
		{"host:/app", ErrInvalidFormat, 5, "port"},
		{"[::g]/app", ErrInvalidFormat, 3, "IPv6"},
		{hex64, ErrInvalidFormat, -1, "image ID"},
		{"sha256:" + hex64, ErrInvalidFormat, -1, "bare digest"},
		{"a/" + strings.Repeat("b", 254), ErrNameTooLong, -1, "256 bytes"},
		{strings.Repeat("a", 248), ErrNameTooLong, -1, "256 bytes"},
		{"foo:", ErrInvalidTag, 4, "empty"},
		{"foo:.x", ErrInvalidTag, 4, "must start"},
		{"foo:a+b", ErrInvalidTag, 5, "'+'"},
		{"foo:a/b", ErrInvalidFormat, 4, "port"},
		{"foo:" + strings.Repeat("a", 129), ErrInvalidTag, 132, "129 bytes"},
		{"foo@", ErrInvalidDigest, 4, "algorithm"},
		{"foo@sha256", ErrInvalidDigest, 10, "no ':'"},
		{"foo@sha256:" + hex64[:63], ErrInvalidDigest, 11, "64 hex digits"},
		{"foo@sha256:" + strings.ToUpper(hex64), ErrInvalidDigest, 21, "lowercase"},
		{"foo@sha256:" + hex64 + "g", ErrInvalidDigest, 75, "'g'"},
		{"foo@sha256:abc", ErrInvalidDigest, 14, "at least 32"},
		{"foo@md5:" + hex64[:32], ErrUnsupportedDigest, 4, `"md5"`},
		{"foo@SHA256:" + hex64, ErrUnsupportedDigest, 4, "not supported"},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.kind)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.in, pe.Input)
			assert.Equal(t, tt.offset, pe.Offset)
			assert.Contains(t, pe.Error(), tt.reason)
			assert.Contains(t, pe.Error(), `"`+tt.in[:min(len(tt.in), 20)])
			for _, other := range []error{ErrInvalidFormat, ErrUppercase, ErrNameTooLong, ErrInvalidTag, ErrInvalidDigest, ErrUnsupportedDigest} {
				if other != tt.kind {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := Parse("acme/App")
	require.Error(t, err)
	assert.Equal(t, `reference: repository name must be lowercase: found 'A' at offset 5 in "acme/App"`, err.Error())

	_, err = Parse(strings.Repeat("a", 300))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "at offset", "errors not tied to a position carry no offset")

	_, err = Parse("foo\x00")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `'\x00'`)
}

func TestValidateTag(t *testing.T) {
	tests := []struct {
		tag   string
		valid bool
	}{
		{"latest", true}, {"v1.2.3", true}, {"1.2.3-alpine", true}, {"_x", true}, {"A_b.C-d", true},
		{strings.Repeat("a", 128), true}, {strings.Repeat("a", 129), false},
		{"", false}, {".x", false}, {"-x", false}, {"a/b", false}, {"a:b", false}, {"a@b", false}, {"a+b", false}, {"é", false},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			err := ValidateTag(tt.tag)
			if tt.valid {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrInvalidTag)
		})
	}
}

func TestValidateDigest(t *testing.T) {
	tests := []struct {
		d    string
		kind error
	}{
		{"sha256:" + hex64, nil},
		{"sha384:" + hex96, nil},
		{"sha512:" + hex128, nil},
		{"sha512:" + hex64, ErrInvalidDigest},
		{"sha256:" + hex64[:62] + "AB", ErrInvalidDigest},
		{"blake3:" + hex64, ErrUnsupportedDigest},
		{"sha256+b64u:" + hex64, ErrUnsupportedDigest},
		{"sha256", ErrInvalidDigest},
		{":" + hex64, ErrInvalidDigest},
		{"", ErrInvalidDigest},
	}
	for _, tt := range tests {
		t.Run(tt.d, func(t *testing.T) {
			err := ValidateDigest(tt.d)
			if tt.kind == nil {
				require.NoError(t, err)
				// Whatever this package accepts, go-digest accepts too.
				assert.NoError(t, digest.Digest(tt.d).Validate())
				return
			}
			assert.ErrorIs(t, err, tt.kind)
			assert.Error(t, digest.Digest(tt.d).Validate())
		})
	}
}

func TestDerivations(t *testing.T) {
	d := digest.Digest("sha256:" + hex64)
	other := digest.Digest("sha512:" + hex128)
	tests := []struct {
		name string
		do   func() (Reference, error)
		want string
	}{
		{"WithTag on bare name", func() (Reference, error) { return MustParse("ubuntu").WithTag("22.04") }, "docker.io/library/ubuntu:22.04"},
		{"WithTag replaces tag", func() (Reference, error) { return MustParse("ubuntu:20.04").WithTag("22.04") }, "docker.io/library/ubuntu:22.04"},
		{"WithTag keeps digest", func() (Reference, error) { return MustParse("app:1@" + string(d)).WithTag("2") }, "docker.io/library/app:2@" + string(d)},
		{"WithDigest pins", func() (Reference, error) { return MustParse("ghcr.io/a/b:1.2.3").WithDigest(d) }, "ghcr.io/a/b:1.2.3@" + string(d)},
		{"WithDigest replaces", func() (Reference, error) { return MustParse("ghcr.io/a/b@" + string(d)).WithDigest(other) }, "ghcr.io/a/b@" + string(other)},
		{"Untagged keeps digest", func() (Reference, error) { return MustParse("app:1@" + string(d)).Untagged(), nil }, "docker.io/library/app@" + string(d)},
		{"Untagged without tag", func() (Reference, error) { return MustParse("app").Untagged(), nil }, "docker.io/library/app"},
		{"WithoutDigest", func() (Reference, error) { return MustParse("app:1@" + string(d)).WithoutDigest(), nil }, "docker.io/library/app:1"},
		{"WithoutDigest unpinned", func() (Reference, error) { return MustParse("app:1").WithoutDigest(), nil }, "docker.io/library/app:1"},
		{"NameOnly", func() (Reference, error) { return MustParse("localhost:5000/a/b:1@" + string(d)).NameOnly(), nil }, "localhost:5000/a/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
			// Derived values are indistinguishable from parsed ones.
			assert.Equal(t, MustParse(tt.want), got)
		})
	}
}

func TestDerivationErrors(t *testing.T) {
	r := MustParse("app:1")
	_, err := r.WithTag("bad/tag")
	assert.ErrorIs(t, err, ErrInvalidTag)
	_, err = r.WithDigest("sha256:abc")
	assert.ErrorIs(t, err, ErrInvalidDigest)
	_, err = r.WithDigest(digest.Digest("md5:" + hex64[:32]))
	assert.ErrorIs(t, err, ErrUnsupportedDigest)
	_, err = Reference{}.WithTag("x")
	assert.ErrorIs(t, err, ErrInvalidFormat)
	_, err = Reference{}.WithDigest(digest.Digest("sha256:" + hex64))
	assert.ErrorIs(t, err, ErrInvalidFormat)
	assert.Equal(t, "docker.io/library/app:1", r.String(), "a failed derivation leaves the receiver alone")
}

func TestZeroReference(t *testing.T) {
	var r Reference
	assert.True(t, r.IsZero())
	assert.Empty(t, r.String())
	assert.Empty(t, r.Registry())
	assert.Empty(t, r.Repository())
	assert.Empty(t, r.Name())
	assert.Empty(t, r.Tag())
	assert.Empty(t, r.TagOrLatest())
	assert.Empty(t, r.Digest())
	assert.Empty(t, r.Familiar())
	assert.Nil(t, r.Path())
	assert.False(t, r.IsPinned())
	assert.Equal(t, r, r.Untagged())
	assert.Equal(t, r, r.WithoutDigest())
	assert.Equal(t, r, r.NameOnly())
}

func TestMustParsePanics(t *testing.T) {
	assert.Panics(t, func() { MustParse("Not/Valid") })
	assert.NotPanics(t, func() { MustParse("valid") })
}

func TestTextEncoding(t *testing.T) {
	type config struct {
		Image    Reference   `json:"image"`
		Optional Reference   `json:"optional"`
		Fleet    []Reference `json:"fleet"`
	}
	in := `{"image":"ubuntu:20.04","optional":"","fleet":["ghcr.io/a/b:1","localhost:5000/x"]}`
	var c config
	require.NoError(t, json.Unmarshal([]byte(in), &c))
	assert.Equal(t, MustParse("ubuntu:20.04"), c.Image)
	assert.True(t, c.Optional.IsZero())
	require.Len(t, c.Fleet, 2)
	assert.Equal(t, "ghcr.io/a/b:1", c.Fleet[1-1].String())

	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"image":"docker.io/library/ubuntu:20.04","optional":"","fleet":["ghcr.io/a/b:1","localhost:5000/x"]}`, string(out))

	var back config
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, c, back)

	err = json.Unmarshal([]byte(`{"image":"UPPER/Case"}`), &c)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUppercase)
}

func TestNamedInterop(t *testing.T) {
	for _, s := range benchCorpus {
		t.Run(s, func(t *testing.T) {
			r := MustParse(s)
			n, err := r.Named()
			require.NoError(t, err)
			assert.Equal(t, r.String(), n.String())
			_, tagged := n.(distref.Tagged)
			assert.Equal(t, r.HasTag(), tagged)
			_, digested := n.(distref.Digested)
			assert.Equal(t, r.IsPinned(), digested)

			back, err := FromNamed(n)
			require.NoError(t, err)
			assert.Equal(t, r, back)
		})
	}
	_, err := Reference{}.Named()
	assert.ErrorIs(t, err, ErrInvalidFormat)
	_, err = FromNamed(nil)
	assert.ErrorIs(t, err, ErrInvalidFormat)
}

// TestParseAllocations pins the allocation budget: canonical input is used
// as is, anything that needs normalizing costs one allocation.
func TestParseAllocations(t *testing.T) {
	tests := []struct {
		in     string
		allocs float64
	}{
		{"docker.io/library/ubuntu:20.04", 0},
		{"ghcr.io/acme/app:v1@sha256:" + hex64, 0},
		{"localhost:5000/app", 0},
		{"ubuntu:20.04", 1},
		{"bitnami/redis", 1},
		{"index.docker.io/library/busybox", 1},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := testing.AllocsPerRun(100, func() {
				if _, err := Parse(tt.in); err != nil {
					t.Fatal(err)
				}
			})
			assert.Equal(t, tt.allocs, got)
		})
	}
	r := MustParse("ubuntu:20.04")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = r.String() + r.Familiar() + r.Tag() + r.Name() + r.Registry() })-1,
		"accessors slice the stored string; only the concatenation here allocates")
}

func TestErrorIsNotConfusedWithOtherErrors(t *testing.T) {
	_, err := Parse("foo:bad/tag")
	assert.False(t, errors.Is(err, distref.ErrTagInvalidFormat), "sentinels are this package's own")
}

func TestValidateRepository(t *testing.T) {
	tests := []struct {
		path string
		kind error
	}{
		{"library/ubuntu", nil},
		{"a", nil},
		{"team/sub-team/app_x__y.z", nil},
		{strings.Repeat("a", 255), nil},
		{strings.Repeat("a", 256), ErrNameTooLong},
		{"", ErrInvalidFormat},
		{"Team/app", ErrUppercase},
		{"team/App", ErrUppercase},
		{"team/app:1", ErrInvalidFormat},
		{"team/app@sha256:" + hex64, ErrInvalidFormat},
		{"team//app", ErrInvalidFormat},
		{"team/app/", ErrInvalidFormat},
		{"a___b", ErrInvalidFormat},
		{"localhost:5000/app", ErrInvalidFormat},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			err := ValidateRepository(tt.path)
			if tt.kind == nil {
				require.NoError(t, err)
				// A valid path is the repository of a valid reference.
				r, err := Parse("example.com/" + tt.path)
				require.NoError(t, err)
				assert.Equal(t, tt.path, r.Repository())
				return
			}
			assert.ErrorIs(t, err, tt.kind)
		})
	}
}
