package memory

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// OCI distribution error codes used by the handler.
const (
	codeBlobUnknown         = "BLOB_UNKNOWN"
	codeBlobUploadInvalid   = "BLOB_UPLOAD_INVALID"
	codeBlobUploadUnknown   = "BLOB_UPLOAD_UNKNOWN"
	codeDigestInvalid       = "DIGEST_INVALID"
	codeManifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
	codeManifestInvalid     = "MANIFEST_INVALID"
	codeManifestUnknown     = "MANIFEST_UNKNOWN"
	codeNameInvalid         = "NAME_INVALID"
	codeNameUnknown         = "NAME_UNKNOWN"
	codeSizeInvalid         = "SIZE_INVALID"
	codeTagInvalid          = "TAG_INVALID"
	codeUnauthorized        = "UNAUTHORIZED"
	codeDenied              = "DENIED"
	codeUnsupported         = "UNSUPPORTED"
	codeTooManyRequests     = "TOOMANYREQUESTS"
	codePrecondition        = "PRECONDITION"
	codePaginationInvalid   = "PAGINATION_NUMBER_INVALID"
	codeUnknown             = "UNKNOWN"
)

// Handler returns an http.Handler serving the registry over the OCI
// Distribution API v1.1, for use with httptest.NewServer:
//
//   - GET/HEAD /v2/ answers 200, the API ping;
//   - GET, HEAD, PUT and DELETE /v2/<name>/manifests/<tag or digest>;
//   - GET, HEAD and DELETE /v2/<name>/blobs/<digest>;
//   - POST /v2/<name>/blobs/uploads/ (monolithic with ?digest=, cross-mount
//     with ?mount=&from=, otherwise a session), then PATCH, PUT, GET and
//     DELETE on the session URL for chunked uploads;
//   - GET /v2/<name>/tags/list with n and last, and a Link header when more
//     tags follow;
//   - GET /v2/<name>/referrers/<digest>, with artifactType filtering.
//
// Errors have the spec's JSON body {"errors":[{"code","message"}]}.
// Moving an immutable tag answers 400 TAG_INVALID with a message saying
// the tag is immutable, as ECR does. Injected faults apply to requests as to
// Go calls (see Fault). The handler needs no authentication.
func (r *Registry) Handler() http.Handler {
	return &handler{r: r}
}

type handler struct{ r *Registry }

// route is one parsed request path.
type route struct {
	kind string // "ping", "manifest", "blob", "uploads", "upload", "tags", "referrers"
	name string // repository path
	ref  string // tag, digest or upload id
}

// parseRoute splits a request path into its endpoint, repository and
// reference. It reports false for paths outside the API.
func parseRoute(p string) (route, bool) {
	if p == "/v2" || p == "/v2/" {
		return route{kind: "ping"}, true
	}
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return route{}, false
	}
	if name, ok := strings.CutSuffix(rest, "/tags/list"); ok {
		return route{kind: "tags", name: name}, true
	}
	for _, suffix := range []string{"/blobs/uploads/", "/blobs/uploads"} {
		if name, ok := strings.CutSuffix(rest, suffix); ok {
			return route{kind: "uploads", name: name}, true
		}
	}
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return route{}, false
	}
	ref, before := rest[i+1:], rest[:i]
	if name, ok := strings.CutSuffix(before, "/blobs/uploads"); ok {
		return route{kind: "upload", name: name, ref: ref}, true
	}
	j := strings.LastIndexByte(before, '/')
	if j < 0 {
		return route{}, false
	}
	name := before[:j]
	switch before[j+1:] {
	case "manifests":
		return route{kind: "manifest", name: name, ref: ref}, true
	case "blobs":
		return route{kind: "blob", name: name, ref: ref}, true
	case "referrers":
		return route{kind: "referrers", name: name, ref: ref}, true
	}
	return route{}, false
}

func (h *handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	// The canonical form of Docker-Distribution-API-Version, assigned
	// directly: Set would build that form again on every request.
	w.Header()["Docker-Distribution-Api-Version"] = []string{"registry/2.0"}
	rt, ok := parseRoute(req.URL.Path)
	if !ok {
		writeError(w, req, http.StatusNotFound, codeUnsupported, "no such endpoint: "+strconv.Quote(req.URL.Path))
		return
	}
	if rt.kind == "ping" {
		if !allow(w, req, http.MethodGet, http.MethodHead) {
			return
		}
		writeJSON(w, req, http.StatusOK, struct{}{})
		return
	}
	if err := reference.ValidateRepository(rt.name); err != nil {
		writeError(w, req, http.StatusBadRequest, codeNameInvalid, err.Error())
		return
	}
	switch rt.kind {
	case "manifest":
		h.manifest(w, req, rt)
	case "blob":
		h.blob(w, req, rt)
	case "uploads":
		h.startUpload(w, req, rt)
	case "upload":
		h.upload(w, req, rt)
	case "tags":
		h.tags(w, req, rt)
	case "referrers":
		h.referrers(w, req, rt)
	}
}

// allow reports whether the request method is one of methods, answering
// 405 when it is not.
func allow(w http.ResponseWriter, req *http.Request, methods ...string) bool {
	for _, m := range methods {
		if req.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, req, http.StatusMethodNotAllowed, codeUnsupported, "method "+strconv.Quote(req.Method)+" not allowed here")
	return false
}

// parseRef checks a manifest reference, which is a tag or a digest.
func parseRef(ref string) (tag string, d digest.Digest, err error) {
	if strings.Contains(ref, ":") {
		if err := reference.ValidateDigest(ref); err != nil {
			return "", "", err
		}
		return "", digest.Digest(ref), nil
	}
	if err := reference.ValidateTag(ref); err != nil {
		return "", "", err
	}
	return ref, "", nil
}

func (h *handler) manifest(w http.ResponseWriter, req *http.Request, rt route) {
	if !allow(w, req, http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete) {
		return
	}
	tag, d, err := parseRef(rt.ref)
	if err != nil {
		code := codeTagInvalid
		if d != "" || strings.Contains(rt.ref, ":") {
			code = codeDigestInvalid
		}
		writeError(w, req, http.StatusBadRequest, code, err.Error())
		return
	}
	ctx := req.Context()
	switch req.Method {
	case http.MethodGet, http.MethodHead:
		op := OpFetch
		if req.Method == http.MethodHead {
			op = OpResolve
		}
		m, err := h.r.resolve(ctx, op, rt.name, rt.ref)
		if err != nil {
			writeErr(w, req, err, codeManifestUnknown)
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", m.desc.MediaType)
		hd.Set("Docker-Content-Digest", m.desc.Digest.String())
		hd.Set("Content-Length", strconv.Itoa(len(m.data)))
		hd.Set("Etag", `"`+m.desc.Digest.String()+`"`)
		w.WriteHeader(http.StatusOK)
		if req.Method == http.MethodGet {
			_, _ = w.Write(m.data)
		}
	case http.MethodPut:
		body, err := readManifestBody(w, req, maxManifestSize)
		if err != nil {
			writeError(w, req, http.StatusBadRequest, codeManifestInvalid, "manifest body: "+err.Error())
			return
		}
		mediaType := contentMediaType(req.Header.Get("Content-Type"))
		if d != "" {
			if d.Algorithm() != digest.SHA256 {
				writeError(w, req, http.StatusBadRequest, codeDigestInvalid, "this registry stores manifests by sha256 digest only, not "+strconv.Quote(d.String()))
				return
			}
			if err := verify(d, body); err != nil {
				writeError(w, req, http.StatusBadRequest, codeDigestInvalid, err.Error())
				return
			}
		}
		got, m, err := h.r.putManifest(ctx, rt.name, tag, mediaType, body)
		if err != nil {
			writeErr(w, req, err, codeManifestUnknown)
			return
		}
		// The answer's header values share one allocation; the keys are
		// in canonical form already.
		hd := w.Header()
		vals := [...]string{"/v2/" + rt.name + "/manifests/" + got.String(), got.String(), "0", m.subject.String()}
		shared := vals[:]
		hd["Location"] = shared[0:1:1]
		hd["Docker-Content-Digest"] = shared[1:2:2]
		hd["Content-Length"] = shared[2:3:3]
		if m.subject != "" {
			hd["Oci-Subject"] = shared[3:4:4]
		}
		w.WriteHeader(http.StatusCreated)
	case http.MethodDelete:
		if tag != "" {
			err = h.r.deleteTag(ctx, rt.name, tag)
		} else {
			err = h.r.deleteManifest(ctx, rt.name, d)
		}
		if err != nil {
			writeErr(w, req, err, codeManifestUnknown)
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusAccepted)
	}
}

func (h *handler) blob(w http.ResponseWriter, req *http.Request, rt route) {
	if !allow(w, req, http.MethodGet, http.MethodHead, http.MethodDelete) {
		return
	}
	d := digest.Digest(rt.ref)
	if err := reference.ValidateDigest(rt.ref); err != nil {
		writeError(w, req, http.StatusBadRequest, codeDigestInvalid, err.Error())
		return
	}
	ctx := req.Context()
	if req.Method == http.MethodDelete {
		if err := h.r.deleteBlob(ctx, rt.name, d); err != nil {
			writeErr(w, req, err, codeBlobUnknown)
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	data, err := h.r.getBlob(ctx, rt.name, d)
	if err != nil {
		writeErr(w, req, err, codeBlobUnknown)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Etag", `"`+d.String()+`"`)
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(data))
}

func (h *handler) startUpload(w http.ResponseWriter, req *http.Request, rt route) {
	if !allow(w, req, http.MethodPost) {
		return
	}
	ctx := req.Context()
	q := req.URL.Query()
	if mount := q.Get("mount"); mount != "" {
		if err := reference.ValidateDigest(mount); err != nil {
			writeError(w, req, http.StatusBadRequest, codeDigestInvalid, err.Error())
			return
		}
		from := q.Get("from")
		if reference.ValidateRepository(from) == nil {
			ok, err := h.r.mountBlob(ctx, rt.name, from, digest.Digest(mount))
			if err != nil {
				writeErr(w, req, err, codeBlobUnknown)
				return
			}
			if ok {
				blobCreated(w, rt.name, digest.Digest(mount))
				return
			}
		}
		// Not mountable: fall through to an ordinary upload session, as
		// the spec allows.
	}
	if dq := q.Get("digest"); dq != "" {
		if err := reference.ValidateDigest(dq); err != nil {
			writeError(w, req, http.StatusBadRequest, codeDigestInvalid, err.Error())
			return
		}
		body, err := readBody(w, req, maxBlobSize)
		if err != nil {
			writeError(w, req, http.StatusBadRequest, codeSizeInvalid, "blob body: "+err.Error())
			return
		}
		if err := h.r.putBlob(ctx, rt.name, digest.Digest(dq), body); err != nil {
			writeErr(w, req, err, codeBlobUnknown)
			return
		}
		blobCreated(w, rt.name, digest.Digest(dq))
		return
	}
	id, err := h.r.startUpload(ctx, rt.name)
	if err != nil {
		writeErr(w, req, err, codeBlobUploadUnknown)
		return
	}
	uploadAccepted(w, rt.name, id, 0)
}

func (h *handler) upload(w http.ResponseWriter, req *http.Request, rt route) {
	if !allow(w, req, http.MethodGet, http.MethodPatch, http.MethodPut, http.MethodDelete) {
		return
	}
	ctx := req.Context()
	switch req.Method {
	case http.MethodGet:
		size, err := h.r.uploadSize(ctx, rt.name, rt.ref)
		if err != nil {
			writeErr(w, req, err, codeBlobUploadUnknown)
			return
		}
		setUploadHeaders(w, rt.name, rt.ref, size)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		if err := h.r.cancelUpload(ctx, rt.name, rt.ref); err != nil {
			writeErr(w, req, err, codeBlobUploadUnknown)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPatch:
		start, end := int64(-1), int64(-1)
		cr := req.Header.Get("Content-Range")
		if cr != "" {
			var ok bool
			if start, end, ok = parseRange(cr); !ok {
				writeError(w, req, http.StatusRequestedRangeNotSatisfiable, codeBlobUploadInvalid, "malformed Content-Range "+strconv.Quote(cr)+": want <start>-<end>")
				return
			}
		}
		chunk, err := readBody(w, req, maxBlobSize)
		if err != nil {
			writeError(w, req, http.StatusBadRequest, codeSizeInvalid, "chunk body: "+err.Error())
			return
		}
		if cr != "" && end-start+1 != int64(len(chunk)) {
			writeError(w, req, http.StatusRequestedRangeNotSatisfiable, codeBlobUploadInvalid,
				"Content-Range "+strconv.Quote(cr)+" does not match the "+strconv.Itoa(len(chunk))+" byte chunk")
			return
		}
		size, err := h.r.appendUpload(ctx, rt.name, rt.ref, start, chunk)
		if err != nil {
			writeErr(w, req, err, codeBlobUploadUnknown)
			return
		}
		uploadAccepted(w, rt.name, rt.ref, size)
	case http.MethodPut:
		dq := req.URL.Query().Get("digest")
		if err := reference.ValidateDigest(dq); err != nil {
			writeError(w, req, http.StatusBadRequest, codeDigestInvalid, "upload completion needs a digest query parameter: "+err.Error())
			return
		}
		chunk, err := readBody(w, req, maxBlobSize)
		if err != nil {
			writeError(w, req, http.StatusBadRequest, codeSizeInvalid, "chunk body: "+err.Error())
			return
		}
		if err := h.r.finishUpload(ctx, rt.name, rt.ref, digest.Digest(dq), chunk); err != nil {
			writeErr(w, req, err, codeBlobUploadUnknown)
			return
		}
		blobCreated(w, rt.name, digest.Digest(dq))
	}
}

// parseRange parses a chunk's Content-Range, "<start>-<end>", inclusive.
func parseRange(s string) (int64, int64, bool) {
	s = strings.TrimPrefix(s, "bytes ")
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, false
	}
	return start, end, true
}

func setUploadHeaders(w http.ResponseWriter, name, id string, size int64) {
	hd := w.Header()
	hd.Set("Location", "/v2/"+name+"/blobs/uploads/"+id)
	hd.Set("Docker-Upload-UUID", id)
	end := size - 1
	if end < 0 {
		end = 0
	}
	hd.Set("Range", "0-"+strconv.FormatInt(end, 10))
	hd.Set("Content-Length", "0")
}

func uploadAccepted(w http.ResponseWriter, name, id string, size int64) {
	setUploadHeaders(w, name, id, size)
	w.WriteHeader(http.StatusAccepted)
}

func blobCreated(w http.ResponseWriter, name string, d digest.Digest) {
	hd := w.Header()
	hd.Set("Location", "/v2/"+name+"/blobs/"+d.String())
	hd.Set("Docker-Content-Digest", d.String())
	hd.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

func (h *handler) tags(w http.ResponseWriter, req *http.Request, rt route) {
	if !allow(w, req, http.MethodGet, http.MethodHead) {
		return
	}
	q := req.URL.Query()
	n := -1
	if s := q.Get("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			writeError(w, req, http.StatusBadRequest, codePaginationInvalid, "n must be a non-negative integer, not "+strconv.Quote(s))
			return
		}
		n = v
	}
	last := q.Get("last")
	var tags []string
	var more bool
	var err error
	if n == 0 {
		// Still check that the repository exists.
		_, _, err = h.r.listTags(req.Context(), rt.name, last, 1)
		tags = []string{}
	} else {
		tags, more, err = h.r.listTags(req.Context(), rt.name, last, n)
	}
	if err != nil {
		writeErr(w, req, err, codeNameUnknown)
		return
	}
	if more {
		v := url.Values{"n": {strconv.Itoa(n)}, "last": {tags[len(tags)-1]}}
		w.Header().Set("Link", "</v2/"+rt.name+"/tags/list?"+v.Encode()+`>; rel="next"`)
	}
	if tags == nil {
		tags = []string{} // an empty list, never null
	}
	writeJSON(w, req, http.StatusOK, struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{rt.name, tags})
}

func (h *handler) referrers(w http.ResponseWriter, req *http.Request, rt route) {
	if !allow(w, req, http.MethodGet, http.MethodHead) {
		return
	}
	if err := reference.ValidateDigest(rt.ref); err != nil {
		writeError(w, req, http.StatusBadRequest, codeDigestInvalid, err.Error())
		return
	}
	artifactType := req.URL.Query().Get("artifactType")
	descs, err := h.r.referrers(req.Context(), rt.name, digest.Digest(rt.ref), artifactType)
	if err != nil {
		writeErr(w, req, err, codeNameUnknown)
		return
	}
	if artifactType != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	w.Header().Set("Content-Type", ocispec.MediaTypeImageIndex)
	writeJSON(w, req, http.StatusOK, ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
		Manifests: descs,
	})
}

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, req *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, req.Body, limit))
}

func writeJSON(w http.ResponseWriter, req *http.Request, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, req, http.StatusInternalServerError, codeUnknown, err.Error())
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	if req.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// errorBody is the OCI distribution error body.
type errorBody struct {
	Errors []errorEntry `json:"errors"`
}

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, req *http.Request, status int, code, msg string) {
	hd := w.Header()
	hd.Del("Content-Type")
	hd.Del("Docker-Content-Digest")
	data, _ := json.Marshal(errorBody{Errors: []errorEntry{{Code: code, Message: msg}}})
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	if req.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// writeErr maps an error from the store to a status and spec error code;
// notFoundCode is the code for a missing thing of the endpoint's kind.
func writeErr(w http.ResponseWriter, req *http.Request, err error, notFoundCode string) {
	status, code := classify(err, notFoundCode)
	if status == http.StatusTooManyRequests {
		var rl *promote.RateLimitError
		if errors.As(err, &rl) && rl.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.RetryAfter.Seconds()))))
		}
	}
	writeError(w, req, status, code, err.Error())
}

func classify(err error, notFoundCode string) (int, string) {
	var (
		missing *missingError
		name    *nameUnknownError
		blobU   *blobUnknownError
		dig     *digestError
		rng     *rangeError
		size    *sizeError
	)
	switch {
	case errors.As(err, &missing):
		return http.StatusBadRequest, codeManifestBlobUnknown
	case errors.Is(err, errManifestInvalid):
		return http.StatusBadRequest, codeManifestInvalid
	case errors.As(err, &dig):
		return http.StatusBadRequest, codeDigestInvalid
	case errors.As(err, &rng):
		return http.StatusRequestedRangeNotSatisfiable, codeBlobUploadInvalid
	case errors.As(err, &size):
		return http.StatusRequestEntityTooLarge, codeSizeInvalid
	case errors.As(err, &name):
		return http.StatusNotFound, codeNameUnknown
	case errors.As(err, &blobU):
		if blobU.upload {
			return http.StatusNotFound, codeBlobUploadUnknown
		}
		return http.StatusNotFound, codeBlobUnknown
	case errors.Is(err, promote.ErrNotFound):
		return http.StatusNotFound, notFoundCode
	case errors.Is(err, promote.ErrTagImmutable):
		return http.StatusBadRequest, codeTagInvalid
	case errors.Is(err, promote.ErrPreconditionFailed):
		return http.StatusPreconditionFailed, codePrecondition
	case errors.Is(err, promote.ErrUnauthorized):
		return http.StatusUnauthorized, codeUnauthorized
	case errors.Is(err, promote.ErrDenied):
		return http.StatusForbidden, codeDenied
	case errors.Is(err, promote.ErrRateLimited):
		return http.StatusTooManyRequests, codeTooManyRequests
	case errors.Is(err, promote.ErrUnsupported):
		return http.StatusMethodNotAllowed, codeUnsupported
	}
	return http.StatusInternalServerError, codeUnknown
}
