package memory_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/imagetags/imagetags/promote/memory"
)

// FuzzHandler sends arbitrary methods, paths, queries, headers and bodies
// to the HTTP handler: it must never panic, must answer with a valid
// status, and every error must carry an OCI error body.
func FuzzHandler(f *testing.F) {
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.0", "latest"}})
	if err != nil {
		f.Fatal(err)
	}
	d := ds[0].String()
	seeds := []struct{ method, path, query, contentRange string }{
		{"GET", "/v2/", "", ""},
		{"GET", "/v2/team/app/manifests/1.0", "", ""},
		{"HEAD", "/v2/team/app/manifests/" + d, "", ""},
		{"PUT", "/v2/team/app/manifests/2.0", "", ""},
		{"DELETE", "/v2/team/app/manifests/latest", "", ""},
		{"GET", "/v2/team/app/blobs/" + d, "", ""},
		{"POST", "/v2/team/app/blobs/uploads/", "digest=" + d, ""},
		{"POST", "/v2/team/app/blobs/uploads/", "mount=" + d + "&from=team/app", ""},
		{"PATCH", "/v2/team/app/blobs/uploads/upload-1", "", "0-3"},
		{"PUT", "/v2/team/app/blobs/uploads/upload-1", "digest=" + d, ""},
		{"GET", "/v2/team/app/tags/list", "n=1&last=1.0", ""},
		{"GET", "/v2/_catalog", "n=1&last=team", ""},
		{"GET", "/v2/team/app/referrers/" + d, "artifactType=x", ""},
		{"GET", "/v2//manifests/", "", ""},
		{"GET", "/v2/a/blobs/uploads", "", ""},
		{"OPTIONS", "/v2/team/app/tags/list/tags/list", "n=99999999999999999999", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.contentRange, []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}`))
	}
	h := reg.Handler()
	f.Fuzz(func(t *testing.T, method, path, query, contentRange string, body []byte) {
		req := &http.Request{
			Method: method,
			URL:    &url.URL{Path: path, RawQuery: query},
			Header: http.Header{"Content-Range": {contentRange}, "Content-Type": {"application/vnd.oci.image.manifest.v1+json"}},
			Body:   io.NopCloser(bytes.NewReader(body)),
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("%s %s?%s: status %d", method, path, query, rec.Code)
		}
		if rec.Code >= 400 && method != http.MethodHead {
			var eb struct {
				Errors []struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || len(eb.Errors) == 0 || eb.Errors[0].Code == "" {
				t.Fatalf("%s %s?%s: status %d without an OCI error body: %q", method, path, query, rec.Code, rec.Body.String())
			}
		}
	})
}
