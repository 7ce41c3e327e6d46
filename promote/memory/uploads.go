package memory

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/promote"
)

// Defaults of UploadLimits. They fit real images (single layers of several
// GiB, as in CUDA or machine-learning images) while keeping a forgotten or
// runaway client from holding memory for ever.
const (
	DefaultMaxBlobSize     int64 = 8 << 30          // 8 GiB: the largest blob accepted
	DefaultMaxSessions           = 256              // upload sessions open at once
	DefaultMaxSessionBytes int64 = 16 << 30         // 16 GiB: bytes held by uploads in progress, together
	DefaultIdleTimeout           = 15 * time.Minute // a session unused this long is dropped
)

// UploadLimits bounds blob uploads, which hold their bytes in memory until
// they complete. A zero field takes its default (DefaultMaxBlobSize and so
// on); a negative one is refused by SetUploadLimits.
//
// Memory: every stored blob is held once, shared by the repositories it is
// mounted into. An upload in progress holds the bytes received so far,
// once: request bodies are streamed into segments, never read whole and
// copied again. MaxSessionBytes bounds those bytes across open sessions
// and monolithic uploads in flight. A body of known length is one segment
// of exact size, which completing the upload moves into the store as it
// is; an upload of several chunks, or streamed without a length, is
// copied once into a blob of exact size when it completes, so for that
// moment it is held twice. The memory of a test suite is therefore the
// bytes it stored, plus at most MaxSessionBytes, plus the blob being
// completed.
type UploadLimits struct {
	MaxBlobSize     int64         // largest blob, in bytes; larger ones answer 413 SIZE_INVALID
	MaxSessions     int           // open sessions at once; more answer 429 TOOMANYREQUESTS
	MaxSessionBytes int64         // bytes held by uploads in progress; beyond it a chunk answers 429
	IdleTimeout     time.Duration // a session with no request for this long is dropped
}

// DefaultUploadLimits returns the limits a new Registry starts with.
func DefaultUploadLimits() UploadLimits {
	return UploadLimits{
		MaxBlobSize:     DefaultMaxBlobSize,
		MaxSessions:     DefaultMaxSessions,
		MaxSessionBytes: DefaultMaxSessionBytes,
		IdleTimeout:     DefaultIdleTimeout,
	}
}

// withDefaults fills zero fields and checks the result.
func (l UploadLimits) withDefaults() (UploadLimits, error) {
	d := DefaultUploadLimits()
	if l.MaxBlobSize < 0 || l.MaxSessions < 0 || l.MaxSessionBytes < 0 || l.IdleTimeout < 0 {
		return l, fmt.Errorf("memory: upload limits %+v: no field may be negative (zero means the default)", l)
	}
	if l.MaxBlobSize == 0 {
		l.MaxBlobSize = d.MaxBlobSize
	}
	if l.MaxSessions == 0 {
		l.MaxSessions = d.MaxSessions
	}
	if l.MaxSessionBytes == 0 {
		l.MaxSessionBytes = d.MaxSessionBytes
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.MaxSessionBytes < l.MaxBlobSize {
		return l, fmt.Errorf("memory: upload limits: MaxSessionBytes %d is below MaxBlobSize %d, so no blob of the largest allowed size could be uploaded",
			l.MaxSessionBytes, l.MaxBlobSize)
	}
	return l, nil
}

// SetUploadLimits replaces the registry's upload limits; zero fields take
// their defaults. It returns an error, and leaves the limits as they were,
// when a field is negative or MaxSessionBytes is below MaxBlobSize. Open
// sessions keep their bytes; the new limits apply from the next request.
func (r *Registry) SetUploadLimits(l UploadLimits) error {
	l, err := l.withDefaults()
	if err != nil {
		return err
	}
	t := &r.uploads
	t.mu.Lock()
	t.limits = l
	t.mu.Unlock()
	return nil
}

// UploadLimits returns the limits in force.
func (r *Registry) UploadLimits() UploadLimits {
	t := &r.uploads
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limits
}

// SetClock sets the clock that upload idle expiry reads; nil restores
// time.Now. Tests use it to expire sessions without sleeping.
func (r *Registry) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	t := &r.uploads
	t.mu.Lock()
	t.now = now
	t.mu.Unlock()
}

// uploadTable holds the open upload sessions and accounts for the memory
// they hold. It has its own lock, so streaming a chunk never holds the
// registry's.
type uploadTable struct {
	mu       sync.Mutex
	limits   UploadLimits
	now      func() time.Time
	sessions map[string]*upload
	held     int64 // capacity of every upload buffer in progress
}

func newUploadTable() uploadTable {
	return uploadTable{limits: DefaultUploadLimits(), now: time.Now, sessions: map[string]*upload{}}
}

// upload is one upload in progress: a session, or the body of a
// monolithic upload. Only the request that set busy touches its bytes.
//
// The bytes are kept as the segments the request bodies were read into,
// never copied while the upload grows; completing it copies them once
// into a blob of exact size, unless one segment already is that.
type upload struct {
	id   string
	repo string
	segs [][]byte  // the bytes received, in order
	size int64     // their total length
	used time.Time // last request that ended
	busy bool      // a request is writing
	gone bool      // removed from the table while busy
}

// capacity is the memory u's segments hold.
func (u *upload) capacity() int64 {
	var n int64
	for _, s := range u.segs {
		n += int64(cap(s))
	}
	return n
}

// truncate drops the segments after the first n, which a refused body
// added, returning the memory they held.
func (u *upload) truncate(n int) int64 {
	var freed int64
	for _, s := range u.segs[n:] {
		freed += int64(cap(s))
		u.size -= int64(len(s))
	}
	clear(u.segs[n:])
	u.segs = u.segs[:n]
	return freed
}

// blob returns u's bytes as one slice of exact size, copying only when
// they are in more than one segment or the one has spare capacity.
func (u *upload) blob() []byte {
	if len(u.segs) == 1 && len(u.segs[0]) == cap(u.segs[0]) {
		return u.segs[0]
	}
	out := make([]byte, 0, u.size)
	for _, s := range u.segs {
		out = append(out, s...)
	}
	return out
}

// verify checks u's bytes against d without joining them.
func (u *upload) verify(d digest.Digest) error {
	if err := d.Validate(); err != nil {
		return &digestError{fmt.Sprintf("invalid digest %q: %v", d, err)}
	}
	h := d.Algorithm().Hash()
	for _, s := range u.segs {
		h.Write(s)
	}
	if got := digest.NewDigest(d.Algorithm(), h); got != d {
		return &digestError{fmt.Sprintf("content has digest %s, not %s", got, d)}
	}
	return nil
}

// limitError reports an upload refused because the registry's upload
// limits are reached; it matches promote.ErrRateLimited, answering 429,
// since the client may retry once other uploads complete or expire.
type limitError struct{ msg string }

func (e *limitError) Error() string { return "memory: " + e.msg }

func (e *limitError) Unwrap() error { return promote.ErrRateLimited }

// busyError reports a second request writing a session another request
// is still writing.
type busyError struct{ have int64 }

func (e *busyError) Error() string {
	return "memory: another request is writing this upload session; it stands at offset " + strconv.FormatInt(e.have, 10)
}

// newUploadID returns an unguessable session id: 130 random bits from
// crypto/rand, so no client can append to or cancel another's session.
func newUploadID() string { return rand.Text() }

// expiredLocked reports whether u has been idle too long; t.mu is held.
func (t *uploadTable) expiredLocked(u *upload, now time.Time) bool {
	return !u.busy && now.Sub(u.used) >= t.limits.IdleTimeout
}

// sweepLocked drops every expired session; t.mu is held.
func (t *uploadTable) sweepLocked(now time.Time) {
	for id, u := range t.sessions {
		if t.expiredLocked(u, now) {
			t.removeLocked(id, u)
		}
	}
}

// removeLocked takes u out of the table, releasing its bytes unless a
// request still writes it (that request releases them when it ends).
func (t *uploadTable) removeLocked(id string, u *upload) {
	delete(t.sessions, id)
	if u.busy {
		u.gone = true
		return
	}
	t.held -= u.capacity()
	u.segs = nil
}

// open starts a session for repo.
func (t *uploadTable) open(repo string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.sessions) >= t.limits.MaxSessions {
		t.sweepLocked(now)
	}
	if len(t.sessions) >= t.limits.MaxSessions {
		return "", &limitError{fmt.Sprintf("%d upload sessions are open, the limit (UploadLimits.MaxSessions); complete or cancel one, or wait %s for idle ones to expire",
			len(t.sessions), t.limits.IdleTimeout)}
	}
	id := newUploadID()
	t.sessions[id] = &upload{id: id, repo: repo, used: now}
	return id, nil
}

// acquire finds session id of repo and marks it busy; release ends that.
func (t *uploadTable) acquire(repo, id string) (*upload, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.sessions[id]
	if !ok || u.repo != repo {
		return nil, &blobUnknownError{repo: repo, what: id, upload: true}
	}
	if t.expiredLocked(u, t.now()) {
		t.removeLocked(id, u)
		return nil, &blobUnknownError{repo: repo, what: id, upload: true}
	}
	if u.busy {
		return nil, &busyError{have: u.size}
	}
	u.busy = true
	return u, nil
}

// release ends a request on u, which acquire or transient returned.
func (t *uploadTable) release(u *upload) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u.busy = false
	u.used = t.now()
	if u.gone {
		t.held -= u.capacity()
		u.segs = nil
	}
}

// transient returns a busy upload outside the table, for the body of a
// monolithic upload, so that its bytes count against MaxSessionBytes.
func (t *uploadTable) transient(repo string) *upload {
	return &upload{repo: repo, busy: true, gone: true}
}

// complete takes u's bytes out of the table's accounting, and u out of
// the table, once they have been stored.
func (t *uploadTable) complete(u *upload) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.sessions[u.id]; ok && cur == u {
		delete(t.sessions, u.id)
	}
	t.held -= u.capacity()
	u.segs, u.busy, u.gone = nil, false, true
}

// cancel removes session id of repo.
func (t *uploadTable) cancel(repo, id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.sessions[id]
	if !ok || u.repo != repo {
		return &blobUnknownError{repo: repo, what: id, upload: true}
	}
	expired := t.expiredLocked(u, t.now())
	t.removeLocked(id, u)
	if expired {
		return &blobUnknownError{repo: repo, what: id, upload: true}
	}
	return nil
}

// offset returns how many bytes session id of repo holds, dropping it if
// it expired. It counts no call; the handler also uses it to fill the
// Range header of a 416.
func (t *uploadTable) offset(repo, id string) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.sessions[id]
	if !ok || u.repo != repo {
		return 0, false
	}
	if t.expiredLocked(u, t.now()) {
		t.removeLocked(id, u)
		return 0, false
	}
	return u.size, true
}

// segment allocates up to n bytes for u within the limits: fewer when
// MaxBlobSize or MaxSessionBytes leave less room. It fails with the limit
// that leaves no room, or, when strict, any room less than n.
func (t *uploadTable) segment(u *upload, n int64, strict bool) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	allow := n
	var limit error
	if room := t.limits.MaxBlobSize - u.size; allow > room {
		allow, limit = room, &sizeError{limit: t.limits.MaxBlobSize}
	}
	if t.held+allow > t.limits.MaxSessionBytes {
		// Expired sessions may still hold bytes nobody will use.
		t.sweepLocked(t.now())
	}
	if room := t.limits.MaxSessionBytes - t.held; allow > room {
		allow, limit = room, &limitError{fmt.Sprintf("uploads in progress hold %d bytes and %d more would exceed the %d byte limit (UploadLimits.MaxSessionBytes); complete or cancel uploads, or retry later",
			t.held, n, t.limits.MaxSessionBytes)}
	}
	if limit != nil && (strict || allow <= 0) {
		return nil, limit
	}
	t.held += allow
	return make([]byte, allow), nil
}

// keep appends the first k bytes of seg to u. A segment the body did not
// fill is replaced by an exact copy of what it holds, and the rest of its
// charge returned, so the charge stays the memory held.
func (t *uploadTable) keep(u *upload, seg []byte, k int) {
	if k < len(seg) {
		t.uncharge(int64(len(seg) - k))
		if k == 0 {
			return
		}
		exact := make([]byte, k) // cap k exactly, unlike slices.Clone
		copy(exact, seg)
		seg = exact
	}
	u.segs = append(u.segs, seg)
	u.size += int64(k)
}

// uncharge returns n bytes to the table.
func (t *uploadTable) uncharge(n int64) {
	t.mu.Lock()
	t.held -= n
	t.mu.Unlock()
}

// Segment sizes for bodies of unknown length: the first is small, each
// next one twice the last, up to maxSegment, so a small blob costs
// little and a large one a few hundred segments.
const (
	minSegment = 64 << 10
	maxSegment = 8 << 20
)

// bodyError reports a request body that could not be read whole, such as
// one shorter than its Content-Length.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "memory: reading the request body: " + e.err.Error() }

func (e *bodyError) Unwrap() error { return e.err }

// fill streams body onto the end of u, in new segments: a body of known
// length (length >= 0) into one segment of exactly that size, anything
// beyond it or of unknown length into segments of growing size. It
// returns the bytes read; on error the caller cuts u back with truncate.
func (t *uploadTable) fill(u *upload, body io.Reader, length int64) (int64, error) {
	var read int64
	if length > 0 {
		seg, err := t.segment(u, length, true)
		if err != nil {
			return 0, err
		}
		k, err := io.ReadFull(body, seg)
		t.keep(u, seg, k)
		read += int64(k)
		if err != nil {
			return read, &bodyError{err}
		}
	}
	if length >= 0 {
		// A body is rarely longer than announced: look for one more
		// byte before allocating for it.
		var probe [1]byte
		k, err := io.ReadFull(body, probe[:])
		if k == 0 {
			if err == nil || errors.Is(err, io.EOF) {
				return read, nil
			}
			return read, &bodyError{err}
		}
		body = io.MultiReader(bytes.NewReader(probe[:]), body)
	}
	next := int64(minSegment)
	for {
		seg, err := t.segment(u, next, false)
		if err != nil {
			// No room left: that is only an error if more follows.
			var probe [1]byte
			if k, _ := io.ReadFull(body, probe[:]); k == 0 {
				return read, nil
			}
			return read, err
		}
		k, err := io.ReadFull(body, seg)
		t.keep(u, seg, k)
		read += int64(k)
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return read, nil
		case err != nil:
			return read, &bodyError{err}
		}
		next = min(next*2, maxSegment)
	}
}
