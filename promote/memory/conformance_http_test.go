package memory_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote/memory"
)

func TestHandlerReferrersOfMissingRepositoryIsAnEmptyIndex(t *testing.T) {
	h := memory.New().Handler()
	d := digest.FromString("subject")
	for _, method := range []string{"GET", "HEAD"} {
		t.Run(method, func(t *testing.T) {
			rec := do(h, method, "/v2/team/none/referrers/"+d.String(), nil, nil)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, ocispec.MediaTypeImageIndex, rec.Header().Get("Content-Type"))
			if method == "GET" {
				assert.JSONEq(t, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`, rec.Body.String())
			}
		})
	}
	bad := do(h, "GET", "/v2/team/none/referrers/sha256:abc", nil, nil)
	assert.Equal(t, http.StatusBadRequest, bad.Code, "a malformed digest is still refused")
}

func TestHandlerUploadRangeErrorsSayWhereTheSessionStands(t *testing.T) {
	blob := []byte("0123456789abcdefghij")
	d := digest.FromBytes(blob)
	tests := []struct {
		name   string
		method string
		body   []byte
		query  string
		header map[string]string
	}{
		{"patch out of order", "PATCH", blob[10:], "", map[string]string{"Content-Range": "12-21"}},
		{"patch overlapping", "PATCH", blob[5:], "", map[string]string{"Content-Range": "5-19"}},
		{"patch malformed", "PATCH", blob[10:], "", map[string]string{"Content-Range": "ten-nineteen"}},
		{"patch range longer than chunk", "PATCH", blob[10:], "", map[string]string{"Content-Range": "10-29"}},
		{"put out of order", "PUT", blob[10:], "?digest=" + d.String(), map[string]string{"Content-Range": "11-20"}},
		{"put malformed", "PUT", blob[10:], "?digest=" + d.String(), map[string]string{"Content-Range": "x"}},
		{"put range shorter than chunk", "PUT", blob[10:], "?digest=" + d.String(), map[string]string{"Content-Range": "10-12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := memory.New().Handler()
			start := do(h, "POST", "/v2/team/app/blobs/uploads/", nil, nil)
			require.Equal(t, http.StatusAccepted, start.Code)
			loc := start.Header().Get("Location")
			first := do(h, "PATCH", loc, blob[:10], map[string]string{"Content-Range": "0-9"})
			require.Equal(t, http.StatusAccepted, first.Code, first.Body.String())

			rec := do(h, tt.method, loc+tt.query, tt.body, tt.header)
			require.Equal(t, http.StatusRequestedRangeNotSatisfiable, rec.Code, rec.Body.String())
			assert.Equal(t, "BLOB_UPLOAD_INVALID", errorCode(t, rec))
			assert.Equal(t, loc, rec.Header().Get("Location"))
			assert.Equal(t, "0-9", rec.Header().Get("Range"), "the refused chunk left the session as it was")

			// The client resumes where the 416 said.
			done := do(h, "PUT", loc+"?digest="+d.String(), blob[10:], map[string]string{"Content-Range": "10-19"})
			require.Equal(t, http.StatusCreated, done.Code, done.Body.String())
			get := do(h, "GET", "/v2/team/app/blobs/"+d.String(), nil, nil)
			require.Equal(t, http.StatusOK, get.Code)
			assert.Equal(t, blob, get.Body.Bytes())
		})
	}
}

// imageManifest returns an image manifest with config cfg and layers.
func imageManifest(t *testing.T, cfg ocispec.Descriptor, layers ...ocispec.Descriptor) []byte {
	t.Helper()
	if layers == nil {
		layers = []ocispec.Descriptor{}
	}
	b, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: cfg, Layers: layers,
	})
	require.NoError(t, err)
	return b
}

// pushBlob uploads data monolithically and returns its descriptor.
func pushBlob(t *testing.T, h http.Handler, repo, mediaType string, data []byte, alg digest.Algorithm) ocispec.Descriptor {
	t.Helper()
	d := alg.FromBytes(data)
	rec := do(h, "POST", "/v2/"+repo+"/blobs/uploads/?digest="+d.String(), data, nil)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

func TestHandlerNonDistributableLayersNeedNotBePushed(t *testing.T) {
	h := memory.New().Handler()
	cfg := pushBlob(t, h, "team/win", ocispec.MediaTypeImageConfig, []byte(`{"os":"windows"}`), digest.SHA256)
	pushed := pushBlob(t, h, "team/win", ocispec.MediaTypeImageLayer, []byte("pushed layer"), digest.SHA256)
	foreign := ocispec.Descriptor{
		MediaType: ocispec.MediaTypeImageLayerNonDistributableGzip, //nolint:staticcheck // the type under test
		Digest:    digest.FromString("base layer served elsewhere"), Size: 123456,
		URLs: []string{"https://store.example/blobs/base"},
	}
	missing := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromString("never pushed"), Size: 3}
	badURLLayer := foreign
	badURLLayer.Digest = "sha256:short"
	tests := []struct {
		name   string
		body   []byte
		status int
		code   string
	}{
		{"foreign layer absent", imageManifest(t, cfg, foreign, pushed), http.StatusCreated, ""},
		{"only foreign layers", imageManifest(t, cfg, foreign), http.StatusCreated, ""},
		{"ordinary layer absent", imageManifest(t, cfg, foreign, missing), http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN"},
		{"foreign layer with a malformed digest", imageManifest(t, cfg, badURLLayer), http.StatusBadRequest, "MANIFEST_INVALID"},
		{"config absent though it has urls", imageManifest(t, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromString("cfg"), Size: 3, URLs: []string{"https://x"}}), http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(h, "PUT", "/v2/team/win/manifests/ltsc", tt.body, map[string]string{"Content-Type": ocispec.MediaTypeImageManifest})
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.code != "" {
				assert.Equal(t, tt.code, errorCode(t, rec))
				return
			}
			got := do(h, "GET", "/v2/team/win/manifests/ltsc", nil, nil)
			require.Equal(t, http.StatusOK, got.Code)
			assert.Equal(t, tt.body, got.Body.Bytes())
		})
	}
}

func TestHandlerManifestsKeepTheDigestAlgorithmOfThePush(t *testing.T) {
	reg := memory.New()
	h := reg.Handler()
	cfg := pushBlob(t, h, "team/app", ocispec.MediaTypeImageConfig, []byte(`{"os":"linux"}`), digest.SHA512)
	layer := pushBlob(t, h, "team/app", ocispec.MediaTypeImageLayer, []byte("layer"), digest.SHA512)
	body := imageManifest(t, cfg, layer)
	d512, d256 := digest.SHA512.FromBytes(body), digest.SHA256.FromBytes(body)
	ct := map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}

	put := do(h, "PUT", "/v2/team/app/manifests/"+d512.String(), body, ct)
	require.Equal(t, http.StatusCreated, put.Code, put.Body.String())
	assert.Equal(t, d512.String(), put.Header().Get("Docker-Content-Digest"))
	assert.Equal(t, "/v2/team/app/manifests/"+d512.String(), put.Header().Get("Location"))

	tests := []struct {
		name   string
		method string
		target string
		status int
		digest string
	}{
		{"get by sha512", "GET", "/v2/team/app/manifests/" + d512.String(), http.StatusOK, d512.String()},
		{"head by sha512", "HEAD", "/v2/team/app/manifests/" + d512.String(), http.StatusOK, d512.String()},
		{"not under sha256", "GET", "/v2/team/app/manifests/" + d256.String(), http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(h, tt.method, tt.target, nil, nil)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.digest != "" {
				assert.Equal(t, tt.digest, rec.Header().Get("Docker-Content-Digest"))
				assert.Equal(t, ocispec.MediaTypeImageManifest, rec.Header().Get("Content-Type"))
			}
			if tt.method == "GET" && tt.status == http.StatusOK {
				assert.Equal(t, body, rec.Body.Bytes())
			}
		})
	}

	wrong := do(h, "PUT", "/v2/team/app/manifests/"+digest.SHA512.FromString("other").String(), body, ct)
	assert.Equal(t, http.StatusBadRequest, wrong.Code)
	assert.Equal(t, "DIGEST_INVALID", errorCode(t, wrong))

	byTag := do(h, "PUT", "/v2/team/app/manifests/v1", body, ct)
	require.Equal(t, http.StatusCreated, byTag.Code)
	assert.Equal(t, d256.String(), byTag.Header().Get("Docker-Content-Digest"), "pushed by tag: sha256")

	// A sha512 delete removes the sha512 entry only.
	assert.Equal(t, http.StatusAccepted, do(h, "DELETE", "/v2/team/app/manifests/"+d512.String(), nil, nil).Code)
	assert.Equal(t, http.StatusNotFound, do(h, "HEAD", "/v2/team/app/manifests/"+d512.String(), nil, nil).Code)
	assert.Equal(t, http.StatusOK, do(h, "HEAD", "/v2/team/app/manifests/v1", nil, nil).Code)
}

func TestHandlerSHA512PushLeavesTheSHA256EntryOfTheSameBytesAlone(t *testing.T) {
	h := memory.New().Handler()
	cfg := pushBlob(t, h, "team/app", ocispec.MediaTypeImageConfig, []byte(`{"os":"linux"}`), digest.SHA256)
	body := imageManifest(t, cfg)
	d256, d512 := digest.SHA256.FromBytes(body), digest.SHA512.FromBytes(body)
	ct := map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}
	require.Equal(t, http.StatusCreated, do(h, "PUT", "/v2/team/app/manifests/v1", body, ct).Code)
	put := do(h, "PUT", "/v2/team/app/manifests/"+d512.String(), body, ct)
	require.Equal(t, http.StatusCreated, put.Code, put.Body.String())
	assert.Equal(t, d512.String(), put.Header().Get("Docker-Content-Digest"))

	tests := []struct{ target, digest string }{
		{"/v2/team/app/manifests/v1", d256.String()},
		{"/v2/team/app/manifests/" + d256.String(), d256.String()},
		{"/v2/team/app/manifests/" + d512.String(), d512.String()},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := do(h, "HEAD", tt.target, nil, nil)
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tt.digest, rec.Header().Get("Docker-Content-Digest"))
		})
	}
}

func TestHandlerCatalog(t *testing.T) {
	reg := memory.New()
	for _, repo := range []string{"b/app", "a/app", "c/app", "a/tool"} {
		_, err := reg.Seed(memory.Image{Repository: repo, Tags: []string{"1"}})
		require.NoError(t, err)
	}
	h := reg.Handler()
	// Blobs alone do not make a repository.
	pushBlob(t, h, "z/blobs-only", "application/octet-stream", []byte("x"), digest.SHA256)

	tests := []struct {
		target string
		status int
		repos  []string
		link   string
	}{
		{"/v2/_catalog", 200, []string{"a/app", "a/tool", "b/app", "c/app"}, ""},
		{"/v2/_catalog?n=2", 200, []string{"a/app", "a/tool"}, `</v2/_catalog?last=a%2Ftool&n=2>; rel="next"`},
		{"/v2/_catalog?n=2&last=a%2Ftool", 200, []string{"b/app", "c/app"}, ""},
		{"/v2/_catalog?n=3&last=a/app", 200, []string{"a/tool", "b/app", "c/app"}, ""},
		{"/v2/_catalog?last=b", 200, []string{"b/app", "c/app"}, ""},
		{"/v2/_catalog?n=0", 200, []string{}, ""},
		{"/v2/_catalog?last=zzz", 200, []string{}, ""},
		{"/v2/_catalog?n=x", 400, nil, ""},
		{"/v2/_catalog?n=-2", 400, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := do(h, "GET", tt.target, nil, nil)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status != 200 {
				assert.Equal(t, "PAGINATION_NUMBER_INVALID", errorCode(t, rec))
				return
			}
			var body struct {
				Repositories []string `json:"repositories"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, tt.repos, body.Repositories)
			assert.NotNil(t, body.Repositories, "an empty list, never null")
			assert.Equal(t, tt.link, rec.Header().Get("Link"))
		})
	}
	assert.Equal(t, http.StatusMethodNotAllowed, do(h, "POST", "/v2/_catalog", nil, nil).Code)

	reg.InjectFault(memory.Fault{Op: memory.OpCatalog, Times: 1, Err: errDisk})
	assert.Equal(t, http.StatusInternalServerError, do(h, "GET", "/v2/_catalog", nil, nil).Code)
	listed := 1 // the faulted GET
	for _, tt := range tests {
		if tt.status == 200 {
			listed++
		}
	}
	assert.Equal(t, listed, reg.Calls(memory.OpCatalog), "every listing counted, refused requests not")
}

var errDisk = errors.New("disk on fire")

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestUploadSessionsExpireWhenIdle(t *testing.T) {
	reg := memory.New()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	reg.SetClock(clock.now)
	require.NoError(t, reg.SetUploadLimits(memory.UploadLimits{IdleTimeout: time.Minute}))
	h := reg.Handler()
	open := func() string {
		rec := do(h, "POST", "/v2/team/app/blobs/uploads/", nil, nil)
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		return rec.Header().Get("Location")
	}
	tests := []struct {
		name   string
		idle   time.Duration
		status int
	}{
		{"just used", 0, http.StatusNoContent},
		{"idle a little", 59 * time.Second, http.StatusNoContent},
		{"idle exactly the timeout", time.Minute, http.StatusNotFound},
		{"idle longer", time.Hour, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := open()
			require.Equal(t, http.StatusAccepted, do(h, "PATCH", loc, []byte("abc"), nil).Code)
			clock.t = clock.t.Add(tt.idle)
			rec := do(h, "GET", loc, nil, nil)
			assert.Equal(t, tt.status, rec.Code)
			if tt.status == http.StatusNotFound {
				assert.Equal(t, "BLOB_UPLOAD_UNKNOWN", errorCode(t, rec))
				assert.Equal(t, http.StatusNotFound, do(h, "PATCH", loc, []byte("d"), nil).Code, "an expired session takes no more chunks")
			}
		})
	}

	// Every request resets the idle time.
	loc := open()
	for range 3 {
		clock.t = clock.t.Add(50 * time.Second)
		require.Equal(t, http.StatusAccepted, do(h, "PATCH", loc, []byte("x"), nil).Code)
	}
	assert.Equal(t, http.StatusNoContent, do(h, "GET", loc, nil, nil).Code)
}

func TestUploadLimits(t *testing.T) {
	small := memory.UploadLimits{MaxBlobSize: 16, MaxSessions: 2, MaxSessionBytes: 40, IdleTimeout: time.Minute}
	blob17 := []byte(strings.Repeat("x", 17))
	tests := []struct {
		name   string
		steps  func(t *testing.T, h http.Handler) int // returns the status of the last request
		status int
		code   string
	}{
		{"monolithic over the blob limit", func(t *testing.T, h http.Handler) int {
			return do(h, "POST", "/v2/a/b/blobs/uploads/?digest="+digest.FromBytes(blob17).String(), blob17, nil).Code
		}, http.StatusRequestEntityTooLarge, "SIZE_INVALID"},
		{"chunks over the blob limit", func(t *testing.T, h http.Handler) int {
			loc := do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil).Header().Get("Location")
			require.Equal(t, http.StatusAccepted, do(h, "PATCH", loc, blob17[:10], nil).Code)
			return do(h, "PATCH", loc, blob17[10:], nil).Code
		}, http.StatusRequestEntityTooLarge, "SIZE_INVALID"},
		{"final chunk over the blob limit", func(t *testing.T, h http.Handler) int {
			loc := do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil).Header().Get("Location")
			require.Equal(t, http.StatusAccepted, do(h, "PATCH", loc, blob17[:10], nil).Code)
			return do(h, "PUT", loc+"?digest="+digest.FromBytes(blob17).String(), blob17[10:], nil).Code
		}, http.StatusRequestEntityTooLarge, "SIZE_INVALID"},
		{"too many sessions", func(t *testing.T, h http.Handler) int {
			do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil)
			do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil)
			return do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil).Code
		}, http.StatusTooManyRequests, "TOOMANYREQUESTS"},
		{"sessions hold too many bytes together", func(t *testing.T, h http.Handler) int {
			one := do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil).Header().Get("Location")
			two := do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil).Header().Get("Location")
			require.Equal(t, http.StatusAccepted, do(h, "PATCH", one, blob17[:16], nil).Code)
			require.Equal(t, http.StatusAccepted, do(h, "PATCH", two, blob17[:16], nil).Code)
			// A third, monolithic, upload would bring the total to 48.
			return do(h, "POST", "/v2/a/b/blobs/uploads/?digest="+digest.FromBytes(blob17[:16]).String(), blob17[:16], nil).Code
		}, http.StatusTooManyRequests, "TOOMANYREQUESTS"},
		{"cancelling frees a session", func(t *testing.T, h http.Handler) int {
			one := do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil).Header().Get("Location")
			do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil)
			require.Equal(t, http.StatusNoContent, do(h, "DELETE", one, nil, nil).Code)
			return do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil).Code
		}, http.StatusAccepted, ""},
		{"completing frees bytes", func(t *testing.T, h http.Handler) int {
			for range 4 {
				loc := do(h, "POST", "/v2/a/b/blobs/uploads/", nil, nil).Header().Get("Location")
				require.Equal(t, http.StatusCreated, do(h, "PUT", loc+"?digest="+digest.FromBytes(blob17[:16]).String(), blob17[:16], nil).Code)
			}
			return do(h, "POST", "/v2/a/b/blobs/uploads/?digest="+digest.FromBytes(blob17[:16]).String(), blob17[:16], nil).Code
		}, http.StatusCreated, ""},
		{"a refused digest frees the monolithic bytes", func(t *testing.T, h http.Handler) int {
			for range 4 {
				require.Equal(t, http.StatusBadRequest, do(h, "POST", "/v2/a/b/blobs/uploads/?digest="+digest.FromString("no").String(), blob17[:16], nil).Code)
			}
			return do(h, "POST", "/v2/a/b/blobs/uploads/?digest="+digest.FromBytes(blob17[:16]).String(), blob17[:16], nil).Code
		}, http.StatusCreated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := memory.New()
			require.NoError(t, reg.SetUploadLimits(small))
			rec := tt.steps(t, reg.Handler())
			assert.Equal(t, tt.status, rec)
		})
	}
}

func TestUploadLimitsLastRequestError(t *testing.T) {
	reg := memory.New()
	require.NoError(t, reg.SetUploadLimits(memory.UploadLimits{MaxBlobSize: 4, MaxSessionBytes: 8}))
	rec := do(reg.Handler(), "POST", "/v2/a/b/blobs/uploads/?digest="+digest.FromString("hello").String(), []byte("hello"), nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Equal(t, "SIZE_INVALID", errorCode(t, rec))
	assert.Contains(t, rec.Body.String(), "MaxBlobSize", "the message names the setting to raise")
}

func TestSetUploadLimits(t *testing.T) {
	def := memory.DefaultUploadLimits()
	tests := []struct {
		name string
		in   memory.UploadLimits
		want memory.UploadLimits
		err  string
	}{
		{"zero is the defaults", memory.UploadLimits{}, def, ""},
		{"one field", memory.UploadLimits{MaxSessions: 3}, memory.UploadLimits{MaxBlobSize: def.MaxBlobSize, MaxSessions: 3, MaxSessionBytes: def.MaxSessionBytes, IdleTimeout: def.IdleTimeout}, ""},
		{"all fields", memory.UploadLimits{MaxBlobSize: 1, MaxSessions: 2, MaxSessionBytes: 3, IdleTimeout: time.Second}, memory.UploadLimits{MaxBlobSize: 1, MaxSessions: 2, MaxSessionBytes: 3, IdleTimeout: time.Second}, ""},
		{"negative size", memory.UploadLimits{MaxBlobSize: -1}, def, "negative"},
		{"negative sessions", memory.UploadLimits{MaxSessions: -1}, def, "negative"},
		{"negative idle", memory.UploadLimits{IdleTimeout: -time.Second}, def, "negative"},
		{"session bytes below blob size", memory.UploadLimits{MaxBlobSize: 10, MaxSessionBytes: 9}, def, "below MaxBlobSize"},
		{"blob size above the default session bytes", memory.UploadLimits{MaxBlobSize: def.MaxSessionBytes + 1}, def, "below MaxBlobSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := memory.New()
			err := reg.SetUploadLimits(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, reg.UploadLimits(), "a refused call leaves the limits as they were")
		})
	}
	assert.GreaterOrEqual(t, def.MaxBlobSize, int64(4<<30), "the default fits layers of several GiB")
}

func TestUploadSessionIDsAreUnguessable(t *testing.T) {
	h := memory.New().Handler()
	seen := map[string]bool{}
	for range 50 {
		rec := do(h, "POST", "/v2/team/app/blobs/uploads/", nil, nil)
		require.Equal(t, http.StatusAccepted, rec.Code)
		id := rec.Header().Get("Docker-Upload-UUID")
		assert.Equal(t, "/v2/team/app/blobs/uploads/"+id, rec.Header().Get("Location"))
		assert.GreaterOrEqual(t, len(id), 26, "at least 128 random bits")
		assert.NotContains(t, id, "upload-")
		assert.False(t, seen[id], "ids are never reused")
		seen[id] = true
	}
	// Guessing the old sequential names finds nothing.
	for _, guess := range []string{"upload-1", "upload-2", "1", "0"} {
		assert.Equal(t, http.StatusNotFound, do(h, "DELETE", "/v2/team/app/blobs/uploads/"+guess, nil, nil).Code, guess)
	}
}

func TestHandlerMonolithicUploadIgnoresContentRange(t *testing.T) {
	h := memory.New().Handler()
	blob := []byte("whole blob")
	d := digest.FromBytes(blob)
	for _, cr := range []string{"", "0-9", "5-14", "nonsense"} {
		t.Run(cr, func(t *testing.T) {
			rec := do(h, "POST", "/v2/team/app/blobs/uploads/?digest="+d.String(), blob, map[string]string{"Content-Range": cr})
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		})
	}
}

func TestHandlerMount(t *testing.T) {
	reg := memory.New()
	h := reg.Handler()
	blob := pushBlob(t, h, "team/src", ocispec.MediaTypeImageLayer, []byte("shared layer"), digest.SHA256)
	absent := digest.FromString("absent")
	tests := []struct {
		name   string
		query  string
		status int
	}{
		{"from a repository holding it", "mount=" + blob.Digest.String() + "&from=team/src", http.StatusCreated},
		{"anonymous, found elsewhere", "mount=" + blob.Digest.String(), http.StatusCreated},
		{"anonymous, held nowhere", "mount=" + absent.String(), http.StatusAccepted},
		{"from a repository without it", "mount=" + blob.Digest.String() + "&from=team/none", http.StatusAccepted},
		{"from an invalid name", "mount=" + blob.Digest.String() + "&from=Team", http.StatusAccepted},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := "team/dst" + strconv.Itoa(i)
			rec := do(h, "POST", "/v2/"+repo+"/blobs/uploads/?"+tt.query, nil, nil)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			get := do(h, "GET", "/v2/"+repo+"/blobs/"+blob.Digest.String(), nil, nil)
			if tt.status == http.StatusCreated {
				assert.Equal(t, "/v2/"+repo+"/blobs/"+blob.Digest.String(), rec.Header().Get("Location"))
				require.Equal(t, http.StatusOK, get.Code)
				assert.Equal(t, "shared layer", get.Body.String())
			} else {
				assert.NotEqual(t, http.StatusOK, get.Code, "nothing mounted")
				assert.Contains(t, rec.Header().Get("Location"), "/v2/"+repo+"/blobs/uploads/", "an upload session instead")
			}
		})
	}
}
