package promote

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/reference"
)

// Apply carries out a plan: for each planned image it copies the content
// the plan found missing, then sets each tag, requiring it to point where
// the plan saw it (absent for a tag to create, the image for a tag in
// place, the old digest for a tag to move), so that a change made by
// someone else since the plan fails with ErrPreconditionFailed instead of
// being overwritten. Protection options apply as in Publish.
//
// A plan with refused tags is refused as a whole before anything is
// written. Otherwise Apply goes on with the other images when one fails,
// and returns one CopyRecord per planned image (Operation "copy")
// together with an *ApplyError that says what was copied and which tags
// moved. Applying a fresh plan of an applied manifest does nothing.
func (p Plan) Apply(ctx context.Context, regs Registries, opts ...Option) ([]CopyRecord, error) {
	if regs == nil {
		return nil, errors.New("promote: apply: nil Registries")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.expect != nil {
		return nil, errors.New("promote: apply: ExpectCurrent and ExpectAbsent do not apply; each tag must be where the plan saw it")
	}
	if refused := p.Refused(); len(refused) > 0 {
		return nil, fmt.Errorf("promote: apply: the plan refuses %d tag(s), so nothing was done: %s", len(refused), strings.Join(refused, "; "))
	}
	co := CopyOptions{NoReferrers: p.NoReferrers, CosignTags: p.CosignTags}
	records := make([]CopyRecord, 0, len(p.Images))
	ae := &ApplyError{}
	for _, pi := range p.Images {
		rec, err := applyOne(ctx, regs, cfg, co, pi)
		records = append(records, rec)
		ae.add(rec, pi, err)
	}
	if len(ae.Failed) == 0 {
		return records, nil
	}
	return records, ae
}

func applyOne(ctx context.Context, regs Registries, cfg *config, co CopyOptions, pi PlannedImage) (CopyRecord, error) {
	rec := CopyRecord{Record: Record{Operation: "copy", Repository: pi.Destination, Source: pi.Source, Digest: pi.Digest, Tags: []TagChange{}, Time: cfg.now()}, Content: emptyTransfer()}
	src, err := reference.Parse(pi.Source)
	if err != nil {
		return rec, fmt.Errorf("source %q: %w", pi.Source, err)
	}
	if !src.IsPinned() || src.Digest() != pi.Digest {
		return rec, fmt.Errorf("source %q is not pinned to the planned digest %s", pi.Source, pi.Digest)
	}
	dst, err := reference.Parse(pi.Destination)
	if err != nil {
		return rec, fmt.Errorf("destination %q: %w", pi.Destination, err)
	}
	dst = dst.NameOnly()
	dstReg, err := regs.Registry(dst.Registry())
	if err != nil {
		return rec, err
	}
	if pi.Copy {
		srcReg, err := regs.Registry(src.Registry())
		if err != nil {
			return rec, err
		}
		desc, err := resolveDescriptor(ctx, srcReg, "apply", src)
		if err != nil {
			return rec, err
		}
		c, err := newCopier(srcReg, src, dstReg, dst, co)
		if err != nil {
			return rec, err
		}
		if _, err := c.checkRoot(ctx, desc); err != nil {
			return rec, c.blame(err)
		}
		g, err := c.discover(ctx, desc)
		if err != nil {
			return rec, c.blame(err)
		}
		rec.Content, err = c.run(ctx, g)
		if err != nil {
			for _, pt := range pi.Tags {
				rec.Tags = append(rec.Tags, TagChange{Tag: pt.Tag, Digest: pi.Digest, Previous: pt.Current,
					Error: tagError(pt.Tag, errors.New("not set: the image did not arrive completely")).Error()})
			}
			return rec, fmt.Errorf("%w; before the failure the destination confirmed: %s", c.blame(err), rec.Content.Summary())
		}
	} else {
		rec.Content.Complete = true // the plan found everything in place
	}
	var failures []error
	for _, pt := range pi.Tags {
		expect := pt.Current
		ch, err := setTag(ctx, dstReg, cfg, dst, pt.Tag, pi.Digest, &expect)
		rec.Tags = append(rec.Tags, ch)
		if err != nil {
			failures = append(failures, err)
		}
	}
	return rec, errors.Join(failures...)
}

// ApplyError is the error of an Apply that did not complete. It lists the
// planned images that failed and, over all images, what was copied and
// which tags moved, so that nothing about a partial promotion is left to
// guesswork.
type ApplyError struct {
	// Failed names each failed image as "source -> destination: error".
	Failed []string
	// Moved lists every tag that moved, as "destination:tag".
	Moved []string
	// Copied lists, per image that received content, "destination@digest:
	// summary".
	Copied []string
	// Errs are the per-image errors.
	Errs []error
}

func (e *ApplyError) add(rec CopyRecord, pi PlannedImage, err error) {
	for _, t := range rec.Moved() {
		e.Moved = append(e.Moved, pi.Destination+":"+t)
	}
	if len(rec.Content.Sent)+len(rec.Content.Mounted) > 0 {
		e.Copied = append(e.Copied, pi.Destination+"@"+string(pi.Digest)+": "+rec.Content.Summary())
	}
	if err != nil {
		err = fmt.Errorf("image %s -> %s: %w", pi.Source, pi.Destination, err)
		e.Failed = append(e.Failed, err.Error())
		e.Errs = append(e.Errs, err)
	}
}

// Error says how many images failed and why, which tags moved and what
// was copied.
func (e *ApplyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "promote: apply: %d image(s) failed: %s; tags moved: %s; copied: ",
		len(e.Failed), strings.ReplaceAll(strings.Join(e.Failed, "; "), "\n", "; "), quoteList(e.Moved))
	if len(e.Copied) == 0 {
		b.WriteString("nothing")
	} else {
		b.WriteString(strings.Join(e.Copied, "; "))
	}
	return b.String()
}

// Unwrap returns the per-image errors, so errors.Is(err,
// ErrPreconditionFailed) reports whether any image failed for that reason.
func (e *ApplyError) Unwrap() []error { return e.Errs }

// Digests returns the digests the plan promotes, in order, each once.
func (p Plan) Digests() []digest.Digest {
	var out []digest.Digest
	seen := map[digest.Digest]bool{}
	for _, img := range p.Images {
		if !seen[img.Digest] {
			seen[img.Digest] = true
			out = append(out, img.Digest)
		}
	}
	return out
}
