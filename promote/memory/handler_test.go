package memory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
)

// orasRepo points oras-go's own registry client at the fake over plain HTTP.
func orasRepo(t *testing.T, srv *httptest.Server, name string) *remote.Repository {
	t.Helper()
	repo, err := remote.NewRepository(strings.TrimPrefix(srv.URL, "http://") + "/" + name)
	require.NoError(t, err)
	repo.PlainHTTP = true
	return repo
}

func TestORASClientPushTagListResolve(t *testing.T) {
	ctx := context.Background()
	reg := memory.New()
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	repo := orasRepo(t, srv, "team/app")

	// Push an image: config, layer, manifest by tag.
	cfg, err := oras.PushBytes(ctx, repo, ocispec.MediaTypeImageConfig, []byte(`{"architecture":"amd64","os":"linux"}`))
	require.NoError(t, err)
	layer, err := oras.PushBytes(ctx, repo, ocispec.MediaTypeImageLayer, []byte("layer bytes"))
	require.NoError(t, err)
	man, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    cfg,
		Layers:    []ocispec.Descriptor{layer},
	})
	require.NoError(t, err)
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, man)
	require.NoError(t, repo.PushReference(ctx, desc, bytes.NewReader(man), "1.0.0"))

	// Tag it many times with oras (GET then PUT by tag).
	tags := []string{"1", "1.0", "latest", "stable", "staging"}
	for _, tag := range tags {
		_, err := oras.Tag(ctx, repo, "1.0.0", tag)
		require.NoError(t, err)
	}

	// List across pages of two, following Link headers.
	repo.TagListPageSize = 2
	var got []string
	pages := 0
	require.NoError(t, repo.Tags(ctx, "", func(page []string) error {
		pages++
		got = append(got, page...)
		return nil
	}))
	assert.Equal(t, []string{"1", "1.0", "1.0.0", "latest", "stable", "staging"}, got)
	assert.Equal(t, 3, pages)

	// Resolve with HEAD, fetch, and see the same through the Go API.
	before := reg.Calls(memory.OpResolve)
	resolved, err := repo.Resolve(ctx, "staging")
	require.NoError(t, err)
	assert.Equal(t, desc.Digest, resolved.Digest)
	assert.Equal(t, desc.Size, resolved.Size)
	assert.Equal(t, ocispec.MediaTypeImageManifest, resolved.MediaType)
	assert.Equal(t, before+1, reg.Calls(memory.OpResolve), "resolve is one HEAD")
	rc, err := repo.Fetch(ctx, layer)
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	require.NoError(t, rc.Close())
	require.NoError(t, err)
	assert.Equal(t, "layer bytes", string(data))

	goDesc, err := reg.Resolve(ctx, ref(t, "localhost:5000/team/app:stable"))
	require.NoError(t, err)
	assert.Equal(t, desc.Digest, goDesc.Digest)

	// Missing things map to oras's not-found error.
	_, err = repo.Resolve(ctx, "nope")
	assert.ErrorIs(t, err, errdef.ErrNotFound)
	var er *errcode.ErrorResponse

	// Immutable rules apply over HTTP with a clear message.
	require.NoError(t, reg.SetImmutable(memory.Rule{Tags: []string{"1.0.0"}}))
	other, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: cfg, Layers: []ocispec.Descriptor{}, Annotations: map[string]string{"x": "y"},
	})
	require.NoError(t, err)
	otherDesc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, other)
	err = repo.PushReference(ctx, otherDesc, bytes.NewReader(other), "1.0.0")
	require.ErrorAs(t, err, &er)
	assert.Equal(t, http.StatusBadRequest, er.StatusCode)
	require.NotEmpty(t, er.Errors)
	assert.Equal(t, "TAG_INVALID", er.Errors[0].Code)
	assert.Contains(t, er.Errors[0].Message, "immutable")

	// Faults apply over HTTP too.
	reg.InjectFault(memory.Fault{Op: memory.OpResolve, Times: 1, Err: promote.ErrDenied})
	_, err = repo.Resolve(ctx, "1.0.0")
	require.ErrorAs(t, err, &er)
	assert.Equal(t, http.StatusForbidden, er.StatusCode)
	_, err = repo.Resolve(ctx, "1.0.0")
	assert.NoError(t, err)

	// oras deletes manifests by digest, which removes every tag pointing
	// at them; an immutable tag protects the manifest.
	err = repo.Delete(ctx, desc)
	require.ErrorAs(t, err, &er)
	require.NoError(t, reg.SetImmutable())
	require.NoError(t, repo.Delete(ctx, desc))
	_, err = reg.Resolve(ctx, ref(t, "localhost:5000/team/app:stable"))
	assert.ErrorIs(t, err, promote.ErrNotFound)
}

// do sends one request to h and returns the recorded response.
func do(h http.Handler, method, target string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Errors []struct{ Code, Message string }
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
	require.NotEmpty(t, body.Errors)
	assert.NotEmpty(t, body.Errors[0].Message)
	return body.Errors[0].Code
}

func TestHandlerEndpoints(t *testing.T) {
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0", "2.0", "3.0"}})
	require.NoError(t, err)
	d := ds[0]
	_, man, err := reg.FetchManifest(context.Background(), ref(t, "r.test/team/app:1.0"))
	require.NoError(t, err)
	var m ocispec.Manifest
	require.NoError(t, json.Unmarshal(man, &m))
	h := reg.Handler()

	tests := []struct {
		name   string
		method string
		target string
		body   []byte
		header map[string]string
		status int
		code   string            // OCI error code when the status is an error
		want   map[string]string // response headers
	}{
		{name: "ping", method: "GET", target: "/v2/", status: 200, want: map[string]string{"Docker-Distribution-API-Version": "registry/2.0"}},
		{name: "ping without slash", method: "HEAD", target: "/v2", status: 200},
		{name: "ping wrong method", method: "POST", target: "/v2/", status: 405, code: "UNSUPPORTED"},
		{name: "outside the API", method: "GET", target: "/v1/x", status: 404, code: "UNSUPPORTED"},
		{name: "unknown endpoint", method: "GET", target: "/v2/team/app/whatever/x", status: 404, code: "UNSUPPORTED"},
		{name: "manifest by tag", method: "GET", target: "/v2/team/app/manifests/1.0", status: 200, want: map[string]string{
			"Docker-Content-Digest": d.String(), "Content-Type": ocispec.MediaTypeImageManifest, "Content-Length": itoa(len(man))}},
		{name: "manifest head by digest", method: "HEAD", target: "/v2/team/app/manifests/" + d.String(), status: 200, want: map[string]string{
			"Docker-Content-Digest": d.String(), "Content-Length": itoa(len(man))}},
		{name: "manifest unknown", method: "GET", target: "/v2/team/app/manifests/9.9", status: 404, code: "MANIFEST_UNKNOWN"},
		{name: "name unknown", method: "GET", target: "/v2/team/none/manifests/1.0", status: 404, code: "NAME_UNKNOWN"},
		{name: "name invalid", method: "GET", target: "/v2/Team/app/manifests/1.0", status: 400, code: "NAME_INVALID"},
		{name: "tag invalid", method: "GET", target: "/v2/team/app/manifests/-x", status: 400, code: "TAG_INVALID"},
		{name: "digest invalid", method: "GET", target: "/v2/team/app/manifests/sha256:abc", status: 400, code: "DIGEST_INVALID"},
		{name: "manifest wrong method", method: "POST", target: "/v2/team/app/manifests/1.0", status: 405, code: "UNSUPPORTED"},
		{name: "put manifest invalid json", method: "PUT", target: "/v2/team/app/manifests/x", body: []byte("{"), header: map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}, status: 400, code: "MANIFEST_INVALID"},
		{name: "put manifest unknown media type", method: "PUT", target: "/v2/team/app/manifests/x", body: []byte("{}"), header: map[string]string{"Content-Type": "text/plain"}, status: 400, code: "MANIFEST_INVALID"},
		{name: "put manifest missing blob", method: "PUT", target: "/v2/team/app/manifests/x", body: manifestWithConfig(digest.FromString("absent")), header: map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}, status: 400, code: "MANIFEST_BLOB_UNKNOWN"},
		{name: "put manifest digest mismatch", method: "PUT", target: "/v2/team/app/manifests/" + digest.FromString("x").String(), body: man, header: map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}, status: 400, code: "DIGEST_INVALID"},
		{name: "put manifest by digest", method: "PUT", target: "/v2/team/app/manifests/" + d.String(), body: man, header: map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}, status: 201, want: map[string]string{
			"Docker-Content-Digest": d.String(), "Location": "/v2/team/app/manifests/" + d.String()}},
		{name: "put manifest by tag", method: "PUT", target: "/v2/team/app/manifests/4.0", body: man, header: map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}, status: 201},
		{name: "blob get", method: "GET", target: "/v2/team/app/blobs/" + m.Config.Digest.String(), status: 200, want: map[string]string{
			"Docker-Content-Digest": m.Config.Digest.String(), "Content-Length": itoa(int(m.Config.Size))}},
		{name: "blob head", method: "HEAD", target: "/v2/team/app/blobs/" + m.Layers[0].Digest.String(), status: 200, want: map[string]string{"Content-Length": itoa(int(m.Layers[0].Size))}},
		{name: "blob unknown", method: "GET", target: "/v2/team/app/blobs/" + digest.FromString("x").String(), status: 404, code: "BLOB_UNKNOWN"},
		{name: "blob bad digest", method: "GET", target: "/v2/team/app/blobs/nope", status: 400, code: "DIGEST_INVALID"},
		{name: "monolithic upload", method: "POST", target: "/v2/team/app/blobs/uploads/?digest=" + digest.FromString("hello").String(), body: []byte("hello"), status: 201, want: map[string]string{
			"Location": "/v2/team/app/blobs/" + digest.FromString("hello").String()}},
		{name: "monolithic upload mismatch", method: "POST", target: "/v2/team/app/blobs/uploads/?digest=" + digest.FromString("other").String(), body: []byte("hello"), status: 400, code: "DIGEST_INVALID"},
		{name: "mount from repository", method: "POST", target: "/v2/team/copy/blobs/uploads/?mount=" + m.Config.Digest.String() + "&from=team/app", status: 201},
		{name: "mount missing falls back to session", method: "POST", target: "/v2/team/copy/blobs/uploads/?mount=" + digest.FromString("x").String() + "&from=team/app", status: 202},
		{name: "upload session unknown", method: "PATCH", target: "/v2/team/app/blobs/uploads/nope", body: []byte("x"), status: 404, code: "BLOB_UPLOAD_UNKNOWN"},
		{name: "tags list", method: "GET", target: "/v2/team/app/tags/list", status: 200},
		{name: "tags list bad n", method: "GET", target: "/v2/team/app/tags/list?n=-1", status: 400, code: "PAGINATION_NUMBER_INVALID"},
		{name: "tags list unknown", method: "GET", target: "/v2/team/none/tags/list", status: 404, code: "NAME_UNKNOWN"},
		{name: "referrers", method: "GET", target: "/v2/team/app/referrers/" + d.String(), status: 200, want: map[string]string{"Content-Type": ocispec.MediaTypeImageIndex}},
		{name: "delete tag", method: "DELETE", target: "/v2/team/app/manifests/3.0", status: 202},
		{name: "delete tag again", method: "DELETE", target: "/v2/team/app/manifests/3.0", status: 404, code: "MANIFEST_UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(h, tt.method, tt.target, tt.body, tt.header)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			for k, v := range tt.want {
				assert.Equal(t, v, rec.Header().Get(k), k)
			}
			if tt.code != "" {
				assert.Equal(t, tt.code, errorCode(t, rec))
			}
			if tt.method == "HEAD" {
				assert.Zero(t, rec.Body.Len())
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func manifestWithConfig(d digest.Digest) []byte {
	b, _ := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: d, Size: 2},
		Layers: []ocispec.Descriptor{},
	})
	return b
}

func TestHandlerChunkedUpload(t *testing.T) {
	reg := memory.New()
	h := reg.Handler()
	blob := []byte("chunk one, chunk two")
	d := digest.FromBytes(blob)

	start := do(h, "POST", "/v2/team/app/blobs/uploads/", nil, nil)
	require.Equal(t, http.StatusAccepted, start.Code)
	loc := start.Header().Get("Location")
	require.NotEmpty(t, loc)

	first := do(h, "PATCH", loc, blob[:10], map[string]string{"Content-Range": "0-9"})
	require.Equal(t, http.StatusAccepted, first.Code, first.Body.String())
	assert.Equal(t, "0-9", first.Header().Get("Range"))

	wrong := do(h, "PATCH", loc, blob[10:], map[string]string{"Content-Range": "5-14"})
	assert.Equal(t, http.StatusRequestedRangeNotSatisfiable, wrong.Code)
	bad := do(h, "PATCH", loc, blob[10:], map[string]string{"Content-Range": "x"})
	assert.Equal(t, http.StatusRequestedRangeNotSatisfiable, bad.Code)

	status := do(h, "GET", loc, nil, nil)
	assert.Equal(t, http.StatusNoContent, status.Code)
	assert.Equal(t, "0-9", status.Header().Get("Range"))

	mismatch := do(h, "PUT", loc+"?digest="+digest.FromString("x").String(), blob[10:], nil)
	assert.Equal(t, http.StatusBadRequest, mismatch.Code)
	assert.Equal(t, "DIGEST_INVALID", errorCode(t, mismatch))
	noDigest := do(h, "PUT", loc, nil, nil)
	assert.Equal(t, http.StatusBadRequest, noDigest.Code)

	done := do(h, "PUT", loc+"?digest="+d.String(), blob[10:], nil)
	require.Equal(t, http.StatusCreated, done.Code, done.Body.String())
	assert.Equal(t, d.String(), done.Header().Get("Docker-Content-Digest"))

	get := do(h, "GET", "/v2/team/app/blobs/"+d.String(), nil, nil)
	require.Equal(t, http.StatusOK, get.Code)
	assert.Equal(t, blob, get.Body.Bytes())
	assert.Equal(t, http.StatusNotFound, do(h, "GET", loc, nil, nil).Code, "session closed")

	cancel := do(h, "POST", "/v2/team/app/blobs/uploads/", nil, nil)
	assert.Equal(t, http.StatusNoContent, do(h, "DELETE", cancel.Header().Get("Location"), nil, nil).Code)
	assert.Equal(t, http.StatusNotFound, do(h, "DELETE", cancel.Header().Get("Location"), nil, nil).Code)

	assert.Equal(t, http.StatusAccepted, do(h, "DELETE", "/v2/team/app/blobs/"+d.String(), nil, nil).Code)
	assert.Equal(t, http.StatusNotFound, do(h, "HEAD", "/v2/team/app/blobs/"+d.String(), nil, nil).Code)
}

func TestHandlerTagListPaging(t *testing.T) {
	reg := memory.New()
	_, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"a", "b", "c"}})
	require.NoError(t, err)
	h := reg.Handler()
	tests := []struct {
		target string
		tags   []string
		link   string
	}{
		{"/v2/team/app/tags/list", []string{"a", "b", "c"}, ""},
		{"/v2/team/app/tags/list?n=2", []string{"a", "b"}, `</v2/team/app/tags/list?last=b&n=2>; rel="next"`},
		{"/v2/team/app/tags/list?n=2&last=b", []string{"c"}, ""},
		{"/v2/team/app/tags/list?last=a", []string{"b", "c"}, ""},
		{"/v2/team/app/tags/list?n=0", []string{}, ""},
		{"/v2/team/app/tags/list?last=zzz", []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := do(h, "GET", tt.target, nil, nil)
			require.Equal(t, http.StatusOK, rec.Code)
			var body struct {
				Name string
				Tags []string
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, "team/app", body.Name)
			assert.Equal(t, tt.tags, body.Tags)
			assert.Equal(t, tt.link, rec.Header().Get("Link"))
		})
	}
}

func TestHandlerFaultStatuses(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{promote.ErrUnauthorized, 401, "UNAUTHORIZED"},
		{promote.ErrDenied, 403, "DENIED"},
		{promote.ErrNotFound, 404, "MANIFEST_UNKNOWN"},
		{&promote.RateLimitError{RetryAfter: 1500e6}, 429, "TOOMANYREQUESTS"},
		{promote.ErrUnsupported, 405, "UNSUPPORTED"},
		{promote.ErrPreconditionFailed, 412, "PRECONDITION"},
		{promote.ErrTagImmutable, 400, "TAG_INVALID"},
		{errors.New("disk on fire"), 500, "UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			reg := memory.New()
			_, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0"}})
			require.NoError(t, err)
			reg.InjectFault(memory.Fault{Op: memory.OpFetch, Repository: "team/app", Err: tt.err})
			rec := do(reg.Handler(), "GET", "/v2/team/app/manifests/1.0", nil, nil)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.code, errorCode(t, rec))
			if tt.status == 429 {
				assert.Equal(t, "2", rec.Header().Get("Retry-After"))
			}
			assert.Equal(t, http.StatusOK, do(reg.Handler(), "HEAD", "/v2/team/app/manifests/1.0", nil, nil).Code, "other operations unaffected")
		})
	}
}

func TestHandlerReferrers(t *testing.T) {
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0"}})
	require.NoError(t, err)
	h := reg.Handler()
	empty := []byte("{}")
	emptyDigest := digest.FromBytes(empty)
	require.Equal(t, http.StatusCreated, do(h, "POST", "/v2/team/app/blobs/uploads/?digest="+emptyDigest.String(), empty, nil).Code)

	push := func(artifactType string) digest.Digest {
		subject := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: ds[0], Size: 1}
		body, err := json.Marshal(ocispec.Manifest{
			Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
			ArtifactType: artifactType,
			Config:       ocispec.Descriptor{MediaType: ocispec.MediaTypeEmptyJSON, Digest: emptyDigest, Size: 2},
			Layers:       []ocispec.Descriptor{},
			Subject:      &subject,
			Annotations:  map[string]string{"kind": artifactType},
		})
		require.NoError(t, err)
		d := digest.FromBytes(body)
		rec := do(h, "PUT", "/v2/team/app/manifests/"+d.String(), body, map[string]string{"Content-Type": ocispec.MediaTypeImageManifest})
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		assert.Equal(t, ds[0].String(), rec.Header().Get("OCI-Subject"))
		return d
	}
	sbom := push("application/spdx+json")
	sig := push("application/vnd.dev.sigstore.bundle+json")

	tests := []struct {
		query    string
		want     []digest.Digest
		filtered bool
	}{
		{"", []digest.Digest{sbom, sig}, false},
		{"?artifactType=application/spdx%2Bjson", []digest.Digest{sbom}, true},
		{"?artifactType=none", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := do(h, "GET", "/v2/team/app/referrers/"+ds[0].String()+tt.query, nil, nil)
			require.Equal(t, http.StatusOK, rec.Code)
			var idx ocispec.Index
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &idx))
			var got []digest.Digest
			for _, m := range idx.Manifests {
				got = append(got, m.Digest)
				assert.NotEmpty(t, m.Annotations["kind"])
			}
			assert.ElementsMatch(t, tt.want, got)
			assert.Equal(t, tt.filtered, rec.Header().Get("OCI-Filters-Applied") == "artifactType")
		})
	}
}

func TestHandlerUploadAndDigestEdgeCases(t *testing.T) {
	reg := memory.New()
	h := reg.Handler()
	start := do(h, "POST", "/v2/team/app/blobs/uploads", nil, nil)
	require.Equal(t, http.StatusAccepted, start.Code)
	loc := start.Header().Get("Location")
	short := do(h, "PATCH", loc, []byte("abc"), map[string]string{"Content-Range": "0-9"})
	assert.Equal(t, http.StatusRequestedRangeNotSatisfiable, short.Code, "range longer than the chunk")
	assert.Equal(t, "BLOB_UPLOAD_INVALID", errorCode(t, short))
	other := do(h, "PATCH", "/v2/team/other/blobs/uploads/"+strings.TrimPrefix(loc, "/v2/team/app/blobs/uploads/"), []byte("abc"), nil)
	assert.Equal(t, http.StatusNotFound, other.Code, "a session belongs to its repository")

	sha512 := "sha512:" + strings.Repeat("a", 128)
	rec := do(h, "PUT", "/v2/team/app/manifests/"+sha512, []byte("{}"), map[string]string{"Content-Type": ocispec.MediaTypeImageManifest})
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "DIGEST_INVALID", errorCode(t, rec))
}

func TestTagListOfAnUntaggedRepositoryIsEmptyNotNull(t *testing.T) {
	reg := memory.New()
	_, err := reg.Seed(memory.Image{Repository: "team/untagged"})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/team/untagged/tags/list", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"name":"team/untagged","tags":[]}`, rec.Body.String())
}
