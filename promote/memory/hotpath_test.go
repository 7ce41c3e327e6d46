package memory

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/reference"
)

// wantMediaType is what the handler used before the fast path.
func wantMediaType(h string) string {
	mt, _, _ := mime.ParseMediaType(h)
	return mt
}

var mediaTypeSeeds = []string{
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json; charset=utf-8",
	"Application/JSON",
	" application/json ",
	"application/",
	"/json",
	"application",
	"",
	"a/b/c",
	"text/plain;",
	"application/vnd.oci.image.index.v1+json\x00",
}

func TestContentMediaTypeMatchesMime(t *testing.T) {
	for _, h := range mediaTypeSeeds {
		assert.Equal(t, wantMediaType(h), contentMediaType(h), "%q", h)
	}
}

func FuzzContentMediaType(f *testing.F) {
	for _, h := range mediaTypeSeeds {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if got, want := contentMediaType(h), wantMediaType(h); got != want {
			t.Fatalf("contentMediaType(%q) = %q, mime.ParseMediaType gives %q", h, got, want)
		}
	})
}

func TestReadManifestBody(t *testing.T) {
	tests := []struct {
		name          string
		body          string
		contentLength int64
		limit         int64
		want          string
		wantErr       string
	}{
		{"stated length", "hello", 5, 10, "hello", ""},
		{"unknown length", "hello", -1, 10, "hello", ""},
		{"longer than stated", "hello!", 5, 10, "", "longer than its Content-Length"},
		{"shorter than stated", "hell", 5, 10, "", "unexpected EOF"},
		{"stated beyond the limit", "hello", 5, 4, "", "too large"},
		{"unknown length beyond the limit", "hello", -1, 4, "", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPut, "/", strings.NewReader(tt.body))
			req.ContentLength = tt.contentLength
			got, err := readManifestBody(httptest.NewRecorder(), req, tt.limit)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestAPIVersionHeaderKeyIsCanonical(t *testing.T) {
	rec := httptest.NewRecorder()
	New().Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/", nil))
	assert.Equal(t, "registry/2.0", rec.Header().Get("Docker-Distribution-API-Version"))
	assert.Len(t, rec.Header().Values("Docker-Distribution-API-Version"), 1)
}

func FuzzValidDigest(f *testing.F) {
	for _, d := range []string{
		"sha256:" + strings.Repeat("a", 64),
		"sha256:" + strings.Repeat("A", 64),
		"sha256:" + strings.Repeat("a", 63),
		"sha512:" + strings.Repeat("0", 128),
		"sha256:" + strings.Repeat("g", 64),
		"",
	} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, d string) {
		got, want := validDigest(digest.Digest(d)), reference.ValidateDigest(d)
		if (got == nil) != (want == nil) {
			t.Fatalf("validDigest(%q) = %v, reference.ValidateDigest = %v", d, got, want)
		}
	})
}
