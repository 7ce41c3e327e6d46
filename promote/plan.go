package promote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/reference"
)

// Registries finds the Registry that serves a registry host, for Plan and
// Apply, which reach several.
type Registries interface {
	// Registry returns the Registry for host ("ghcr.io",
	// "localhost:5000"), or an error when there is none.
	Registry(host string) (Registry, error)
}

// HostMap is Registries from a map of hosts to registries.
type HostMap map[string]Registry

// Registry returns the registry of host, or an error naming the host and
// those that are known.
func (m HostMap) Registry(host string) (Registry, error) {
	if r, ok := m[host]; ok && r != nil {
		return r, nil
	}
	known := make([]string, 0, len(m))
	for h := range m {
		known = append(known, h)
	}
	return nil, fmt.Errorf("promote: no registry configured for host %q (known: %s)", host, strings.Join(sortedStrings(known), ", "))
}

// TagAction is what a plan does with one tag at one destination.
type TagAction string

// The tag actions of a plan.
const (
	TagCreate  TagAction = "create"   // the tag does not exist yet
	TagInPlace TagAction = "in-place" // the tag already points at the digest: nothing to do
	TagMove    TagAction = "move"     // the tag points at another digest and the manifest allows moving it
	TagRefused TagAction = "refused"  // the tag points at another digest and may not move
)

// Plan is the difference between a PromotionManifest and what the
// registries hold: per image and destination, whether content must be
// copied and what happens to each tag. It serialises to JSON, and String
// prints it for review.
type Plan struct {
	// Images has one entry per digest and destination, in manifest order
	// (digests sorted within an image).
	Images []PlannedImage `json:"images"`
	// NoReferrers and CosignTags repeat the manifest's choices for Apply.
	NoReferrers bool `json:"noReferrers,omitempty"`
	CosignTags  bool `json:"cosignTags,omitempty"`
}

// PlannedImage is one image at one destination.
type PlannedImage struct {
	// Source is the source reference, pinned by digest.
	Source string `json:"source"`
	// Destination is the destination repository.
	Destination string `json:"destination"`
	// Digest is the image's digest.
	Digest digest.Digest `json:"digest"`
	// Present reports that the destination holds the image.
	Present bool `json:"present"`
	// Referrers is how many referrers the source has for the image and
	// its platform manifests; MissingReferrers how many of them the
	// destination does not list.
	Referrers        int `json:"referrers"`
	MissingReferrers int `json:"missingReferrers"`
	// Copy reports that Apply will copy content: the image, referrers or
	// legacy cosign tags are missing at the destination.
	Copy bool `json:"copy"`
	// Tags is what happens to each tag, in manifest order.
	Tags []PlannedTag `json:"tags"`
}

// PlannedTag is one tag at one destination.
type PlannedTag struct {
	Tag    string    `json:"tag"`
	Action TagAction `json:"action"`
	// Current is where the tag points now, "" when it does not exist.
	// Apply requires it to point there still.
	Current digest.Digest `json:"current,omitempty"`
	// Reason explains a refusal.
	Reason string `json:"reason,omitempty"`
}

// Refused lists the refused tags as "destination:tag (reason)".
func (p Plan) Refused() []string {
	var out []string
	for _, img := range p.Images {
		for _, t := range img.Tags {
			if t.Action == TagRefused {
				out = append(out, img.Destination+":"+t.Tag+" ("+t.Reason+")")
			}
		}
	}
	return out
}

// Empty reports that applying the plan would change nothing.
func (p Plan) Empty() bool {
	for _, img := range p.Images {
		if img.Copy {
			return false
		}
		for _, t := range img.Tags {
			if t.Action != TagInPlace {
				return false
			}
		}
	}
	return true
}

// String prints the plan for a reviewer: per image and destination, the
// copy and one line per tag, marked + (create), = (in place), ~ (move) or
// ! (refused).
func (p Plan) String() string {
	var b strings.Builder
	for _, img := range p.Images {
		fmt.Fprintf(&b, "%s -> %s\n", img.Source, img.Destination)
		switch {
		case !img.Copy:
			fmt.Fprintf(&b, "  = image in place (%d referrer(s))\n", img.Referrers)
		case img.Present:
			fmt.Fprintf(&b, "  + copy %d missing referrer(s) of %d\n", img.MissingReferrers, img.Referrers)
		default:
			fmt.Fprintf(&b, "  + copy image with %d referrer(s)\n", img.Referrers)
		}
		for _, t := range img.Tags {
			switch t.Action {
			case TagCreate:
				fmt.Fprintf(&b, "  + %s: create\n", t.Tag)
			case TagInPlace:
				fmt.Fprintf(&b, "  = %s: in place\n", t.Tag)
			case TagMove:
				fmt.Fprintf(&b, "  ~ %s: move from %s\n", t.Tag, t.Current)
			case TagRefused:
				fmt.Fprintf(&b, "  ! %s: refused: %s\n", t.Tag, t.Reason)
			}
		}
	}
	if len(p.Images) == 0 {
		b.WriteString("nothing to promote\n")
	}
	return b.String()
}

// Plan compares the manifest with the registries and returns what Apply
// would do. It
// reads and never writes. Tags that would move from another digest are
// refused unless the manifest's allowMove covers them, and protected tags
// (WithImmutable, WithImmutablePatterns) are refused whatever allowMove
// says. An image missing at the source, or a registry that cannot be
// read, fails the plan with an error naming the image, digest and
// registry.
func (m PromotionManifest) Plan(ctx context.Context, regs Registries, opts ...Option) (Plan, error) {
	if err := m.Validate(); err != nil {
		return Plan{}, err
	}
	if regs == nil {
		return Plan{}, errors.New("promote: plan: nil Registries")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return Plan{}, err
	}
	if cfg.expect != nil {
		return Plan{}, errors.New("promote: plan: ExpectCurrent and ExpectAbsent do not apply; the plan records where each tag is and Apply requires it there")
	}
	p := Plan{Images: []PlannedImage{}, NoReferrers: m.NoReferrers, CosignTags: m.CosignTags}
	co := CopyOptions{NoReferrers: m.NoReferrers, CosignTags: m.CosignTags}
	for _, img := range m.Images {
		srcRepo, _ := locationRepo(m.Source, img.Name) // checked by Validate
		srcReg, err := regs.Registry(srcRepo.Registry())
		if err != nil {
			return p, fmt.Errorf("promote: plan: image %s: %w", srcRepo.Name(), err)
		}
		for _, d := range sortedDigests(img.Digests) {
			src, err := srcRepo.WithDigest(d)
			if err != nil {
				return p, fmt.Errorf("promote: plan: image %s digest %s: %w", srcRepo.Name(), d, err)
			}
			desc, err := resolveDescriptor(ctx, srcReg, "plan", src)
			if err != nil {
				return p, fmt.Errorf("%w (source registry %s)", err, src.Registry())
			}
			var shared *graph // the source's side, read once for all destinations
			for _, loc := range m.Destinations {
				dstRepo, _ := locationRepo(loc, img.Name)
				pi, err := planOne(ctx, regs, cfg, co, srcReg, src, desc, &shared, dstRepo, img.Digests[d], m.AllowMove, img.AllowMove)
				if err != nil {
					return p, err
				}
				p.Images = append(p.Images, pi)
			}
		}
	}
	return p, nil
}

func planOne(ctx context.Context, regs Registries, cfg *config, co CopyOptions, srcReg Registry, src reference.Reference, desc ocispec.Descriptor,
	shared **graph, dst reference.Reference, tags []string, allowGlobal, allowImage []string) (PlannedImage, error) {
	pi := PlannedImage{Source: src.String(), Destination: dst.Name(), Digest: desc.Digest, Tags: []PlannedTag{}}
	fail := func(side, host string, err error) (PlannedImage, error) {
		return pi, fmt.Errorf("promote: plan: image %s to %s: %s registry %s: %w", src, dst, side, host, err)
	}
	dstReg, err := regs.Registry(dst.Registry())
	if err != nil {
		return pi, fmt.Errorf("promote: plan: image %s to %s: %w", src, dst, err)
	}
	c, err := newCopier(srcReg, src, dstReg, dst, co)
	if err != nil {
		return pi, err
	}
	pi.Present, err = c.checkRoot(ctx, desc)
	if err != nil {
		return fail("destination", dst.Registry(), err)
	}
	if *shared == nil {
		g, err := c.discover(ctx, desc)
		if err != nil {
			return fail("source", src.Registry(), err)
		}
		*shared = &g
	}
	g := **shared
	pi.Referrers = len(g.referrers)
	if pi.Present {
		subjects, bySubject := g.bySubject()
		for _, s := range subjects {
			missing, err := c.unlisted(ctx, s, bySubject[s.Digest])
			if err != nil {
				return fail("destination", dst.Registry(), err)
			}
			pi.MissingReferrers += len(missing)
		}
	} else {
		pi.MissingReferrers = pi.Referrers
	}
	legacyMissing := false
	for _, l := range g.legacy {
		cur, err := c.dstT.Resolve(ctx, l.tag)
		if err != nil && !isNotFound(err) {
			return fail("destination", dst.Registry(), err)
		}
		if err != nil || cur.Digest != l.desc.Digest {
			legacyMissing = true
		}
	}
	pi.Copy = !pi.Present || pi.MissingReferrers > 0 || legacyMissing
	for _, tag := range tags {
		_, cur, err := readTag(ctx, dstReg, dst, tag)
		if err != nil {
			return fail("destination", dst.Registry(), fmt.Errorf("tag %q: %w", tag, err))
		}
		pt := PlannedTag{Tag: tag, Current: cur}
		switch {
		case cur == "":
			pt.Action = TagCreate
		case cur == desc.Digest:
			pt.Action = TagInPlace
		case cfg.immutable(tag):
			pt.Action, pt.Reason = TagRefused, "points at "+string(cur)+" and is protected by the immutable-tag option"
		case allowMove(tag, allowGlobal, allowImage):
			pt.Action = TagMove
		default:
			pt.Action, pt.Reason = TagRefused, "points at "+string(cur)+"; the manifest does not allow moving it (allowMove)"
		}
		pi.Tags = append(pi.Tags, pt)
	}
	return pi, nil
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
