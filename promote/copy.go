package promote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"

	"github.com/imagetags/imagetags/reference"
)

// CopyOptions chooses what Copy carries along with an image.
type CopyOptions struct {
	// NoReferrers leaves the image's referrers (signatures, SBOMs,
	// attestations) behind. By default they are copied.
	NoReferrers bool
	// CosignTags also copies the legacy cosign tags of the image and of
	// each of its platform manifests: sha256-<hex>.sig, .att and .sbom,
	// written by cosign before the referrers API. A legacy tag that points
	// at another manifest at the destination is left alone and reported.
	CosignTags bool
	// Concurrency bounds the transfers in flight; zero or less means
	// oras-go's default of 3.
	Concurrency int
}

// Limits of what one copy walks, so that a malformed or hostile source
// cannot make it run forever.
const (
	maxGraphNodes    = 4096
	maxManifestBytes = 4 << 20
	maxIndexDepth    = 8
)

// Copy copies the image src names (by digest or tag) from srcReg into the
// repository dst names on dstReg: the index and every platform manifest,
// configs and layers, byte for byte, so the digest at the destination is
// the digest at the source, and its referrers unless co.NoReferrers says
// otherwise. Content the destination already holds is not sent again; on
// the same registry blobs are mounted from the source repository;
// non-distributable layers are not copied.
//
// When dst carries a tag, Copy then points it at the image with the rules
// of Promote: ExpectCurrent and ExpectAbsent are preconditions on that tag,
// protected tags (WithImmutable, WithImmutablePatterns) are not moved, and
// a tag already at the digest is not written. The tag is checked before
// any content is sent, and again when it is written.
//
// Both registries must implement ContentProvider. The CopyRecord says what
// arrived and what moved, also when Copy fails part way; running Copy
// again sends only what is missing.
func Copy(ctx context.Context, srcReg Registry, src reference.Reference, dstReg Registry, dst reference.Reference, co CopyOptions, opts ...Option) (CopyRecord, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return CopyRecord{}, err
	}
	if dstReg == nil {
		return CopyRecord{}, errNilRegistry
	}
	if dst.IsZero() {
		return CopyRecord{}, fmt.Errorf("promote: copy %s: empty destination reference", src)
	}
	if dst.IsPinned() {
		return CopyRecord{}, fmt.Errorf("promote: copy %s to %s: the destination names a repository and optionally a tag, not a digest", src, dst)
	}
	if cfg.expect != nil && !dst.HasTag() {
		return CopyRecord{}, fmt.Errorf("promote: copy %s to %s: ExpectCurrent and ExpectAbsent apply to a destination tag, and %s has none", src, dst, dst)
	}
	rec := CopyRecord{Record: Record{Operation: "copy", Repository: dst.Name(), Source: src.String(), Tags: []TagChange{}, Time: cfg.now()}, Content: emptyTransfer()}
	desc, err := resolveDescriptor(ctx, srcReg, "copy", src)
	if err != nil {
		return rec, err
	}
	d := desc.Digest
	rec.Digest = d
	var checked TagChange
	if dst.HasTag() {
		// Refuse before sending anything when the tag cannot be set.
		if checked, err = checkTag(ctx, dstReg, cfg, dst.NameOnly(), dst.Tag(), d, cfg.expect); err != nil {
			rec.Tags = append(rec.Tags, checked)
			return rec, fmt.Errorf("promote: copy %s to %s: %w", src, dst, err)
		}
	}
	named := src // messages name the digest, also when src is a tag
	if !src.IsPinned() {
		if p, err := src.WithDigest(d); err == nil {
			named = p
		}
	}
	c, err := newCopier(srcReg, named, dstReg, dst, co)
	if err != nil {
		return rec, err
	}
	if _, err := c.checkRoot(ctx, desc); err != nil {
		return rec, c.fail("check the destination", err)
	}
	g, err := c.discover(ctx, desc)
	if err != nil {
		return rec, c.fail("read the image", err)
	}
	rec.Content, err = c.run(ctx, g)
	if err != nil {
		if dst.HasTag() {
			checked.Error = tagError(dst.Tag(), errors.New("not set: the image did not arrive completely")).Error()
			rec.Tags = append(rec.Tags, checked)
		}
		return rec, c.failAfter(rec.Content, err)
	}
	if !dst.HasTag() {
		return rec, nil
	}
	ch, err := setTag(ctx, dstReg, cfg, dst.NameOnly(), dst.Tag(), d, cfg.expect)
	rec.Tags = append(rec.Tags, ch)
	if err != nil {
		return rec, fmt.Errorf("promote: copy %s to %s: the image arrived (%s) but the tag was not set: %w", src, dst, rec.Content.Summary(), err)
	}
	return rec, nil
}

// resolveDescriptor is resolveSource returning the whole descriptor.
func resolveDescriptor(ctx context.Context, r Registry, op string, src reference.Reference) (ocispec.Descriptor, error) {
	if r == nil {
		return ocispec.Descriptor{}, errNilRegistry
	}
	if src.IsZero() {
		return ocispec.Descriptor{}, fmt.Errorf("promote: %s: empty source reference", op)
	}
	desc, err := r.Resolve(ctx, src)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("promote: %s: resolve source %s: %w", op, src, err)
	}
	if err := desc.Digest.Validate(); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("promote: %s: registry resolved %s to invalid digest %q: %w", op, src, desc.Digest, err)
	}
	if src.IsPinned() && desc.Digest != src.Digest() {
		return ocispec.Descriptor{}, fmt.Errorf("promote: %s: registry resolved %s to another digest, %s", op, src, desc.Digest)
	}
	return desc, nil
}

// checkTag reports, without writing, whether setTag would refuse tag.
func checkTag(ctx context.Context, r Registry, cfg *config, repo reference.Reference, tag string, d digest.Digest, expect *digest.Digest) (TagChange, error) {
	ch := TagChange{Tag: tag, Digest: d}
	fail := func(err error) (TagChange, error) {
		err = tagError(tag, err)
		ch.Error = err.Error()
		return ch, err
	}
	_, prev, err := readTag(ctx, r, repo, tag)
	if err != nil {
		return fail(err)
	}
	ch.Previous = prev
	if prev == d {
		return ch, nil // done, whatever the precondition, as in setTag
	}
	if expect != nil && *expect != prev {
		return fail(mismatch(*expect, prev))
	}
	if prev != "" && cfg.immutable(tag) {
		return fail(fmt.Errorf("refusing to move it from %s to %s: protected by the immutable-tag option: %w", prev, d, ErrTagImmutable))
	}
	return ch, nil
}

// copier moves one image and its referrers between two repositories.
type copier struct {
	src, dst    reference.Reference // for messages: the source as given, the destination repository
	srcT, dstT  oras.GraphTarget
	mountFrom   string // the source repository path when a mount can work
	co          CopyOptions
	rootPresent bool // the destination holds the image (see checkRoot)

	mu      sync.Mutex
	sent    map[digest.Digest]Content
	mounted map[digest.Digest]Content
	present map[digest.Digest]Content
	// attempted holds the content whose upload or mount started.
	attempted map[digest.Digest]ocispec.Descriptor
	cache     map[digest.Digest][]byte // manifests read while discovering
}

func newCopier(srcReg Registry, src reference.Reference, dstReg Registry, dst reference.Reference, co CopyOptions) (*copier, error) {
	srcP, ok := srcReg.(ContentProvider)
	if !ok {
		return nil, fmt.Errorf("promote: copy from %s: the source registry (%T) cannot hand out content (it does not implement ContentProvider): %w", src.Registry(), srcReg, ErrUnsupported)
	}
	dstP, ok := dstReg.(ContentProvider)
	if !ok {
		return nil, fmt.Errorf("promote: copy to %s: the destination registry (%T) cannot take content (it does not implement ContentProvider): %w", dst.Registry(), dstReg, ErrUnsupported)
	}
	srcT, err := srcP.ContentTarget(src)
	if err != nil {
		return nil, fmt.Errorf("promote: copy from %s: %w", src.Name(), err)
	}
	dstT, err := dstP.ContentTarget(dst)
	if err != nil {
		return nil, fmt.Errorf("promote: copy to %s: %w", dst.Name(), err)
	}
	c := &copier{
		src: src, dst: dst.NameOnly(),
		srcT: srcT, dstT: dstT,
		co:      co,
		sent:    map[digest.Digest]Content{},
		mounted: map[digest.Digest]Content{},
		present: map[digest.Digest]Content{},
		cache:   map[digest.Digest][]byte{},

		attempted: map[digest.Digest]ocispec.Descriptor{},
	}
	if src.Registry() == dst.Registry() && src.Repository() != dst.Repository() {
		c.mountFrom = src.Repository()
	}
	return c, nil
}

// checkRoot asks the destination whether it holds the image, so that
// discovery can skip reading platform manifests whose content will not be
// copied.
func (c *copier) checkRoot(ctx context.Context, root ocispec.Descriptor) (bool, error) {
	ok, err := c.dstT.Exists(ctx, root)
	if err != nil {
		return false, &oras.CopyError{Op: "Exists", Origin: oras.CopyErrorOriginDestination, Err: err}
	}
	c.rootPresent = ok
	return ok, nil
}

// graph is what a copy moves: the image's own manifests and the referrers
// found for them, discovered before anything is written.
type graph struct {
	root      ocispec.Descriptor
	manifests []ocispec.Descriptor // the image's manifests, root first
	foreign   []Content
	referrers []ocispec.Descriptor // in discovery order: a referrer's own referrers come after it
	subjectOf map[digest.Digest]ocispec.Descriptor
	legacy    []legacyTag
}

type legacyTag struct {
	tag  string
	desc ocispec.Descriptor
}

// Referrers returns the referrers as the record shows them.
func (g graph) Referrers() []Referrer {
	out := make([]Referrer, 0, len(g.referrers))
	for _, r := range g.referrers {
		out = append(out, Referrer{Digest: r.Digest, MediaType: r.MediaType, ArtifactType: r.ArtifactType, Subject: g.subjectOf[r.Digest].Digest})
	}
	return out
}

// discover reads the image's manifests from the source and lists the
// referrers of each, and of each referrer in turn.
func (c *copier) discover(ctx context.Context, root ocispec.Descriptor) (graph, error) {
	g := graph{root: root, subjectOf: map[digest.Digest]ocispec.Descriptor{}}
	seen := map[digest.Digest]bool{}
	var walk func(d ocispec.Descriptor, depth int) error
	walk = func(d ocispec.Descriptor, depth int) error {
		if seen[d.Digest] {
			return nil
		}
		if len(seen) >= maxGraphNodes {
			return fmt.Errorf("the image has more than %d manifests", maxGraphNodes)
		}
		seen[d.Digest] = true
		g.manifests = append(g.manifests, d)
		if !isManifestType(d.MediaType) {
			return fmt.Errorf("manifest %s has media type %q, which is not an OCI or Docker manifest or index", d.Digest, d.MediaType)
		}
		if c.rootPresent && !isIndexType(d.MediaType) {
			return nil // nothing below it will be copied: its layers do not matter
		}
		data, err := c.fetchManifest(ctx, d)
		if err != nil {
			return err
		}
		var m struct {
			Manifests []ocispec.Descriptor `json:"manifests"`
			Layers    []ocispec.Descriptor `json:"layers"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("manifest %s is not valid JSON: %w", d.Digest, err)
		}
		for _, l := range m.Layers {
			if isForeignLayer(l.MediaType) {
				g.foreign = append(g.foreign, contentOf(l))
			}
		}
		if !isIndexType(d.MediaType) {
			return nil
		}
		if depth >= maxIndexDepth {
			return fmt.Errorf("index %s nests more than %d levels deep", d.Digest, maxIndexDepth)
		}
		for _, child := range m.Manifests {
			if err := child.Digest.Validate(); err != nil {
				return fmt.Errorf("index %s lists an invalid digest %q: %w", d.Digest, child.Digest, err)
			}
			if !isManifestType(child.MediaType) {
				continue // an artifact or blob listed in an index: oras-go copies it as content
			}
			if err := walk(child, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, 0); err != nil {
		return g, err
	}
	if !c.co.NoReferrers {
		queue := slices.Clone(g.manifests)
		for len(queue) > 0 {
			subject := queue[0]
			queue = queue[1:]
			refs, err := c.srcT.Predecessors(ctx, subject)
			if err != nil {
				return g, fmt.Errorf("list the referrers of %s: %w", subject.Digest, err)
			}
			slices.SortFunc(refs, func(a, b ocispec.Descriptor) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
			for _, r := range refs {
				if seen[r.Digest] {
					continue
				}
				if err := r.Digest.Validate(); err != nil {
					return g, fmt.Errorf("the referrers of %s list an invalid digest %q: %w", subject.Digest, r.Digest, err)
				}
				if len(seen) >= maxGraphNodes {
					return g, fmt.Errorf("the image has more than %d manifests and referrers", maxGraphNodes)
				}
				seen[r.Digest] = true
				g.referrers = append(g.referrers, r)
				g.subjectOf[r.Digest] = subject
				queue = append(queue, r)
			}
		}
	}
	if c.co.CosignTags {
		for _, m := range g.manifests {
			for _, suffix := range []string{".sig", ".att", ".sbom"} {
				tag := m.Digest.Algorithm().String() + "-" + m.Digest.Encoded() + suffix
				desc, err := c.srcT.Resolve(ctx, tag)
				if isNotFound(err) {
					continue
				}
				if err != nil {
					return g, fmt.Errorf("resolve legacy tag %q: %w", tag, err)
				}
				g.legacy = append(g.legacy, legacyTag{tag: tag, desc: desc})
			}
		}
	}
	return g, nil
}

func isNotFound(err error) bool {
	return err != nil && (errors.Is(err, errdef.ErrNotFound) || errors.Is(err, ErrNotFound))
}

// fetchManifest reads a manifest from the source, checks it against its
// descriptor and keeps it for the copy.
func (c *copier) fetchManifest(ctx context.Context, d ocispec.Descriptor) ([]byte, error) {
	c.mu.Lock()
	data, ok := c.cache[d.Digest]
	c.mu.Unlock()
	if ok {
		return data, nil
	}
	if d.Size < 0 || d.Size > maxManifestBytes {
		return nil, fmt.Errorf("manifest %s: size %d outside 0..%d bytes", d.Digest, d.Size, maxManifestBytes)
	}
	data, err := content.FetchAll(ctx, c.srcT, d)
	if err != nil {
		return nil, fmt.Errorf("fetch manifest %s: %w", d.Digest, err)
	}
	c.mu.Lock()
	c.cache[d.Digest] = data
	c.mu.Unlock()
	return data, nil
}

// run copies the graph: the image first, then each referrer (whose
// subject is then in place), then the legacy tags; then it checks that the
// destination lists every referrer.
func (c *copier) run(ctx context.Context, g graph) (Transfer, error) {
	opts := oras.CopyGraphOptions{
		Concurrency:   c.co.Concurrency,
		PreCopy:       func(_ context.Context, d ocispec.Descriptor) error { c.attempt(d); return nil },
		PostCopy:      func(_ context.Context, d ocispec.Descriptor) error { c.note(c.sent, d); return nil },
		OnMounted:     func(_ context.Context, d ocispec.Descriptor) error { c.note(c.mounted, d); return nil },
		OnCopySkipped: func(_ context.Context, d ocispec.Descriptor) error { c.note(c.present, d); return nil },
	}
	if c.mountFrom != "" {
		from := []string{c.mountFrom}
		opts.MountFrom = func(_ context.Context, d ocispec.Descriptor) ([]string, error) { c.attempt(d); return from, nil }
	}
	src := &cachedSource{ReadOnlyStorage: c.srcT, c: c}
	roots := append([]ocispec.Descriptor{g.root}, g.referrers...)
	for _, l := range g.legacy {
		roots = append(roots, l.desc)
	}
	var legacy []TagChange
	err := func() error {
		for _, root := range roots {
			if err := oras.CopyGraph(ctx, src, c.dstT, root, opts); err != nil {
				return err
			}
		}
		if err := c.verifyReferrers(ctx, g); err != nil {
			return err
		}
		for _, l := range g.legacy {
			ch, err := c.legacyTag(ctx, l)
			legacy = append(legacy, ch)
			if err != nil {
				return err
			}
		}
		return nil
	}()
	var unconfirmed []Content
	if err != nil {
		unconfirmed = c.audit(ctx)
	}
	t := c.transfer(g)
	t.LegacyTags = legacy
	t.Unconfirmed = unconfirmed
	t.Complete = err == nil
	return t, err
}

// attempt records that an upload or mount of d started.
func (c *copier) attempt(d ocispec.Descriptor) {
	c.mu.Lock()
	c.attempted[d.Digest] = d
	c.mu.Unlock()
}

// auditTimeout bounds the checks made after a failure.
const auditTimeout = 10 * time.Second

// audit asks the destination, after a failure, about each upload that
// started but was not confirmed (its answer may have been lost after the
// content landed). Content the destination now holds is recorded as sent
// (oras-go starts an upload only after finding the content absent); the
// rest did not arrive. When the caller's context is already done nothing
// is asked, and the unconfirmed uploads are returned.
func (c *copier) audit(ctx context.Context) []Content {
	c.mu.Lock()
	var pending []ocispec.Descriptor
	for dg, d := range c.attempted {
		_, sent := c.sent[dg]
		_, mounted := c.mounted[dg]
		if !sent && !mounted {
			pending = append(pending, d)
		}
	}
	c.mu.Unlock()
	slices.SortFunc(pending, func(a, b ocispec.Descriptor) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
	var unconfirmed []Content
	if ctx.Err() != nil {
		for _, d := range pending {
			unconfirmed = append(unconfirmed, contentOf(d))
		}
		return unconfirmed
	}
	actx, cancel := context.WithTimeout(ctx, auditTimeout)
	defer cancel()
	for _, d := range pending {
		ok, err := c.dstT.Exists(actx, d)
		switch {
		case err != nil:
			unconfirmed = append(unconfirmed, contentOf(d))
		case ok:
			c.note(c.sent, d)
		}
	}
	return unconfirmed
}

// legacyTag points a legacy cosign tag at the destination where it points
// at the source, unless the destination's tag points at another manifest.
func (c *copier) legacyTag(ctx context.Context, l legacyTag) (TagChange, error) {
	ch := TagChange{Tag: l.tag, Digest: l.desc.Digest}
	cur, err := c.dstT.Resolve(ctx, l.tag)
	switch {
	case isNotFound(err):
	case err != nil:
		ch.Error = err.Error()
		return ch, fmt.Errorf("legacy tag %q: %w", l.tag, err)
	default:
		ch.Previous = cur.Digest
	}
	if ch.Previous == l.desc.Digest {
		return ch, nil
	}
	if ch.Previous != "" {
		err := fmt.Errorf("legacy tag %q: the destination's tag points at %s, not at the source's %s; it is left alone: %w",
			l.tag, ch.Previous, l.desc.Digest, ErrPreconditionFailed)
		ch.Error = err.Error()
		return ch, err
	}
	if err := c.dstT.Tag(ctx, l.desc, l.tag); err != nil {
		// The answer may be lost, or be a retry's, after the write
		// landed: read before recording the tag as not moved.
		vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
		now, rerr := c.dstT.Resolve(vctx, l.tag)
		cancel()
		if rerr == nil && now.Digest == l.desc.Digest {
			ch.Moved, ch.Basis = true, BasisReadBack
			return ch, nil
		}
		ch.Error = err.Error()
		return ch, fmt.Errorf("legacy tag %q: %w", l.tag, err)
	}
	ch.Moved, ch.Basis = true, BasisRead
	return ch, nil
}

// verifyReferrers checks that the destination lists every referrer under
// its subject. A referrer that is there but not listed (a copy cut off
// between pushing a referrer and updating the destination's referrers
// index) is pushed once more, which lets the destination index it.
func (c *copier) verifyReferrers(ctx context.Context, g graph) error {
	subjects, bySubject := g.bySubject()
	for _, s := range subjects {
		missing, err := c.unlisted(ctx, s, bySubject[s.Digest])
		if err != nil {
			return err
		}
		if len(missing) == 0 {
			continue
		}
		for _, r := range missing {
			data, err := c.fetchManifest(ctx, r)
			if err != nil {
				return &oras.CopyError{Op: "Fetch", Origin: oras.CopyErrorOriginSource, Err: err}
			}
			if err := c.dstT.Push(ctx, r, bytes.NewReader(data)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
				return &oras.CopyError{Op: "Push", Origin: oras.CopyErrorOriginDestination, Err: fmt.Errorf("index referrer %s of %s: %w", r.Digest, s.Digest, err)}
			}
		}
		missing, err = c.unlisted(ctx, s, bySubject[s.Digest])
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return &oras.CopyError{Op: "Referrers", Origin: oras.CopyErrorOriginDestination,
				Err: fmt.Errorf("the destination holds referrer %s of %s but does not list it", missing[0].Digest, s.Digest)}
		}
	}
	return nil
}

// bySubject groups the referrers by subject, subjects in discovery order.
func (g graph) bySubject() ([]ocispec.Descriptor, map[digest.Digest][]ocispec.Descriptor) {
	by := map[digest.Digest][]ocispec.Descriptor{}
	var subjects []ocispec.Descriptor
	for _, r := range g.referrers {
		s := g.subjectOf[r.Digest]
		if _, ok := by[s.Digest]; !ok {
			subjects = append(subjects, s)
		}
		by[s.Digest] = append(by[s.Digest], r)
	}
	return subjects, by
}

// unlisted returns the referrers of s that the destination does not list.
func (c *copier) unlisted(ctx context.Context, s ocispec.Descriptor, want []ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	listed, err := c.dstT.Predecessors(ctx, s)
	if err != nil {
		return nil, &oras.CopyError{Op: "Referrers", Origin: oras.CopyErrorOriginDestination, Err: fmt.Errorf("list the referrers of %s: %w", s.Digest, err)}
	}
	have := map[digest.Digest]bool{}
	for _, l := range listed {
		have[l.Digest] = true
	}
	var missing []ocispec.Descriptor
	for _, r := range want {
		if !have[r.Digest] {
			missing = append(missing, r)
		}
	}
	return missing, nil
}

// note records that d arrived in one of the three ways. Content sent or
// mounted is not also reported as present when a later step finds it.
func (c *copier) note(m map[digest.Digest]Content, d ocispec.Descriptor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sent[d.Digest]; ok {
		return
	}
	if _, ok := c.mounted[d.Digest]; ok {
		return
	}
	delete(c.present, d.Digest) // present once, sent now: it counts as sent
	m[d.Digest] = contentOf(d)
}

func (c *copier) transfer(g graph) Transfer {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := func(m map[digest.Digest]Content) []Content {
		out := make([]Content, 0, len(m))
		for _, v := range m {
			out = append(out, v)
		}
		slices.SortFunc(out, func(a, b Content) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
		return out
	}
	foreign := slices.Clone(g.foreign)
	slices.SortFunc(foreign, func(a, b Content) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
	foreign = slices.CompactFunc(foreign, func(a, b Content) bool { return a.Digest == b.Digest })
	return Transfer{
		Sent:      list(c.sent),
		Mounted:   list(c.mounted),
		Present:   list(c.present),
		NotCopied: foreign,
		Referrers: g.Referrers(),
	}
}

// emptyTransfer is the Transfer of a copy that moved nothing (yet).
func emptyTransfer() Transfer {
	return Transfer{Sent: []Content{}, Mounted: []Content{}, Present: []Content{}, Referrers: []Referrer{}}
}

// fail names the registries and what the copy was doing.
func (c *copier) fail(doing string, err error) error {
	return fmt.Errorf("promote: copy %s to %s: %s: %w", c.src, c.dst, doing, c.blame(err))
}

// failAfter is fail for an error once content may have moved: it says
// what arrived before it.
func (c *copier) failAfter(t Transfer, err error) error {
	return fmt.Errorf("promote: copy %s to %s: %w; before the failure the destination confirmed: %s", c.src, c.dst, c.blame(err), t.Summary())
}

// blame says which registry refused what.
func (c *copier) blame(err error) error {
	var ce *oras.CopyError
	if !errors.As(err, &ce) {
		return err
	}
	host, side := c.dst.Registry(), "destination"
	if ce.Origin == oras.CopyErrorOriginSource {
		host, side = c.src.Registry(), "source"
	}
	return &RefusedError{Host: host, Side: side, Op: ce.Op, Err: ce.Err}
}

// RefusedError says which registry failed a step of a copy, and which
// step: "Push", "Fetch", "Exists", "Mount", "Referrers" and so on.
type RefusedError struct {
	Host string // the registry host
	Side string // "source" or "destination"
	Op   string // the step
	Err  error  // the registry's error
}

// Error names the registry, its side of the copy and the step.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s registry %s failed %q: %v", e.Side, e.Host, e.Op, e.Err)
}

// Unwrap returns the registry's error.
func (e *RefusedError) Unwrap() error { return e.Err }

// cachedSource serves the manifests the discovery read from memory, so the
// copy does not fetch them again.
type cachedSource struct {
	content.ReadOnlyStorage
	c *copier
}

// Fetch returns cached manifest bytes or reads from the source.
func (s *cachedSource) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	s.c.mu.Lock()
	data, ok := s.c.cache[d.Digest]
	s.c.mu.Unlock()
	if ok {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	return s.ReadOnlyStorage.Fetch(ctx, d)
}
