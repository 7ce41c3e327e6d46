package promote

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/reference"
)

var errNilRegistry = errors.New("promote: nil Registry")

// Publish points every tag in tags at the manifest src names (a tag or a
// digest in the repository the tags belong to): build once, tag many.
// Duplicate tags are handled once. Tags already at the digest are left
// alone; protected tags (WithImmutable, WithImmutablePatterns) that point
// elsewhere are refused. Each TagChange's Basis says how its Previous is
// known: exactly (a TagSwapper's compare-and-swap from the digest just
// read) or as observed by a read before the write. When some tags fail, Publish still sets the rest
// and returns the Record with a *PartialError. To publish a tagging.Set,
// pass its Names().
func Publish(ctx context.Context, r Registry, src reference.Reference, tags []string, opts ...Option) (Record, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Record{}, err
	}
	if cfg.expect != nil {
		return Record{}, fmt.Errorf("promote: publish %s: ExpectCurrent and ExpectAbsent apply to one tag, not a tag set", src)
	}
	rec := newRecord("publish", src, cfg.now())
	if len(tags) == 0 {
		return rec, fmt.Errorf("promote: publish %s: no tags given", src)
	}
	d, err := resolveSource(ctx, r, "publish", src)
	if err != nil {
		return rec, err
	}
	rec.Digest = d
	seen := make(map[string]bool, len(tags))
	var failures []error
	for _, tag := range tags {
		if seen[tag] {
			continue
		}
		seen[tag] = true
		ch, err := setTag(ctx, r, cfg, src.NameOnly(), tag, d, nil)
		rec.Tags = append(rec.Tags, ch)
		if err != nil {
			failures = append(failures, err)
		}
	}
	return rec, partial(rec, failures)
}

// Promote points the channel tag (such as "staging" or "production") at
// the manifest src names, a tag or a digest in the same repository,
// without rebuilding anything. With ExpectCurrent or ExpectAbsent the
// channel must still be where the caller saw it. A channel already at the
// digest is left alone and reported as not moved.
func Promote(ctx context.Context, r Registry, src reference.Reference, channel string, opts ...Option) (Record, error) {
	return moveOne(ctx, r, "promote", src, channel, opts)
}

// RollbackTo points the channel tag back at the manifest older names (an
// older tag or a digest in the same repository). It is Promote under
// another name in the Record, and takes the same options.
func RollbackTo(ctx context.Context, r Registry, older reference.Reference, channel string, opts ...Option) (Record, error) {
	return moveOne(ctx, r, "rollback", older, channel, opts)
}

func moveOne(ctx context.Context, r Registry, op string, src reference.Reference, channel string, opts []Option) (Record, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Record{}, err
	}
	rec := newRecord(op, src, cfg.now())
	d, err := resolveSource(ctx, r, op, src)
	if err != nil {
		return rec, err
	}
	rec.Digest = d
	ch, err := setTag(ctx, r, cfg, src.NameOnly(), channel, d, cfg.expect)
	rec.Tags = append(rec.Tags, ch)
	if err != nil {
		return rec, fmt.Errorf("promote: %s %s to tag %q: %w", op, src, channel, err)
	}
	return rec, nil
}

// Rollback undoes a Record: every tag it moved goes back to its previous
// digest, and a tag it created is deleted (which needs a TagDeleter;
// without one that tag fails with ErrUnsupported). Each tag must still
// point where the record left it; a tag moved since fails with
// ErrPreconditionFailed, so a rollback does not clobber a later release.
// A tag already back where the rollback would put it is done, so running
// the same rollback twice succeeds the second time with nothing moved.
// The check and the write are one atomic step for moves on a registry
// that implements TagSwapper (the in-memory fake does); elsewhere, and for
// deleting a tag the record created, they are two requests, so a release
// landing between them is not detected. ExpectCurrent and ExpectAbsent do
// not apply and are refused.
// Tags the record did not move are left alone. Protection options apply
// as for Publish.
func Rollback(ctx context.Context, r Registry, rec Record, opts ...Option) (Record, error) {
	if r == nil {
		return Record{}, errNilRegistry
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return Record{}, err
	}
	if cfg.expect != nil {
		return Record{}, fmt.Errorf("promote: rollback of %s: ExpectCurrent and ExpectAbsent do not apply; each tag must still be where the record left it", rec.Repository)
	}
	repo, err := reference.Parse(rec.Repository)
	if err != nil {
		return Record{}, fmt.Errorf("promote: rollback: record repository %q: %w", rec.Repository, err)
	}
	out := Record{
		Operation:  "rollback",
		Repository: repo.Name(),
		Source:     rec.Operation + " at " + rec.Time.Format(time.RFC3339Nano),
		Tags:       []TagChange{},
		Time:       cfg.now(),
	}
	common, first := digest.Digest(""), true
	var failures []error
	for _, t := range rec.Tags {
		if !t.Moved {
			continue
		}
		expect := t.Digest
		var ch TagChange
		if t.Previous == "" {
			ch, err = deleteTag(ctx, r, cfg, repo, t.Tag, expect)
		} else {
			ch, err = setTag(ctx, r, cfg, repo, t.Tag, t.Previous, &expect)
		}
		out.Tags = append(out.Tags, ch)
		if err != nil {
			failures = append(failures, err)
		}
		if first {
			common, first = t.Previous, false
		} else if common != t.Previous {
			common = ""
		}
	}
	out.Digest = common
	return out, partial(out, failures)
}

// Pin returns ref with the digest its tag points at now:
// "app:1.2.3" becomes "app:1.2.3@sha256:…". A reference with neither tag
// nor digest is pinned as "latest". A reference that already carries a
// digest is re-pinned to what its tag names now; one with a digest and no
// tag is returned as it is once the registry confirms the manifest exists.
func Pin(ctx context.Context, r Registry, ref reference.Reference) (reference.Reference, error) {
	if r == nil {
		return reference.Reference{}, errNilRegistry
	}
	if ref.IsZero() {
		return reference.Reference{}, errors.New("promote: pin: empty reference")
	}
	if ref.IsPinned() && !ref.HasTag() {
		if _, err := r.Resolve(ctx, ref); err != nil {
			return reference.Reference{}, fmt.Errorf("promote: pin %s: %w", ref, err)
		}
		return ref, nil
	}
	tagged, err := ref.WithoutDigest().WithTag(ref.WithoutDigest().TagOrLatest())
	if err != nil {
		return reference.Reference{}, fmt.Errorf("promote: pin %s: %w", ref, err)
	}
	desc, err := r.Resolve(ctx, tagged)
	if err != nil {
		return reference.Reference{}, fmt.Errorf("promote: pin %s: %w", ref, err)
	}
	pinned, err := tagged.WithDigest(desc.Digest)
	if err != nil {
		return reference.Reference{}, fmt.Errorf("promote: pin %s: registry returned digest %q: %w", ref, desc.Digest, err)
	}
	return pinned, nil
}

func newRecord(op string, src reference.Reference, now time.Time) Record {
	return Record{
		Operation:  op,
		Repository: src.Name(),
		Source:     src.String(),
		Tags:       []TagChange{},
		Time:       now,
	}
}

func resolveSource(ctx context.Context, r Registry, op string, src reference.Reference) (digest.Digest, error) {
	if r == nil {
		return "", errNilRegistry
	}
	if src.IsZero() {
		return "", fmt.Errorf("promote: %s: empty source reference", op)
	}
	desc, err := r.Resolve(ctx, src)
	if err != nil {
		return "", fmt.Errorf("promote: %s: resolve source %s: %w", op, src, err)
	}
	if err := desc.Digest.Validate(); err != nil {
		return "", fmt.Errorf("promote: %s: registry resolved %s to invalid digest %q: %w", op, src, desc.Digest, err)
	}
	return desc.Digest, nil
}

// current returns where ref's tag points, or "" when it does not exist.
func current(ctx context.Context, r Registry, ref reference.Reference) (digest.Digest, error) {
	desc, err := r.Resolve(ctx, ref)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read current digest: %w", err)
	}
	return desc.Digest, nil
}

// readTag names tag in repo and reads where it points now ("" when it
// does not exist), after checking that ctx is still live.
func readTag(ctx context.Context, r Registry, repo reference.Reference, tag string) (reference.Reference, digest.Digest, error) {
	if err := ctx.Err(); err != nil {
		return reference.Reference{}, "", err
	}
	ref, err := repo.WithTag(tag)
	if err != nil {
		return reference.Reference{}, "", err
	}
	prev, err := current(ctx, r, ref)
	return ref, prev, err
}

// swapAttempts bounds how often setTag re-reads and swaps again when
// another writer moves the tag between its read and its swap, so that a
// tag under constant contention fails instead of spinning.
const swapAttempts = 3

// setTag points tag in repo at d, honouring protection and the optional
// expectation, and reports what happened.
//
// A tag already at d is done, whatever the expectation: a retried call
// converges instead of failing on its own earlier success. With a
// TagSwapper every write is a swap from the digest just read, so Previous
// is exactly what the write replaced; without one it is what a read just
// before the write saw. A write that fails, whatever the error (a lost
// answer, or a refusal that answered a retry of a write that had landed),
// is checked with a read before it is reported as not moved.
func setTag(ctx context.Context, r Registry, cfg *config, repo reference.Reference, tag string, d digest.Digest, expect *digest.Digest) (TagChange, error) {
	ch := TagChange{Tag: tag, Digest: d}
	fail := func(err error) (TagChange, error) {
		err = tagError(tag, err)
		ch.Error = err.Error()
		return ch, err
	}
	sw, canSwap := r.(TagSwapper)
	for attempt := 1; ; attempt++ {
		ref, prev, err := readTag(ctx, r, repo, tag)
		if err != nil {
			return fail(err)
		}
		ch.Previous = prev
		if prev == d {
			return ch, nil
		}
		if expect != nil && *expect != prev {
			return fail(mismatch(*expect, prev))
		}
		if prev != "" && cfg.immutable(tag) {
			return fail(fmt.Errorf("refusing to move it from %s to %s: protected by the immutable-tag option: %w", prev, d, ErrTagImmutable))
		}
		if canSwap {
			err = sw.SwapTag(ctx, ref, prev, d)
			if err == nil {
				ch.Moved, ch.Basis = true, BasisSwap
				return ch, nil
			}
			if errors.Is(err, ErrPreconditionFailed) && attempt < swapAttempts {
				continue // another writer moved it after the read: read again
			}
			if errors.Is(err, ErrPreconditionFailed) {
				return fail(fmt.Errorf("it kept moving under concurrent writers (%d attempts): %w", attempt, err))
			}
		} else {
			err = r.Tag(ctx, ref, d)
			if err == nil {
				ch.Moved, ch.Basis = true, BasisRead
				return ch, nil
			}
		}
		// Even a clear refusal may be the answer to a retry of a write
		// whose first answer was lost and which landed: read before
		// recording the tag as not moved.
		if landed(ctx, r, ref, d) {
			ch.Moved, ch.Basis = true, BasisReadBack
			return ch, nil
		}
		return fail(err)
	}
}

// verifyTimeout bounds the read that checks whether a write whose answer
// was lost took effect.
const verifyTimeout = 10 * time.Second

// landed reports whether ref's tag points at d now. It reads even when
// ctx is done (the caller's deadline may be what cut the answer off), on a
// context of its own bounded by verifyTimeout.
func landed(ctx context.Context, r Registry, ref reference.Reference, d digest.Digest) bool {
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
	defer cancel()
	desc, err := r.Resolve(vctx, ref)
	return err == nil && desc.Digest == d
}

// deleteTag removes tag from repo if it still points at expect. A tag
// already gone is done: a retried rollback converges. A DELETE that fails
// (a 404 to a retry whose first answer was lost, say) is checked with a
// read: gone counts as done, still there as failed.
func deleteTag(ctx context.Context, r Registry, cfg *config, repo reference.Reference, tag string, expect digest.Digest) (TagChange, error) {
	ch := TagChange{Tag: tag}
	fail := func(err error) (TagChange, error) {
		err = tagError(tag, err)
		ch.Error = err.Error()
		return ch, err
	}
	ref, prev, err := readTag(ctx, r, repo, tag)
	if err != nil {
		return fail(err)
	}
	ch.Previous = prev
	if prev == "" {
		return ch, nil // already gone
	}
	if prev != expect {
		return fail(mismatch(expect, prev))
	}
	if cfg.immutable(tag) {
		return fail(fmt.Errorf("refusing to delete it: protected by the immutable-tag option: %w", ErrTagImmutable))
	}
	del, ok := r.(TagDeleter)
	if !ok {
		return fail(fmt.Errorf("the tag did not exist before and the registry cannot delete tags: %w", ErrUnsupported))
	}
	err = del.DeleteTag(ctx, ref)
	switch {
	case err == nil:
		ch.Moved, ch.Basis = true, BasisRead
	case gone(ctx, r, ref):
		// Read a moment ago and gone now, though the answer was an error
		// (a 404 to a retry, a lost answer): the DELETE landed.
		ch.Moved, ch.Basis = true, BasisReadBack
	default:
		return fail(err)
	}
	return ch, nil
}

// gone reports whether ref's tag no longer exists, read as landed reads.
func gone(ctx context.Context, r Registry, ref reference.Reference) bool {
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
	defer cancel()
	_, err := r.Resolve(vctx, ref)
	return errors.Is(err, ErrNotFound)
}

func mismatch(expect, have digest.Digest) error {
	want := "to be absent"
	if expect != "" {
		want = "at " + string(expect)
	}
	got := "absent"
	if have != "" {
		got = "at " + string(have)
	}
	return fmt.Errorf("expected it %s, found it %s: %w", want, got, ErrPreconditionFailed)
}

// partial returns a *PartialError when any tag of rec failed.
func partial(rec Record, failures []error) error {
	if len(failures) == 0 {
		return nil
	}
	return &PartialError{
		Op:         rec.Operation,
		Repository: rec.Repository,
		Moved:      rec.Moved(),
		Failed:     rec.Failed(),
		Err:        errors.Join(failures...),
	}
}
