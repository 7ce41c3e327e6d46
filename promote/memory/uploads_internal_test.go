package memory

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// send serves one request; length is its Content-Length, -1 for unknown
// (a chunked body, as crane streams layers).
func send(h http.Handler, method, target string, body []byte, length int64, contentRange string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, io.NopCloser(bytes.NewReader(body)))
	req.ContentLength = length
	if contentRange != "" {
		req.Header.Set("Content-Range", contentRange)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestUploadMemoryIsHeldOnceAndReleased(t *testing.T) {
	blob := bytes.Repeat([]byte("layer bytes "), 100_000) // 1.2 MB
	d := digest.FromBytes(blob)
	tests := []struct {
		name  string
		known bool // Content-Length sent
	}{
		{"known lengths", true},
		{"streamed without lengths", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New()
			h := r.Handler()
			length := func(b []byte) int64 {
				if tt.known {
					return int64(len(b))
				}
				return -1
			}
			loc := send(h, "POST", "/v2/team/app/blobs/uploads/", nil, 0, "").Header().Get("Location")
			half := len(blob) / 2
			rec := send(h, "PATCH", loc, blob[:half], length(blob[:half]), "")
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
			r.uploads.mu.Lock()
			held := r.uploads.held
			r.uploads.mu.Unlock()
			assert.Equal(t, int64(half), held, "the bytes received, once, nothing spare")

			rec = send(h, "PUT", loc+"?digest="+d.String(), blob[half:], length(blob[half:]), "")
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			assert.Zero(t, r.uploads.held, "a completed upload holds nothing")
			assert.Empty(t, r.uploads.sessions)
			stored := r.repoLocked("team/app").blobs[d]
			require.Equal(t, blob, stored)
			assert.Equal(t, len(stored), cap(stored), "the stored blob has no spare capacity")
		})
	}
}

func TestUploadBytesReleasedOnEveryEnd(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		end  func(r *Registry, h http.Handler, loc string)
	}{
		{"cancel", func(r *Registry, h http.Handler, loc string) {
			require.Equal(t, http.StatusNoContent, send(h, "DELETE", loc, nil, 0, "").Code)
		}},
		{"expiry found by a request", func(r *Registry, h http.Handler, loc string) {
			clock = clock.Add(time.Hour)
			require.Equal(t, http.StatusNotFound, send(h, "GET", loc, nil, 0, "").Code)
		}},
		{"expiry swept when sessions run out", func(r *Registry, h http.Handler, loc string) {
			clock = clock.Add(time.Hour)
			require.NoError(t, r.SetUploadLimits(UploadLimits{MaxSessions: 1}))
			next := send(h, "POST", "/v2/team/app/blobs/uploads/", nil, 0, "")
			require.Equal(t, http.StatusAccepted, next.Code)
			require.Equal(t, http.StatusNoContent, send(h, "DELETE", next.Header().Get("Location"), nil, 0, "").Code)
		}},
		{"refused chunk", func(r *Registry, h http.Handler, loc string) {
			require.Equal(t, http.StatusRequestedRangeNotSatisfiable, send(h, "PATCH", loc, []byte("abc"), 3, "7-9").Code)
			require.Equal(t, http.StatusNoContent, send(h, "DELETE", loc, nil, 0, "").Code)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New()
			r.SetClock(func() time.Time { return clock })
			h := r.Handler()
			loc := send(h, "POST", "/v2/team/app/blobs/uploads/", nil, 0, "").Header().Get("Location")
			require.Equal(t, http.StatusAccepted, send(h, "PATCH", loc, []byte(strings.Repeat("x", 1000)), -1, "").Code)
			require.Positive(t, r.uploads.held)
			tt.end(r, h, loc)
			assert.Zero(t, r.uploads.held)
			assert.Empty(t, r.uploads.sessions)
		})
	}
}

func TestBusySessionRefusesASecondWriterAndDoesNotExpire(t *testing.T) {
	r := New()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.SetClock(func() time.Time { return now })
	id, err := r.uploads.open("team/app")
	require.NoError(t, err)
	u, err := r.uploads.acquire("team/app", id)
	require.NoError(t, err)

	_, err = r.uploads.acquire("team/app", id)
	var busy *busyError
	require.ErrorAs(t, err, &busy)
	rec := send(r.Handler(), "PATCH", "/v2/team/app/blobs/uploads/"+id, []byte("x"), 1, "")
	assert.Equal(t, http.StatusRequestedRangeNotSatisfiable, rec.Code)
	assert.Equal(t, "0-0", rec.Header().Get("Range"))

	now = now.Add(time.Hour)
	r.uploads.mu.Lock()
	r.uploads.sweepLocked(now)
	_, still := r.uploads.sessions[id]
	r.uploads.mu.Unlock()
	assert.True(t, still, "a session being written is not swept")

	// Cancelled while busy: its bytes go when the writer ends.
	_, err = r.uploads.fill(u, strings.NewReader("abc"), 3)
	require.NoError(t, err)
	require.NoError(t, r.uploads.cancel("team/app", id))
	assert.Positive(t, r.uploads.held)
	r.uploads.release(u)
	assert.Zero(t, r.uploads.held)
}

// FuzzParseRange checks that parseRange never panics and accepts only
// ranges whose end is at or after their start.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"0-9", "bytes 10-19", "5-4", "-1-3", "x", "0-", "99999999999999999999-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, end, ok := parseRange(s)
		if ok && (start < 0 || end < start) {
			t.Fatalf("parseRange(%q) = %d, %d, true", s, start, end)
		}
	})
}

func TestConcurrentUploadsKeepTheirBytesApart(t *testing.T) {
	r := New()
	h := r.Handler()
	const workers = 8
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			blob := bytes.Repeat([]byte{byte('a' + w)}, 200_000+w)
			d := digest.FromBytes(blob)
			loc := send(h, "POST", "/v2/team/app/blobs/uploads/", nil, 0, "").Header().Get("Location")
			for off := 0; off < len(blob); off += 50_000 {
				end := min(off+50_000, len(blob))
				if rec := send(h, "PATCH", loc, blob[off:end], -1, ""); rec.Code != http.StatusAccepted {
					errs <- fmt.Errorf("worker %d: PATCH at %d: %d %s", w, off, rec.Code, rec.Body.String())
					return
				}
			}
			if rec := send(h, "PUT", loc+"?digest="+d.String(), nil, 0, ""); rec.Code != http.StatusCreated {
				errs <- fmt.Errorf("worker %d: PUT: %d %s", w, rec.Code, rec.Body.String())
				return
			}
			errs <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
	assert.Zero(t, r.uploads.held)
	assert.Len(t, r.repoLocked("team/app").blobs, workers)
}

func TestExpiredSessionsGiveTheirBytesToNewUploads(t *testing.T) {
	r := New()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.SetClock(func() time.Time { return now })
	require.NoError(t, r.SetUploadLimits(UploadLimits{MaxBlobSize: 100, MaxSessionBytes: 100, IdleTimeout: time.Minute}))
	h := r.Handler()
	full := bytes.Repeat([]byte("x"), 100)
	abandoned := send(h, "POST", "/v2/team/app/blobs/uploads/", nil, 0, "").Header().Get("Location")
	require.Equal(t, http.StatusAccepted, send(h, "PATCH", abandoned, full, 100, "").Code)

	d := digest.FromBytes(full).String()
	assert.Equal(t, http.StatusTooManyRequests, send(h, "POST", "/v2/team/app/blobs/uploads/?digest="+d, full, 100, "").Code, "the abandoned session holds every byte")
	now = now.Add(time.Minute)
	assert.Equal(t, http.StatusCreated, send(h, "POST", "/v2/team/app/blobs/uploads/?digest="+d, full, 100, "").Code, "once it expired, its bytes are free")
	assert.Equal(t, http.StatusNotFound, send(h, "GET", abandoned, nil, 0, "").Code)
}
