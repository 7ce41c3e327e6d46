package memory

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

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
// mounted into. An upload in progress holds its bytes once more, with up
// to a quarter spare while it grows (chunks are streamed into it, never
// buffered twice); completing it moves the buffer into the store without
// a copy. MaxSessionBytes counts that capacity, spare included, across
// open sessions and monolithic uploads in flight, so the memory of a test
// suite is at most the bytes it stored plus MaxSessionBytes.
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
// monolithic upload. Only the request that set busy touches data.
type upload struct {
	id   string
	repo string
	data []byte
	used time.Time // last request that ended
	busy bool      // a request is writing data
	gone bool      // removed from the table while busy
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
	t.held -= int64(cap(u.data))
	u.data = nil
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
		return nil, &busyError{have: int64(len(u.data))}
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
		t.held -= int64(cap(u.data))
		u.data = nil
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
	t.held -= int64(cap(u.data))
	u.data, u.busy, u.gone = nil, false, true
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
	return int64(len(u.data)), true
}

// grow makes room for at least need more bytes in u, charging the new
// capacity to the table. want is the exact final size when known (-1
// otherwise), so a body of known length is held without spare capacity.
// The copy into the larger buffer happens outside the table's lock; only
// the request that holds u busy touches u.data.
func (t *uploadTable) grow(u *upload, need, want int64) error {
	have := int64(len(u.data))
	if int64(cap(u.data))-have >= need {
		return nil
	}
	t.mu.Lock()
	if have+need > t.limits.MaxBlobSize {
		t.mu.Unlock()
		return &sizeError{limit: t.limits.MaxBlobSize}
	}
	newCap := want
	if newCap < have+need {
		// Unknown length: grow by a quarter, at least 64 KiB, within
		// the blob limit.
		newCap = min(max(have+need, have+have/4, have+64<<10), t.limits.MaxBlobSize)
	}
	extra := newCap - int64(cap(u.data))
	if t.held+extra > t.limits.MaxSessionBytes {
		held, limit := t.held, t.limits.MaxSessionBytes
		t.mu.Unlock()
		return &limitError{fmt.Sprintf("uploads in progress hold %d bytes and %d more would exceed the %d byte limit (UploadLimits.MaxSessionBytes); complete or cancel uploads, or retry later",
			held, extra, limit)}
	}
	t.held += extra
	t.mu.Unlock()
	buf := make([]byte, have, newCap)
	copy(buf, u.data)
	u.data = buf
	return nil
}

// fill streams body onto the end of u. length is the body's length when
// known (-1 otherwise). It returns the bytes read; on error the bytes read
// so far stay in u for the caller to keep or cut.
func (t *uploadTable) fill(u *upload, body io.Reader, length int64) (int64, error) {
	start := int64(len(u.data))
	if length >= 0 {
		if err := t.grow(u, length, start+length); err != nil {
			return 0, err
		}
	}
	for {
		if len(u.data) == cap(u.data) {
			// A body longer than announced, or of unknown length: check
			// for more before growing, so an exact buffer stays exact.
			var probe [1]byte
			n, err := io.ReadFull(body, probe[:])
			if n == 0 {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return int64(len(u.data)) - start, nil
				}
				return int64(len(u.data)) - start, err
			}
			if err := t.grow(u, 1, -1); err != nil {
				return int64(len(u.data)) - start, err
			}
			u.data = append(u.data, probe[0])
		}
		n, err := body.Read(u.data[len(u.data):cap(u.data)])
		u.data = u.data[:len(u.data)+n]
		if errors.Is(err, io.EOF) {
			return int64(len(u.data)) - start, nil
		}
		if err != nil {
			return int64(len(u.data)) - start, err
		}
	}
}
