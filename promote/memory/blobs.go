package memory

import (
	"context"
	"fmt"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/promote"
)

// maxBlobSize bounds one blob, so a runaway client cannot exhaust memory.
const maxBlobSize = 64 << 20

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
// stands.
type rangeError struct{ have int64 }

func (e *rangeError) Error() string {
	return "memory: chunk does not start at offset " + strconv.FormatInt(e.have, 10) + ", where the upload stands"
}

// sizeError reports a blob larger than maxBlobSize.
type sizeError struct{}

func (e *sizeError) Error() string {
	return "memory: blob exceeds the " + strconv.Itoa(maxBlobSize) + " byte limit"
}

type upload struct {
	repo string
	data []byte
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

// mountBlob copies a blob from another repository, reporting whether it
// was there.
func (r *Registry) mountBlob(ctx context.Context, repo, from string, d digest.Digest) (bool, error) {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
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
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	id := "upload-" + strconv.FormatUint(r.nextID, 10)
	r.uploads[id] = &upload{repo: repo}
	return id, nil
}

// appendUpload adds a chunk at offset start (or at the end when start is
// negative) and returns the new size.
func (r *Registry) appendUpload(ctx context.Context, repo, id string, start int64, chunk []byte) (int64, error) {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.uploads[id]
	if !ok || u.repo != repo {
		return 0, &blobUnknownError{repo: repo, what: id, upload: true}
	}
	if start >= 0 && start != int64(len(u.data)) {
		return 0, &rangeError{have: int64(len(u.data))}
	}
	if len(u.data)+len(chunk) > maxBlobSize {
		return 0, &sizeError{}
	}
	u.data = append(u.data, chunk...)
	return int64(len(u.data)), nil
}

// uploadSize returns the bytes received so far.
func (r *Registry) uploadSize(ctx context.Context, repo, id string) (int64, error) {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return 0, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	u, ok := r.uploads[id]
	if !ok || u.repo != repo {
		return 0, &blobUnknownError{repo: repo, what: id, upload: true}
	}
	return int64(len(u.data)), nil
}

// finishUpload appends a last chunk, checks the whole against d and stores
// it. A digest mismatch leaves the session open, as registries do.
func (r *Registry) finishUpload(ctx context.Context, repo, id string, d digest.Digest, chunk []byte) error {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.uploads[id]
	if !ok || u.repo != repo {
		return &blobUnknownError{repo: repo, what: id, upload: true}
	}
	if len(u.data)+len(chunk) > maxBlobSize {
		return &sizeError{}
	}
	data := append(u.data[:len(u.data):len(u.data)], chunk...)
	if err := verify(d, data); err != nil {
		return err
	}
	delete(r.uploads, id)
	r.storeBlobLocked(repo, d, data)
	return nil
}

func (r *Registry) cancelUpload(ctx context.Context, repo, id string) error {
	if err := r.begin(ctx, OpBlob, repo); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.uploads[id]
	if !ok || u.repo != repo {
		return &blobUnknownError{repo: repo, what: id, upload: true}
	}
	delete(r.uploads, id)
	return nil
}
