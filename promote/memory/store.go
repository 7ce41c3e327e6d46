package memory

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/tidwall/btree"

	"github.com/imagetags/imagetags/promote"
)

// Op names one kind of registry operation, for fault injection, call
// counting and the event log.
type Op string

// The operations of the fake. The Go methods and the HTTP handler share
// them, so a fault injected for OpTag fails both Registry.Tag and a
// manifest PUT by tag.
const (
	OpResolve        Op = "resolve"         // Resolve; manifest HEAD
	OpFetch          Op = "fetch"           // FetchManifest; manifest GET
	OpTag            Op = "tag"             // Tag, SwapTag; manifest PUT by tag
	OpTags           Op = "tags"            // Tags; tag list
	OpDeleteTag      Op = "delete-tag"      // DeleteTag; manifest DELETE by tag
	OpPushManifest   Op = "push-manifest"   // manifest PUT by digest
	OpDeleteManifest Op = "delete-manifest" // manifest DELETE by digest
	OpBlob           Op = "blob"            // blob GET, HEAD, DELETE and uploads
)

var allOps = [...]Op{OpResolve, OpFetch, OpTag, OpTags, OpDeleteTag, OpPushManifest, OpDeleteManifest, OpBlob}

// opResolveIndex is OpResolve.index(), for the Resolve hot path.
const opResolveIndex = 0

// index returns the position of op in allOps, or -1.
func (op Op) index() int {
	switch op {
	case OpResolve:
		return 0
	case OpFetch:
		return 1
	case OpTag:
		return 2
	case OpTags:
		return 3
	case OpDeleteTag:
		return 4
	case OpPushManifest:
		return 5
	case OpDeleteManifest:
		return 6
	case OpBlob:
		return 7
	}
	return -1
}

// Event is one write recorded in the event log.
type Event struct {
	Seq        int           `json:"seq"`                // 1 for the first write, then counting up
	Op         Op            `json:"op"`                 // OpTag, OpDeleteTag, OpPushManifest, OpDeleteManifest or OpBlob
	Repository string        `json:"repository"`         // repository path, such as "team/app"
	Tag        string        `json:"tag,omitempty"`      // the tag written or deleted, if any
	Digest     digest.Digest `json:"digest,omitempty"`   // the digest written or deleted
	Previous   digest.Digest `json:"previous,omitempty"` // where the tag pointed before, if anywhere
}

// Registry is an in-memory OCI registry. The zero value is not usable; call
// New. A Registry is safe for concurrent use by many goroutines.
type Registry struct {
	mu      sync.RWMutex
	repos   map[string]*repository // under mu
	rules   []Rule
	events  eventLog
	uploads map[string]*upload
	nextID  uint64

	faultMu   sync.Mutex
	faults    []*faultState
	hasFaults atomic.Bool

	calls [len(allOps)]atomic.Int64 // indexed by Op.index

	// tags maps "repository:tag" to the manifest, for every tag of every
	// repository, so that resolving a tag is one lock-free lookup. It
	// changes under mu together with the repositories' ordered tag sets.
	tags tagIndex
}

// eventLog stores events in fixed-size blocks, so that appending never
// copies the events already logged.
type eventLog struct {
	blocks [][]Event
	n      int
}

const eventBlock = 1024

func (l *eventLog) add(e Event) {
	if l.n%eventBlock == 0 {
		l.blocks = append(l.blocks, make([]Event, 0, eventBlock))
	}
	last := len(l.blocks) - 1
	l.blocks[last] = append(l.blocks[last], e)
	l.n++
}

func (l *eventLog) all() []Event {
	out := make([]Event, 0, l.n)
	for _, b := range l.blocks {
		out = append(out, b...)
	}
	return out
}

type repository struct {
	name      string
	index     *tagIndex // the registry's, where the tags point
	manifests map[digest.Digest]*manifest
	blobs     map[digest.Digest][]byte
	sorted    btree.Set[string] // the tag names, in order for listing
}

type manifest struct {
	desc    ocispec.Descriptor // MediaType, Digest, Size and ArtifactType only
	data    []byte
	subject digest.Digest
	refs    []digest.Digest // the blobs or manifests it points at
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{
		repos:   map[string]*repository{},
		uploads: map[string]*upload{},
		tags:    newTagIndex(),
	}
}

// Calls returns how many times op was attempted, over Go methods and HTTP
// alike, including calls that failed. Use it to assert how many requests a
// piece of code makes, for example that a batch of checks resolves each
// distinct tag once.
func (r *Registry) Calls(op Op) int {
	i := op.index()
	if i < 0 {
		return 0
	}
	return int(r.calls[i].Load())
}

// Events returns a copy of the event log: every write made through the Go
// methods or the HTTP handler, oldest first. Seeding is not logged.
func (r *Registry) Events() []Event {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.events.all()
}

// ResetEvents empties the event log and the call counters.
func (r *Registry) ResetEvents() {
	r.mu.Lock()
	r.events = eventLog{}
	r.mu.Unlock()
	for i := range r.calls {
		r.calls[i].Store(0)
	}
}

// logLocked appends to the event log; r.mu must be held for writing.
func (r *Registry) logLocked(e Event) {
	e.Seq = r.events.n + 1
	r.events.add(e)
}

// begin counts a call of op, checks the context and applies any injected
// fault. Every public operation starts with it.
func (r *Registry) begin(ctx context.Context, op Op, repo string) error {
	if i := op.index(); i >= 0 {
		r.calls[i].Add(1)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.hasFaults.Load() {
		return r.fault(op, repo)
	}
	return nil
}

// repoLocked returns the named repository or nil; r.mu must be held.
func (r *Registry) repoLocked(name string) *repository {
	return r.repos[name]
}

// repoForWriteLocked returns the named repository, creating it when it
// does not exist; r.mu must be held for writing.
func (r *Registry) repoForWriteLocked(name string) *repository {
	rp := r.repos[name]
	if rp == nil {
		rp = &repository{
			name:      name,
			index:     &r.tags,
			manifests: map[digest.Digest]*manifest{},
			blobs:     map[digest.Digest][]byte{},
		}
		r.repos[name] = rp
	}
	return rp
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("memory: "+format+": %w", append(args, promote.ErrNotFound)...)
}

// tagDigest returns where tag points.
func (rp *repository) tagDigest(tag string) (digest.Digest, bool) {
	m, ok := rp.tag(tag)
	if !ok {
		return "", false
	}
	return m.desc.Digest, true
}

// storeTagLocked points tag of repository repo at m; r.mu must be held
// for writing. Moving an existing tag allocates nothing; a new tag costs
// O(log n) in its repository's ordered set.
func (r *Registry) storeTagLocked(rp *repository, repo, tag string, m *manifest) {
	if r.tags.set(repo, tag, m) {
		rp.sorted.Insert(tag)
	}
}

// deleteTagLocked removes tag from repository repo; r.mu must be held for
// writing.
func (r *Registry) deleteTagLocked(rp *repository, repo, tag string) {
	if r.tags.remove(repo, tag) {
		rp.sorted.Delete(tag)
	}
}

// tag returns the manifest tag points at. It is safe without r.mu: the
// tag index is read without locks, and manifests never change once
// stored.
func (rp *repository) tag(tag string) (*manifest, bool) {
	m := rp.index.lookup(rp.name, tag)
	return m, m != nil
}

// resolve finds the manifest a tag or digest names in repo.
func (r *Registry) resolve(ctx context.Context, op Op, repo, ref string) (*manifest, error) {
	if err := r.begin(ctx, op, repo); err != nil {
		return nil, err
	}
	return r.find(repo, ref)
}

// find is resolve without counting the call or applying faults.
func (r *Registry) find(repo, ref string) (*manifest, error) {
	if !strings.Contains(ref, ":") {
		// By tag: the tag index is read without a lock. Only a miss
		// takes the lock, to tell a missing tag from a missing
		// repository.
		if m := r.tags.lookup(repo, ref); m != nil {
			return m, nil
		}
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lookupLocked(repo, ref)
}

func (r *Registry) lookupLocked(repo, ref string) (*manifest, error) {
	rp := r.repoLocked(repo)
	if rp == nil {
		return nil, &nameUnknownError{repo}
	}
	if !strings.Contains(ref, ":") {
		if m, ok := rp.tag(ref); ok {
			return m, nil
		}
		return nil, notFound("tag %q in repository %q", ref, repo)
	}
	m, ok := rp.manifests[digest.Digest(ref)]
	if !ok {
		return nil, notFound("manifest %q in repository %q", ref, repo)
	}
	return m, nil
}

// setTag points tag at d. When old is non-nil the tag must currently point
// at *old, or not exist when *old is empty; otherwise the call fails with
// promote.ErrPreconditionFailed.
func (r *Registry) setTag(ctx context.Context, repo, tag string, d digest.Digest, old *digest.Digest) error {
	if err := r.begin(ctx, OpTag, repo); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rp := r.repoLocked(repo)
	if rp == nil {
		return &nameUnknownError{repo}
	}
	m, ok := rp.manifests[d]
	if !ok {
		return notFound("manifest %q in repository %q", d, repo)
	}
	return r.setTagLocked(rp, repo, tag, m, old)
}

func (r *Registry) setTagLocked(rp *repository, repo, tag string, m *manifest, old *digest.Digest) error {
	d := m.desc.Digest
	cur, exists := rp.tagDigest(tag)
	if old != nil && cur != *old {
		want := "to be absent"
		if *old != "" {
			want = "at " + string(*old)
		}
		have := "absent"
		if exists {
			have = "at " + string(cur)
		}
		return fmt.Errorf("memory: tag %q in repository %q: expected it %s, found it %s: %w",
			tag, repo, want, have, promote.ErrPreconditionFailed)
	}
	if exists && cur == d {
		return nil
	}
	if exists {
		if err := r.immutableLocked(repo, tag); err != nil {
			return err
		}
	}
	r.storeTagLocked(rp, repo, tag, m)
	r.logLocked(Event{Op: OpTag, Repository: repo, Tag: tag, Digest: d, Previous: cur})
	return nil
}

// deleteTag removes tag from repo.
func (r *Registry) deleteTag(ctx context.Context, repo, tag string) error {
	if err := r.begin(ctx, OpDeleteTag, repo); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rp := r.repoLocked(repo)
	if rp == nil {
		return &nameUnknownError{repo}
	}
	cur, ok := rp.tagDigest(tag)
	if !ok {
		return notFound("tag %q in repository %q", tag, repo)
	}
	if err := r.immutableLocked(repo, tag); err != nil {
		return err
	}
	r.deleteTagLocked(rp, repo, tag)
	r.logLocked(Event{Op: OpDeleteTag, Repository: repo, Tag: tag, Digest: cur, Previous: cur})
	return nil
}

// listTags returns up to n tags of repo sorted after last, and whether more
// follow. n <= 0 means all.
func (r *Registry) listTags(ctx context.Context, repo, last string, n int) ([]string, bool, error) {
	if err := r.begin(ctx, OpTags, repo); err != nil {
		return nil, false, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	rp := r.repoLocked(repo)
	if rp == nil {
		return nil, false, &nameUnknownError{repo}
	}
	size := rp.sorted.Len()
	if n > 0 && n < size {
		size = n
	}
	out := make([]string, 0, size)
	more := false
	rp.sorted.Ascend(last, func(tag string) bool {
		if tag == last {
			return true
		}
		if n > 0 && len(out) == n {
			more = true
			return false
		}
		out = append(out, tag)
		return true
	})
	return out, more, nil
}

// The cursor of the Go Tags method is opaque to callers: a version prefix
// and the last tag returned, base64-encoded, so code that assumes cursors
// are tag names fails against the fake as it would against ECR.
const cursorPrefix = "c1."

func encodeCursor(last string) string {
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(last))
}

func decodeCursor(c string) (string, error) {
	rest, ok := strings.CutPrefix(c, cursorPrefix)
	if !ok {
		return "", fmt.Errorf("memory: invalid page cursor %q: not issued by this registry", c)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) == 0 {
		return "", fmt.Errorf("memory: invalid page cursor %q: not issued by this registry", c)
	}
	return string(b), nil
}

// putManifest stores a manifest under its digest, checking that what it
// points at exists, and optionally tags it.
func (r *Registry) putManifest(ctx context.Context, repo, tag, mediaType string, data []byte) (digest.Digest, *manifest, error) {
	op := OpPushManifest
	if tag != "" {
		op = OpTag
	}
	if err := r.begin(ctx, op, repo); err != nil {
		return "", nil, err
	}
	m, err := r.knownOrParse(repo, mediaType, data)
	if err != nil {
		return "", nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rp := r.repoForWriteLocked(repo)
	for _, ref := range m.refs {
		if _, isBlob := rp.blobs[ref]; isBlob {
			continue
		}
		if _, isManifest := rp.manifests[ref]; !isManifest {
			return "", nil, &missingError{repo: repo, digest: ref, index: m.desc.MediaType == ocispec.MediaTypeImageIndex}
		}
	}
	if tag != "" && len(r.rules) > 0 {
		if cur, ok := rp.tagDigest(tag); ok && cur != m.desc.Digest {
			if err := r.immutableLocked(repo, tag); err != nil {
				return "", nil, err
			}
		}
	}
	if have, ok := rp.manifests[m.desc.Digest]; ok {
		m = have
	} else {
		rp.manifests[m.desc.Digest] = m
		r.logLocked(Event{Op: OpPushManifest, Repository: repo, Digest: m.desc.Digest})
	}
	if tag != "" {
		if err := r.setTagLocked(rp, repo, tag, m, nil); err != nil {
			return "", nil, err
		}
	}
	return m.desc.Digest, m, nil
}

// missingError reports a manifest that points at content the repository
// does not hold.
type missingError struct {
	repo   string
	digest digest.Digest
	index  bool
}

func (e *missingError) Error() string {
	what := "blob"
	if e.index {
		what = "manifest"
	}
	return fmt.Sprintf("memory: manifest refers to %s %s, which repository %q does not hold", what, e.digest, e.repo)
}

func (e *missingError) Unwrap() error { return promote.ErrNotFound }

// errManifestInvalid marks manifest bodies that cannot be parsed.
var errManifestInvalid = errors.New("manifest invalid")

// maxManifestSize bounds the manifests the fake accepts, like the 4 MiB
// limit most registries apply.
const maxManifestSize = 4 << 20

// parseManifest checks a manifest body and works out its descriptor and
// the content it refers to.
func parseManifest(mediaType string, data []byte) (*manifest, error) {
	return parseManifestDigest(mediaType, data, "")
}

// parseManifestDigest is parseManifest for a body whose sha256 digest d
// is already known; "" computes it.
func parseManifestDigest(mediaType string, data []byte, d digest.Digest) (*manifest, error) {
	if len(data) > maxManifestSize {
		return nil, fmt.Errorf("memory: manifest of %d bytes exceeds the %d byte limit: %w", len(data), maxManifestSize, errManifestInvalid)
	}
	probe, err := scanManifest(data)
	if err != nil {
		return nil, fmt.Errorf("memory: manifest is not valid JSON: %v: %w", err, errManifestInvalid)
	}
	if mediaType == "" {
		mediaType = probe.MediaType
	}
	if probe.MediaType != "" && probe.MediaType != mediaType {
		return nil, fmt.Errorf("memory: manifest says media type %q but was sent as %q: %w", probe.MediaType, mediaType, errManifestInvalid)
	}
	m := &manifest{data: data}
	var refs []ocispec.Descriptor
	switch mediaType {
	case ocispec.MediaTypeImageManifest, mediaTypeDockerManifest:
		if probe.Config == nil {
			return nil, fmt.Errorf("memory: image manifest has no config: %w", errManifestInvalid)
		}
		refs = append(make([]ocispec.Descriptor, 0, 1+len(probe.Layers)), *probe.Config)
		refs = append(refs, probe.Layers...)
	case ocispec.MediaTypeImageIndex, mediaTypeDockerList:
		refs = probe.Manifests
	default:
		return nil, fmt.Errorf("memory: unsupported manifest media type %q: %w", mediaType, errManifestInvalid)
	}
	m.refs = make([]digest.Digest, 0, len(refs))
	for _, d := range refs {
		if err := validDigest(d.Digest); err != nil {
			return nil, fmt.Errorf("memory: manifest refers to invalid digest %q: %v: %w", d.Digest, err, errManifestInvalid)
		}
		m.refs = append(m.refs, d.Digest)
	}
	if probe.Subject != nil {
		if err := validDigest(probe.Subject.Digest); err != nil {
			return nil, fmt.Errorf("memory: manifest subject has invalid digest %q: %v: %w", probe.Subject.Digest, err, errManifestInvalid)
		}
		m.subject = probe.Subject.Digest
	}
	if d == "" {
		d = sha256Digest(data)
	}
	m.desc = ocispec.Descriptor{
		MediaType:    mediaType,
		ArtifactType: probe.ArtifactType,
		Digest:       d,
		Size:         int64(len(data)),
	}
	return m, nil
}

// sha256Digest is digest.FromBytes for sha256, with one allocation.
func sha256Digest(data []byte) digest.Digest {
	sum := sha256.Sum256(data)
	var buf [len("sha256:") + 2*sha256.Size]byte
	copy(buf[:], "sha256:")
	hex.Encode(buf[len("sha256:"):], sum[:])
	return digest.Digest(buf[:])
}

// Docker media types the fake accepts alongside the OCI ones.
const (
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// Rule makes tags immutable, like the tag immutability settings of ECR and
// Harbor. A tag is immutable under a rule when its repository matches one
// of Repositories (or Repositories is empty), the tag matches one of Tags
// (or Tags is empty), and it matches none of Exclude. Patterns are
// path.Match globs.
//
// ECR's IMMUTABLE_WITH_EXCLUSION setting for a repository "app" is
// Rule{Repositories: []string{"app"}, Exclude: []string{"latest", "dev-*"}};
// a Harbor rule "v* in every repository" is Rule{Tags: []string{"v*"}}.
//
// An immutable tag can be created and re-pointed at the digest it already
// has, but not moved to another digest or deleted.
type Rule struct {
	Repositories []string `json:"repositories,omitempty"` // repository path globs; empty means all
	Tags         []string `json:"tags,omitempty"`         // tag globs; empty means all
	Exclude      []string `json:"exclude,omitempty"`      // tag globs that stay mutable
}

// SetImmutable replaces the registry's immutable-tag rules. It returns an
// error naming the first malformed pattern, and then leaves the rules as
// they were.
func (r *Registry) SetImmutable(rules ...Rule) error {
	for i, rule := range rules {
		for _, list := range [][]string{rule.Repositories, rule.Tags, rule.Exclude} {
			for _, p := range list {
				if _, err := path.Match(p, ""); err != nil {
					return fmt.Errorf("memory: immutable rule %d: pattern %q: %w", i, p, err)
				}
			}
		}
	}
	cp := make([]Rule, len(rules))
	for i, rule := range rules {
		cp[i] = Rule{Repositories: slices.Clone(rule.Repositories), Tags: slices.Clone(rule.Tags), Exclude: slices.Clone(rule.Exclude)}
	}
	r.mu.Lock()
	r.rules = cp
	r.mu.Unlock()
	return nil
}

func matchAny(patterns []string, s string, emptyMatches bool) bool {
	if len(patterns) == 0 {
		return emptyMatches
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// immutableLocked returns an error matching promote.ErrTagImmutable when a
// rule protects tag in repo.
func (r *Registry) immutableLocked(repo, tag string) error {
	for i, rule := range r.rules {
		if matchAny(rule.Repositories, repo, true) && matchAny(rule.Tags, tag, true) && !matchAny(rule.Exclude, tag, false) {
			return fmt.Errorf("memory: tag %q in repository %q cannot be overwritten because the tag is immutable (rule %d): %w",
				tag, repo, i, promote.ErrTagImmutable)
		}
	}
	return nil
}

// deleteManifest removes a manifest and every tag that points at it.
func (r *Registry) deleteManifest(ctx context.Context, repo string, d digest.Digest) error {
	if err := r.begin(ctx, OpDeleteManifest, repo); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rp := r.repoLocked(repo)
	if rp == nil {
		return &nameUnknownError{repo}
	}
	if _, ok := rp.manifests[d]; !ok {
		return notFound("manifest %q in repository %q", d, repo)
	}
	var tags []string
	var immutable error
	rp.sorted.Scan(func(t string) bool {
		if cur, _ := rp.tagDigest(t); cur == d {
			if err := r.immutableLocked(repo, t); err != nil {
				immutable = err
				return false
			}
			tags = append(tags, t)
		}
		return true
	})
	if immutable != nil {
		return immutable
	}
	for _, t := range tags {
		r.deleteTagLocked(rp, repo, t)
		r.logLocked(Event{Op: OpDeleteTag, Repository: repo, Tag: t, Digest: d, Previous: d})
	}
	delete(rp.manifests, d)
	r.logLocked(Event{Op: OpDeleteManifest, Repository: repo, Digest: d})
	return nil
}

// referrers returns descriptors of the manifests whose subject is d,
// sorted by digest, optionally only those of one artifact type.
func (r *Registry) referrers(ctx context.Context, repo string, d digest.Digest, artifactType string) ([]ocispec.Descriptor, error) {
	if err := r.begin(ctx, OpFetch, repo); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	rp := r.repoLocked(repo)
	if rp == nil {
		return nil, &nameUnknownError{repo}
	}
	out := []ocispec.Descriptor{}
	for _, m := range rp.manifests {
		if m.subject != d {
			continue
		}
		desc := m.desc
		var probe struct {
			ArtifactType string `json:"artifactType"`
			Config       struct{ MediaType string }
			Annotations  map[string]string `json:"annotations"`
		}
		if json.Unmarshal(m.data, &probe) == nil {
			desc.Annotations = probe.Annotations
			if desc.ArtifactType == "" {
				desc.ArtifactType = probe.Config.MediaType
			}
		}
		if artifactType != "" && desc.ArtifactType != artifactType {
			continue
		}
		out = append(out, desc)
	}
	slices.SortFunc(out, func(a, b ocispec.Descriptor) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
	return out, nil
}
