package memory_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"
	orasmemory "oras.land/oras-go/v2/content/memory"

	"github.com/imagetags/imagetags/promote/memory"
)

// The benchmarks below store an 8 MiB blob: through the handler, as a
// chunked upload (8 PATCHes of 1 MiB and a PUT) and as one monolithic
// POST, and, side by side, with oras-go's in-memory store's Push, which
// reads the blob whole. B/op shows how many copies of the blob each holds:
// one is 8.4 MB.

const benchBlobSize = 8 << 20

func benchBlob() ([]byte, digest.Digest) {
	blob := bytes.Repeat([]byte("0123456789abcdef"), benchBlobSize/16)
	return blob, digest.FromBytes(blob)
}

// uploadRequest sends one request with a known Content-Length and fails the
// benchmark on an unexpected status.
func uploadRequest(b *testing.B, h http.Handler, method, target string, body []byte, contentRange string, want int) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentRange != "" {
		req.Header.Set("Content-Range", contentRange)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: status %d, want %d: %s", method, target, rec.Code, want, rec.Body.String())
	}
	return rec
}

func BenchmarkUploadChunked(b *testing.B) {
	blob, d := benchBlob()
	const chunk = 1 << 20
	b.ReportAllocs()
	b.SetBytes(benchBlobSize)
	for b.Loop() {
		h := memory.New().Handler()
		loc := uploadRequest(b, h, "POST", "/v2/team/app/blobs/uploads/", nil, "", http.StatusAccepted).Header().Get("Location")
		for off := 0; off < len(blob)-chunk; off += chunk {
			uploadRequest(b, h, "PATCH", loc, blob[off:off+chunk], strconv.Itoa(off)+"-"+strconv.Itoa(off+chunk-1), http.StatusAccepted)
		}
		last := len(blob) - chunk
		uploadRequest(b, h, "PUT", loc+"?digest="+d.String(), blob[last:], strconv.Itoa(last)+"-"+strconv.Itoa(len(blob)-1), http.StatusCreated)
	}
}

func BenchmarkUploadMonolithic(b *testing.B) {
	blob, d := benchBlob()
	b.ReportAllocs()
	b.SetBytes(benchBlobSize)
	for b.Loop() {
		h := memory.New().Handler()
		uploadRequest(b, h, "POST", "/v2/team/app/blobs/uploads/?digest="+d.String(), blob, "", http.StatusCreated)
	}
}

func BenchmarkUploadPeerORASMemoryPush(b *testing.B) {
	blob, d := benchBlob()
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: int64(len(blob))}
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(benchBlobSize)
	for b.Loop() {
		store := orasmemory.New()
		require.NoError(b, store.Push(ctx, desc, io.NopCloser(bytes.NewReader(blob))))
	}
}
