package memory_test

import (
	"net/http"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote/memory"
)

// TestPutOfAStoredManifestIsCheckedAgain pushes the same bytes a second
// time: the registry may reuse what it parsed, but must still refuse the
// push when the media type disagrees or the content it points at is gone.
func TestPutOfAStoredManifestIsCheckedAgain(t *testing.T) {
	cfg := []byte("{}")
	cfgDigest := digest.FromBytes(cfg)
	body := manifestWithConfig(cfgDigest)
	tests := []struct {
		name      string
		setup     func(t *testing.T, h http.Handler)
		mediaType string
		wantCode  int
		wantError string
	}{
		{"same media type", nil, ocispec.MediaTypeImageManifest, http.StatusCreated, ""},
		{"media type from the body", nil, "", http.StatusCreated, ""},
		{"another media type", nil, ocispec.MediaTypeImageIndex, http.StatusBadRequest, "MANIFEST_INVALID"},
		{"config deleted since", func(t *testing.T, h http.Handler) {
			rec := do(h, http.MethodDelete, "/v2/team/app/blobs/"+cfgDigest.String(), nil, nil)
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		}, ocispec.MediaTypeImageManifest, http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := memory.New().Handler()
			rec := do(h, http.MethodPost, "/v2/team/app/blobs/uploads/?digest="+cfgDigest.String(), cfg, nil)
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			rec = do(h, http.MethodPut, "/v2/team/app/manifests/1.0", body, map[string]string{"Content-Type": ocispec.MediaTypeImageManifest})
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			if tt.setup != nil {
				tt.setup(t, h)
			}
			rec = do(h, http.MethodPut, "/v2/team/app/manifests/2.0", body, map[string]string{"Content-Type": tt.mediaType})
			assert.Equal(t, tt.wantCode, rec.Code, rec.Body.String())
			if tt.wantError != "" {
				assert.Equal(t, tt.wantError, errorCode(t, rec))
				return
			}
			assert.Equal(t, digest.FromBytes(body).String(), rec.Header().Get("Docker-Content-Digest"))
			rec = do(h, http.MethodGet, "/v2/team/app/manifests/2.0", nil, nil)
			assert.Equal(t, body, rec.Body.Bytes())
		})
	}
}
