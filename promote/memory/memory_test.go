package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

func ref(t testing.TB, s string) reference.Reference {
	t.Helper()
	r, err := reference.Parse(s)
	require.NoError(t, err)
	return r
}

func TestSeedDigestsAreRealAndDeterministic(t *testing.T) {
	ctx := context.Background()
	img := memory.Image{
		Repository:  "team/app",
		Tags:        []string{"1.0.0", "latest"},
		Labels:      map[string]string{"org.opencontainers.image.version": "1.0.0"},
		Annotations: map[string]string{ocispec.AnnotationRevision: "a3f2c8d"},
	}
	r1, r2 := memory.New(), memory.New()
	d1, err := r1.Seed(img)
	require.NoError(t, err)
	d2, err := r2.Seed(img)
	require.NoError(t, err)
	assert.Equal(t, d1, d2)

	desc, data, err := r1.FetchManifest(ctx, ref(t, "registry.test/team/app:1.0.0"))
	require.NoError(t, err)
	assert.Equal(t, d1[0], desc.Digest)
	assert.Equal(t, digest.FromBytes(data), desc.Digest)
	assert.Equal(t, int64(len(data)), desc.Size)
	assert.Equal(t, ocispec.MediaTypeImageManifest, desc.MediaType)
	var m ocispec.Manifest
	require.NoError(t, json.Unmarshal(data, &m))
	assert.Equal(t, "a3f2c8d", m.Annotations[ocispec.AnnotationRevision])
	require.Len(t, m.Layers, 1)

	// The caller owns the bytes.
	data[0] = 'X'
	_, again, err := r1.FetchManifest(ctx, ref(t, "registry.test/team/app:1.0.0"))
	require.NoError(t, err)
	assert.Equal(t, byte('{'), again[0])
}

func TestSeedIndex(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{
		Repository: "team/app",
		Tags:       []string{"multi"},
		Labels:     map[string]string{"k": "v"},
		Platforms:  []ocispec.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}},
	})
	require.NoError(t, err)
	desc, data, err := reg.FetchManifest(ctx, ref(t, "registry.test/team/app:multi"))
	require.NoError(t, err)
	assert.Equal(t, ds[0], desc.Digest)
	assert.Equal(t, ocispec.MediaTypeImageIndex, desc.MediaType)
	var idx ocispec.Index
	require.NoError(t, json.Unmarshal(data, &idx))
	require.Len(t, idx.Manifests, 2)
	assert.Equal(t, "arm64", idx.Manifests[1].Platform.Architecture)
	for _, child := range idx.Manifests {
		cr, err := ref(t, "registry.test/team/app").WithDigest(child.Digest)
		require.NoError(t, err)
		cd, cdata, err := reg.FetchManifest(ctx, cr)
		require.NoError(t, err)
		assert.Equal(t, child.Digest, cd.Digest)
		assert.Equal(t, child.Digest, digest.FromBytes(cdata))
	}
}

func TestSeedRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		img  memory.Image
		want error
	}{
		{"empty repository", memory.Image{}, reference.ErrInvalidFormat},
		{"uppercase repository", memory.Image{Repository: "Team/app"}, reference.ErrUppercase},
		{"trailing separator", memory.Image{Repository: "team/app-"}, reference.ErrInvalidFormat},
		{"double slash", memory.Image{Repository: "team//app"}, reference.ErrInvalidFormat},
		{"bad tag", memory.Image{Repository: "team/app", Tags: []string{"-x"}}, reference.ErrInvalidTag},
		{"tag in the repository", memory.Image{Repository: "team/app:1.0"}, reference.ErrInvalidFormat},
		{"digest in the repository", memory.Image{Repository: "team/app@sha256:" + strings.Repeat("a", 64)}, reference.ErrInvalidFormat},
		{"uppercase host", memory.Image{Repository: "Registry.test/team/app"}, reference.ErrUppercase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := memory.New().Seed(tt.img)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestResolveTagAndErrors(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"1.0"}},
		memory.Image{Repository: "team/app", Tags: []string{"2.0"}},
	)
	require.NoError(t, err)
	require.NotEqual(t, ds[0], ds[1])

	tests := []struct {
		name string
		ref  string
		want digest.Digest
		err  error
	}{
		{"by tag", "registry.test/team/app:1.0", ds[0], nil},
		{"by digest", "registry.test/team/app@" + ds[1].String(), ds[1], nil},
		{"digest wins over tag", "registry.test/team/app:1.0@" + ds[1].String(), ds[1], nil},
		{"missing tag", "registry.test/team/app:3.0", "", promote.ErrNotFound},
		{"missing digest", "registry.test/team/app@" + digest.FromString("x").String(), "", promote.ErrNotFound},
		{"missing repository", "registry.test/team/other:1.0", "", promote.ErrNotFound},
		{"implicit latest missing", "registry.test/team/app", "", promote.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desc, err := reg.Resolve(ctx, ref(t, tt.ref))
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, desc.Digest)
		})
	}

	require.NoError(t, reg.Tag(ctx, ref(t, "registry.test/team/app:stable"), ds[1]))
	assert.ErrorIs(t, reg.Tag(ctx, ref(t, "registry.test/team/app:x"), digest.FromString("nope")), promote.ErrNotFound)
	assert.Error(t, reg.Tag(ctx, ref(t, "registry.test/team/app"), ds[1]), "a reference without a tag cannot be tagged")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = reg.Resolve(cancelled, ref(t, "registry.test/team/app:1.0"))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestImmutableRules(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"v1", "latest", "dev-1"}},
		memory.Image{Repository: "team/app", Content: "second"},
		memory.Image{Repository: "team/lib", Tags: []string{"v1"}},
	)
	require.NoError(t, err)
	require.Error(t, reg.SetImmutable(memory.Rule{Tags: []string{"["}}), "malformed pattern")
	// ECR style for team/app: everything immutable except latest and dev-*.
	require.NoError(t, reg.SetImmutable(memory.Rule{Repositories: []string{"team/app"}, Exclude: []string{"latest", "dev-*"}}))

	tests := []struct {
		name string
		ref  string
		d    digest.Digest
		err  error
	}{
		{"move protected", "r.test/team/app:v1", ds[1], promote.ErrTagImmutable},
		{"retag same digest", "r.test/team/app:v1", ds[0], nil},
		{"create new tag", "r.test/team/app:v2", ds[1], nil},
		{"excluded latest", "r.test/team/app:latest", ds[1], nil},
		{"excluded dev glob", "r.test/team/app:dev-1", ds[1], nil},
		{"other repository", "r.test/team/lib:v1", ds[2], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := reg.Tag(ctx, ref(t, tt.ref), tt.d)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				assert.Contains(t, err.Error(), "immutable")
				return
			}
			assert.NoError(t, err)
		})
	}
	assert.ErrorIs(t, reg.DeleteTag(ctx, ref(t, "r.test/team/app:v1")), promote.ErrTagImmutable)
	assert.NoError(t, reg.DeleteTag(ctx, ref(t, "r.test/team/app:latest")))
	assert.ErrorIs(t, reg.DeleteTag(ctx, ref(t, "r.test/team/app:latest")), promote.ErrNotFound)

	// Harbor style: v* in every repository.
	require.NoError(t, reg.SetImmutable(memory.Rule{Tags: []string{"v*"}}))
	assert.ErrorIs(t, reg.Tag(ctx, ref(t, "r.test/team/lib:v1"), ds[0]), promote.ErrNotFound, "manifest of another repository")
	_, err = reg.Seed(memory.Image{Repository: "team/lib", Content: "lib two"})
	require.NoError(t, err)
	desc, err := reg.Resolve(ctx, ref(t, "r.test/team/lib:v1"))
	require.NoError(t, err)
	libTwo, err := reg.Seed(memory.Image{Repository: "team/lib", Content: "lib two"})
	require.NoError(t, err)
	require.NotEqual(t, desc.Digest, libTwo[0])
	assert.ErrorIs(t, reg.Tag(ctx, ref(t, "r.test/team/lib:v1"), libTwo[0]), promote.ErrTagImmutable)
	assert.NoError(t, reg.Tag(ctx, ref(t, "r.test/team/lib:stable"), libTwo[0]))
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	tests := []struct {
		name  string
		fault memory.Fault
		calls []error // outcome of consecutive resolves of team/app:1.0
	}{
		{"every call", memory.Fault{Op: memory.OpResolve, Err: boom}, []error{boom, boom, boom}},
		{"after two", memory.Fault{Op: memory.OpResolve, After: 2, Err: boom}, []error{nil, nil, boom, boom}},
		{"once", memory.Fault{Op: memory.OpResolve, Times: 1, Err: boom}, []error{boom, nil, nil}},
		{"other op", memory.Fault{Op: memory.OpTag, Err: boom}, []error{nil, nil}},
		{"other repository", memory.Fault{Repository: "team/lib", Err: boom}, []error{nil}},
		{"this repository, any op", memory.Fault{Repository: "team/app", Times: 1}, []error{memory.ErrInjected, nil}},
		{"rate limit", memory.Fault{Err: &promote.RateLimitError{RetryAfter: 2e9}}, []error{promote.ErrRateLimited}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := memory.New()
			_, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0"}})
			require.NoError(t, err)
			reg.InjectFault(tt.fault)
			for i, want := range tt.calls {
				_, err := reg.Resolve(ctx, ref(t, "r.test/team/app:1.0"))
				if want == nil {
					assert.NoError(t, err, "call %d", i)
				} else {
					assert.ErrorIs(t, err, want, "call %d", i)
				}
			}
			assert.Equal(t, len(tt.calls), reg.Calls(memory.OpResolve))
			reg.ClearFaults()
			_, err = reg.Resolve(ctx, ref(t, "r.test/team/app:1.0"))
			assert.NoError(t, err)
		})
	}
}

func TestEventsAndSwap(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"1.0"}},
		memory.Image{Repository: "team/app", Tags: []string{"2.0"}},
	)
	require.NoError(t, err)
	assert.Empty(t, reg.Events(), "seeding is not logged")

	ch := ref(t, "r.test/team/app:prod")
	assert.ErrorIs(t, reg.SwapTag(ctx, ch, ds[0], ds[1]), promote.ErrPreconditionFailed, "tag absent, expected ds[0]")
	require.NoError(t, reg.SwapTag(ctx, ch, "", ds[0]))
	assert.ErrorIs(t, reg.SwapTag(ctx, ch, "", ds[1]), promote.ErrPreconditionFailed, "tag present, expected absent")
	require.NoError(t, reg.SwapTag(ctx, ch, ds[0], ds[1]))
	require.NoError(t, reg.Tag(ctx, ch, ds[1]), "idempotent, not logged")
	require.NoError(t, reg.DeleteTag(ctx, ch))

	ev := reg.Events()
	require.Len(t, ev, 3)
	assert.Equal(t, memory.Event{Seq: 1, Op: memory.OpTag, Repository: "team/app", Tag: "prod", Digest: ds[0]}, ev[0])
	assert.Equal(t, memory.Event{Seq: 2, Op: memory.OpTag, Repository: "team/app", Tag: "prod", Digest: ds[1], Previous: ds[0]}, ev[1])
	assert.Equal(t, memory.OpDeleteTag, ev[2].Op)
	assert.Equal(t, 5, reg.Calls(memory.OpTag))

	ev[0].Tag = "changed"
	assert.Equal(t, "prod", reg.Events()[0].Tag, "Events returns a copy")
	reg.ResetEvents()
	assert.Empty(t, reg.Events())
	assert.Zero(t, reg.Calls(memory.OpTag))
}

func TestTagsPaging(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	want := []string{"a", "b", "c", "d", "e", "f", "g"}
	_, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"g", "c", "a", "e", "b", "d", "f"}})
	require.NoError(t, err)
	repo := ref(t, "r.test/team/app")
	for _, limit := range []int{1, 2, 3, 7, 8, 0} {
		var got []string
		cursor := ""
		pages := 0
		for {
			page, err := reg.Tags(ctx, repo, cursor, limit)
			require.NoError(t, err)
			got = append(got, page.Tags...)
			pages++
			require.Less(t, pages, 10)
			if page.Next == "" {
				break
			}
			assert.NotContains(t, want, page.Next, "cursor is opaque")
			cursor = page.Next
		}
		assert.Equal(t, want, got, "limit %d", limit)
	}
	_, err = reg.Tags(ctx, repo, "a", 2)
	assert.Error(t, err, "a tag name is not a cursor")
	_, err = reg.Tags(ctx, ref(t, "r.test/team/none"), "", 2)
	assert.ErrorIs(t, err, promote.ErrNotFound)

	all, err := promote.AllTags(ctx, reg, repo)
	require.NoError(t, err)
	assert.Equal(t, want, all)
}

func TestSeedNormalizesRepositoryNames(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		seed    string // Image.Repository
		resolve string // a reference that must find the image
		path    string // the repository path it is stored under
	}{
		{"ubuntu", "ubuntu:20.04", "library/ubuntu"},
		{"docker.io/library/ubuntu", "ubuntu:20.04", "library/ubuntu"},
		{"index.docker.io/ubuntu", "docker.io/library/ubuntu:20.04", "library/ubuntu"},
		{"library/ubuntu", "ubuntu:20.04", "library/ubuntu"},
		{"team/app", "registry.test/team/app:20.04", "team/app"},
		{"registry.example.com/team/app", "team/app:20.04", "team/app"},
		{"localhost:5000/app", "localhost:5000/app:20.04", "app"},
	}
	for _, tt := range tests {
		t.Run(tt.seed, func(t *testing.T) {
			reg := memory.New()
			ds, err := reg.Seed(memory.Image{Repository: tt.seed, Tags: []string{"20.04"}})
			require.NoError(t, err)
			desc, err := reg.Resolve(ctx, ref(t, tt.resolve))
			require.NoError(t, err)
			assert.Equal(t, ds[0], desc.Digest)

			rec := httptest.NewRecorder()
			reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/"+tt.path+"/tags/list", nil))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.JSONEq(t, `{"name":"`+tt.path+`","tags":["20.04"]}`, rec.Body.String())
		})
	}
}

func TestSeedUnderEquivalentNamesGivesOneImage(t *testing.T) {
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "ubuntu", Tags: []string{"22.04"}},
		memory.Image{Repository: "docker.io/library/ubuntu", Tags: []string{"22.04"}},
	)
	require.NoError(t, err)
	assert.Equal(t, ds[0], ds[1], "the same image under two spellings of one name")
}
