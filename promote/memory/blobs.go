package memory

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/promote"
)

// nameUnknownError reports a repository that does not exist.
type nameUnknownError struct{ repo string }

func (e *nameUnknownError) Error() string {
	return fmt.Sprintf("memory: repository %q not found", e.repo)
}

func (e *nameUnknownError) Unwrap() error { return promote.ErrNotFound }

// blobUnknownError reports a blob or upload session that does not exist.
type blobUnknownError struct {
	repo, what string
	upload     bool
}

func (e *blobUnknownError) Error() string {
	kind := "blob"
	if e.upload {
		kind = "upload session"
	}
	return fmt.Sprintf("memory: %s %q not found in repository %q", kind, e.what, e.repo)
}

func (e *blobUnknownError) Unwrap() error { return promote.ErrNotFound }

// digestError reports content that does not match its digest, or a digest
// the fake cannot check.
type digestError struct{ msg string }

func (e *digestError) Error() string { return "memory: " + e.msg }

// rangeError reports a chunk that does not continue an upload where it
// stands, or whose Content-Range disagrees with its length.
type rangeError struct {
	have int64  // where the upload stands
	msg  string // what is wrong; empty for a chunk at the wrong offset
}

func (e *rangeError) Error() string {
	if e.msg != "" {
		return "memory: " + e.msg
	}
	return "memory: chunk does not start at offset " + strconv.FormatInt(e.have, 10) + ", where the upload stands"
}

// sizeError reports a blob larger than UploadLimits.MaxBlobSize.
type sizeError struct{ limit int64 }

func (e *sizeError) Error() string {
	return "memory: blob exceeds the " + strconv.FormatInt(e.limit, 10) + " byte limit (UploadLimits.MaxBlobSize)"
}

func (r *Registry) getBlob(ctx context.Context, repo string, d digest.Digest) ([]byte, error) {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	rp := r.repoLocked(repo)
	if rp == nil {
		return nil, &nameUnknownError{repo}
	}
	b, ok := rp.blobs[d]
	if !ok {
		return nil, &blobUnknownError{repo: repo, what: string(d)}
	}
	return b, nil // stored blobs are never modified
}

func (r *Registry) deleteBlob(ctx context.Context, repo string, d digest.Digest) error {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rp := r.repoLocked(repo)
	if rp == nil {
		return &nameUnknownError{repo}
	}
	if _, ok := rp.blobs[d]; !ok {
		return &blobUnknownError{repo: repo, what: string(d)}
	}
	delete(rp.blobs, d)
	r.logLocked(Event{Op: OpBlob, Repository: repo, Digest: d})
	return nil
}

// verify checks data against d.
func verify(d digest.Digest, data []byte) error {
	if err := d.Validate(); err != nil {
		return &digestError{fmt.Sprintf("invalid digest %q: %v", d, err)}
	}
	if got := d.Algorithm().FromBytes(data); got != d {
		return &digestError{fmt.Sprintf("content has digest %s, not %s", got, d)}
	}
	return nil
}

// putBlob stores data under d after checking it.
func (r *Registry) putBlob(ctx context.Context, repo string, d digest.Digest, data []byte) error {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return err
	}
	if err := verify(d, data); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.storeBlobLocked(repo, d, data)
	return nil
}

func (r *Registry) storeBlobLocked(repo string, d digest.Digest, data []byte) {
	rp := r.repoForWriteLocked(repo)
	if _, ok := rp.blobs[d]; ok {
		return
	}
	rp.blobs[d] = data
	r.logLocked(Event{Op: OpBlob, Repository: repo, Digest: d})
}

// mountBlob links a blob of another repository into repo, without
// copying its bytes, reporting whether it was there. With from empty it
// looks in every repository.
func (r *Registry) mountBlob(ctx context.Context, repo, from string, d digest.Digest) (bool, error) {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if from == "" {
		for _, src := range r.reposLocked() {
			if data, ok := src.blobs[d]; ok {
				r.storeBlobLocked(repo, d, data)
				return true, nil
			}
		}
		return false, nil
	}
	src := r.repoLocked(from)
	if src == nil {
		return false, nil
	}
	data, ok := src.blobs[d]
	if !ok {
		return false, nil
	}
	r.storeBlobLocked(repo, d, data)
	return true, nil
}

func (r *Registry) startUpload(ctx context.Context, repo string) (string, error) {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return "", err
	}
	return r.uploads.open(repo)
}

// chunk is one piece of an upload as a request carries it.
type chunk struct {
	start, end int64     // the Content-Range, inclusive; start is -1 when absent
	body       io.Reader // streamed into the session, never buffered twice
	length     int64     // the body's Content-Length, or -1 when unknown
}

// appendTo streams c onto u, checking its Content-Range. On error u is
// left as it was before.
func (r *Registry) appendTo(u *upload, c chunk) error {
	have, segs := u.size, len(u.segs)
	if c.start >= 0 {
		if c.start != have {
			return &rangeError{have: have}
		}
		if c.length >= 0 && c.length != c.end-c.start+1 {
			return &rangeError{have: have, msg: fmt.Sprintf("Content-Range %d-%d does not match the %d byte chunk", c.start, c.end, c.length)}
		}
	}
	n, err := r.uploads.fill(u, c.body, c.length)
	if err == nil && c.start >= 0 && n != c.end-c.start+1 {
		err = &rangeError{have: have, msg: fmt.Sprintf("Content-Range %d-%d does not match the %d byte chunk", c.start, c.end, n)}
	}
	if err != nil {
		r.uploads.uncharge(u.truncate(segs))
		return err
	}
	return nil
}

// appendUpload streams a chunk into session id and returns the new size.
func (r *Registry) appendUpload(ctx context.Context, repo, id string, c chunk) (int64, error) {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return 0, err
	}
	u, err := r.uploads.acquire(repo, id)
	if err != nil {
		return 0, err
	}
	defer r.uploads.release(u)
	if err := r.appendTo(u, c); err != nil {
		return 0, err
	}
	return u.size, nil
}

// uploadSize returns the bytes received so far.
func (r *Registry) uploadSize(ctx context.Context, repo, id string) (int64, error) {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return 0, err
	}
	n, ok := r.uploads.offset(repo, id)
	if !ok {
		return 0, &blobUnknownError{repo: repo, what: id, upload: true}
	}
	return n, nil
}

// finishUpload streams a last chunk, checks the whole against d and
// stores it, moving the session's buffer into the store. A digest
// mismatch leaves the session open as it was, as registries do.
func (r *Registry) finishUpload(ctx context.Context, repo, id string, d digest.Digest, c chunk) error {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return err
	}
	u, err := r.uploads.acquire(repo, id)
	if err != nil {
		return err
	}
	return r.commit(repo, d, u, c)
}

// commit appends c to u, verifies u against d, stores it and ends u. On
// error u is released as it was before.
func (r *Registry) commit(repo string, d digest.Digest, u *upload, c chunk) error {
	segs := len(u.segs)
	if err := r.appendTo(u, c); err != nil {
		r.uploads.release(u)
		return err
	}
	if err := u.verify(d); err != nil {
		r.uploads.uncharge(u.truncate(segs))
		r.uploads.release(u)
		return err
	}
	data := u.blob()
	r.mu.Lock()
	r.storeBlobLocked(repo, d, data)
	r.mu.Unlock()
	r.uploads.complete(u)
	return nil
}

// pushBlob stores a monolithic upload, streaming its body once into
// memory that counts against UploadLimits.
func (r *Registry) pushBlob(ctx context.Context, repo string, d digest.Digest, c chunk) error {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return err
	}
	return r.commit(repo, d, r.uploads.transient(repo), c)
}

func (r *Registry) cancelUpload(ctx context.Context, repo, id string) error {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return err
	}
	return r.uploads.cancel(repo, id)
}
