package memory

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/reference"
)

// contentMediaType returns the media type of a Content-Type header, as
// mime.ParseMediaType does (which gives "" for a malformed type, and the
// type despite malformed parameters). The usual header, a bare lowercase
// type/subtype, is returned without parsing.
func contentMediaType(header string) string {
	slash := -1
	for i := 0; i < len(header); i++ {
		c := header[i]
		switch {
		case c == '/' && slash < 0 && i > 0:
			slash = i
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', isTokenPunct(c):
		default:
			return parseMediaType(header)
		}
	}
	if slash < 0 || slash == len(header)-1 {
		return parseMediaType(header)
	}
	return header
}

func parseMediaType(header string) string {
	mt, _, _ := mime.ParseMediaType(header)
	return mt
}

// isTokenPunct reports whether c is a punctuation byte allowed in an
// RFC 7230 token.
func isTokenPunct(c byte) bool {
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// knownOrParse returns the manifest repo already stores under the digest
// of data with this media type, or else parses data. The same bytes with
// the same media type always parse to the same manifest, so a manifest
// pushed again (to point another tag at it, as clients tag images) skips
// the parse; the caller still checks that what it points at exists.
func (r *Registry) knownOrParse(repo, mediaType string, data []byte) (*manifest, error) {
	if mediaType == "" || len(data) > maxManifestSize {
		return parseManifest(mediaType, data)
	}
	d := sha256Digest(data)
	r.mu.RLock()
	var have *manifest
	if rp := r.repoLocked(repo); rp != nil {
		have = rp.manifests[d]
	}
	r.mu.RUnlock()
	if have != nil && have.desc.MediaType == mediaType {
		return have, nil
	}
	return parseManifestDigest(mediaType, data, d)
}

// validDigest is reference.ValidateDigest, with the common case (sha256
// and 64 lowercase hex digits) checked in one loop.
func validDigest(d digest.Digest) error {
	const prefix = "sha256:"
	if len(d) == len(prefix)+64 && d[:len(prefix)] == prefix {
		ok := true
		for i := len(prefix); i < len(d); i++ {
			if c := d[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
	}
	return reference.ValidateDigest(string(d))
}

// readManifestBody reads a request body of at most limit bytes, in one
// allocation when the request states its length.
func readManifestBody(w http.ResponseWriter, req *http.Request, limit int64) ([]byte, error) {
	n := req.ContentLength
	if n <= 0 || n > limit {
		return readBody(w, req, limit)
	}
	body := http.MaxBytesReader(w, req.Body, limit)
	buf := make([]byte, n)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, err
	}
	var extra [1]byte
	if k, err := body.Read(extra[:]); k > 0 || (err != nil && !errors.Is(err, io.EOF)) {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("body is longer than its Content-Length")
		}
		return nil, err
	}
	return buf, nil
}
