package promote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/reference"
)

// DefaultFleetConcurrency is how many registry requests CheckFleet has in
// flight at once when FleetOptions.Concurrency is zero.
const DefaultFleetConcurrency = 8

// FleetOptions tune CheckFleet. The zero value is ready to use.
type FleetOptions struct {
	// Concurrency bounds the registry requests in flight; zero means
	// DefaultFleetConcurrency.
	Concurrency int
	// Decider makes the decisions; its zero value uses the default
	// classifier.
	Decider policy.Decider
	// MaxTagPages caps how many pages of a repository's tag list are read;
	// a listing cut short is reported as truncated, so the decision never
	// claims "up to date" on partial information. Zero means no cap.
	MaxTagPages int
	// SkipTagLists leaves the repositories' tags unlisted: only republished
	// and moved tags are detected, and decisions that need the list (a
	// newer tag in the line) come out Unknown.
	SkipTagLists bool
	// DefaultTags maps a repository name ("registry.example.com/team/app")
	// to its designated default tag, suggested when a deployed tag was
	// deleted.
	DefaultTags map[string]string
	// Immutable reports whether the registry enforces immutability for a
	// tag of a repository (by name), which makes a moved tag critical. It
	// is called from one goroutine, at most once per build.
	Immutable func(repository, tag string) bool
	// Progress, when set, is called each time a registry request of
	// CheckFleet finishes (a resolve, a tag listing, an index fetch), with
	// how many have finished and how many are planned so far: for a
	// progress line on a terminal. Calls never overlap and done never
	// decreases; total grows when index fetches turn out to be needed.
	// Progress must not block for long: requests wait for it.
	Progress func(done, total int)
}

// CheckFleet decides, for every build, whether the deployment or workspace
// it describes must be rebuilt, may be upgraded, or needs attention. It
// gathers what policy.Decide needs from the registry with as few requests
// as possible: one Resolve per distinct tag, one tag listing per distinct
// repository, and one manifest fetch per multi-arch tag whose index moved
// under a build that records its platform. At most opts.Concurrency
// requests are in flight at once. Each repository's tags are classified
// once for all of its builds (policy.TagList), and a build the same in
// every field as the previous one of its tag gets a copy of that
// decision. A republished tag names the version it now carries when
// another build of the check resolved that version's tag to the same
// image (policy.Observation.TagDigests).
//
// The decisions come back in the order of builds. An observation that
// failed (a registry error, a cancelled context) gives an Unknown decision
// whose message names the error; it is never reported as up to date. The
// returned error is ctx.Err(): non-nil when the context ended, in which
// case the observations it cut short are Unknown decisions.
func CheckFleet(ctx context.Context, r Registry, builds []policy.Build, opts FleetOptions) ([]policy.Decision, error) {
	if r == nil {
		return nil, errNilRegistry
	}
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultFleetConcurrency
	}

	// Plan the distinct requests, and remember for each build which
	// ones it reads.
	tags := map[tagID]*tagObservation{}
	repos := map[string]*repoObservation{}
	plans := make([]buildPlan, len(builds))
	for i, b := range builds {
		if b.Ref.IsZero() {
			continue
		}
		repo := b.Ref.Name()
		ro, ok := repos[repo]
		if !ok && !opts.SkipTagLists {
			ro = &repoObservation{ref: b.Ref.NameOnly()}
			repos[repo] = ro
		}
		plans[i].repo = ro
		if !b.Ref.HasTag() && b.Ref.IsPinned() {
			continue // pinned by digest alone: nothing to resolve
		}
		key := tagKey(b.Ref)
		t, ok := tags[key]
		if !ok {
			ref, err := b.Ref.NameOnly().WithTag(b.Ref.TagOrLatest())
			t = &tagObservation{ref: ref, err: err}
			tags[key] = t
		}
		plans[i].tag = t
		if b.Platform != "" && b.PlatformDigest != "" {
			t.platforms = append(t.platforms, b.Digest)
		}
	}

	// Resolve tags and list repositories with bounded concurrency.
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	progress := &fleetProgress{report: opts.Progress}
	run := func(f func()) {
		wg.Add(1)
		progress.plan()
		go func() {
			defer wg.Done()
			defer progress.finish()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				f() // f sees the cancelled context and records the error
				return
			}
			defer func() { <-sem }()
			f()
		}()
	}
	for _, t := range tags {
		if t.err != nil {
			continue
		}
		run(func() { t.resolve(ctx, r) })
	}
	for _, ro := range repos {
		run(func() { ro.list(ctx, r, opts.MaxTagPages) })
	}
	wg.Wait()

	// Fetch indexes whose digest moved under a build that records its
	// platform's own manifest.
	if fetcher, ok := r.(ManifestFetcher); ok {
		for _, t := range tags {
			if t.err == nil && t.needsIndex() {
				run(func() { t.fetchIndex(ctx, fetcher) })
			}
		}
		wg.Wait()
	}

	// Classify each repository's tags once, for all of its builds, and
	// gather the digests resolved per repository, so that a republished
	// tag can say which version it now carries.
	unlisted := opts.Decider.ClassifyTags(nil)
	for _, ro := range repos {
		listing := ro.tags
		if ro.err == nil && listing == nil {
			listing = []string{} // listed, and empty
		}
		ro.classified = opts.Decider.ClassifyTags(listing)
	}
	for _, t := range tags {
		if t.err != nil || t.desc.Digest == "" {
			continue
		}
		ro := repos[t.ref.Name()]
		if ro == nil {
			continue
		}
		if ro.digests == nil {
			ro.digests = map[string]digest.Digest{}
		}
		ro.digests[t.ref.Tag()] = t.desc.Digest
	}

	out := make([]policy.Decision, len(builds))
	for i, b := range builds {
		// A build the same in every field as the previous one of its tag
		// (the common case: workspaces built from the same image) gets
		// the same decision, copied.
		t, ro := plans[i].tag, plans[i].repo
		if t != nil && t.decided && t.last == b {
			out[i] = t.lastDecision
			out[i].Notes = slices.Clone(t.lastDecision.Notes)
			continue
		}
		obs, failure := observe(b, plans[i], opts)
		list := unlisted
		if ro != nil {
			list = ro.classified
		}
		dec := list.Decide(b, obs)
		if failure != nil {
			dec = failed(dec, failure)
		}
		out[i] = dec
		if t != nil {
			t.last, t.lastDecision, t.decided = b, dec, true
		}
	}
	return out, ctx.Err()
}

// observe assembles the observation of one build from the shared results.
func observe(b policy.Build, p buildPlan, opts FleetOptions) (policy.Observation, error) {
	var obs policy.Observation
	if b.Ref.IsZero() {
		return obs, nil
	}
	var failure error
	digestOnly := b.Ref.IsPinned() && !b.Ref.HasTag() // nothing to follow: the list is not needed
	t := p.tag
	if ro := p.repo; ro != nil {
		obs.TagDigests = ro.digests
		switch {
		case errors.Is(ro.err, ErrNotFound) && (t == nil || errors.Is(t.err, ErrNotFound)):
			// The registry says the repository does not exist, and the
			// tag agrees: a finding, not a failure to observe. (A tag
			// that resolves makes a refused listing a failure, below.)
			obs.RepositoryMissing = true
		case ro.err != nil:
			if !digestOnly {
				failure = ro.err
			}
			obs.Tags, obs.Truncated = ro.tags, true
		default:
			obs.Tags, obs.Truncated = ro.tags, ro.truncated
			if obs.Tags == nil {
				obs.Tags = []string{}
			}
		}
	}
	obs.DefaultTag = opts.DefaultTags[b.Ref.Name()]
	if opts.Immutable != nil {
		obs.Immutable = opts.Immutable(b.Ref.Name(), b.Ref.TagOrLatest())
	}
	if t == nil {
		return obs, failure
	}
	switch {
	case errors.Is(t.err, ErrNotFound):
		obs.Gone = true
	case t.err != nil:
		return obs, t.err
	default:
		obs.Digest = t.desc.Digest
		if b.Platform == "" || b.PlatformDigest == "" || t.desc.Digest == b.Digest {
			break // nothing to compare per platform
		}
		switch {
		case !isIndex(t.desc.MediaType):
			// The tag now names a single image: that manifest is what the
			// platform runs, to compare with the one recorded.
			obs.PlatformDigest = t.desc.Digest
		case t.indexErr != nil:
			return obs, t.indexErr
		case t.children != nil:
			if d, ok := t.children[normalizePlatform(b.Platform)]; ok {
				obs.PlatformDigest = d
			} else {
				obs.PlatformMissing = true
			}
		}
	}
	return obs, failure
}

// failed adjusts dec, made from an observation that could not be
// completed. A decision that asks for action (rebuild, upgrade, alert)
// stands on what was observed and keeps a note of the error; one that
// asks for nothing (up to date, pinned, nothing newer) cannot be trusted,
// so it becomes Unknown, naming the error.
func failed(dec policy.Decision, err error) policy.Decision {
	if dec.Action != policy.ActionNone && dec.Action != policy.ActionRetry {
		dec.Notes = append(dec.Notes, policy.Note{Outcome: policy.Unknown,
			Message: "the registry could not be fully observed: " + err.Error()})
		return dec
	}
	if dec.Outcome != policy.Unknown {
		dec.Notes = append(dec.Notes, policy.Note{Outcome: dec.Outcome, Tag: dec.Candidate,
			Message: "from a partial observation: " + dec.Message})
	}
	dec.Outcome, dec.Action, dec.Severity, dec.Candidate = policy.Unknown, policy.ActionRetry, policy.SeverityWarning, ""
	dec.Message = "the registry could not be fully observed for " + dec.Tag + ": " + err.Error()
	return dec
}

// buildPlan is what one build reads of a fleet check's observations:
// its tag's (nil for a reference pinned by digest alone, which follows no
// tag, and for no reference) and its repository's (nil when tag lists are
// skipped).
type buildPlan struct {
	tag  *tagObservation
	repo *repoObservation
}

// tagID names one distinct tag of a fleet check: repository and tag.
type tagID struct{ name, tag string }

func tagKey(ref reference.Reference) tagID { return tagID{ref.Name(), ref.TagOrLatest()} }

// fleetProgress counts CheckFleet's requests for FleetOptions.Progress.
type fleetProgress struct {
	report      func(done, total int)
	mu          sync.Mutex
	done, total int
}

func (p *fleetProgress) plan() {
	p.mu.Lock()
	p.total++
	p.mu.Unlock()
}

func (p *fleetProgress) finish() {
	if p.report == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.report(p.done, p.total)
}

// tagObservation is what the registry said about one distinct tag.
type tagObservation struct {
	ref       reference.Reference
	platforms []digest.Digest // build digests of builds that record a platform
	desc      ocispec.Descriptor
	err       error
	children  map[string]digest.Digest // platform -> manifest, for an index
	indexErr  error

	// The last build of this tag decided, and its decision.
	last         policy.Build
	lastDecision policy.Decision
	decided      bool
}

func (t *tagObservation) resolve(ctx context.Context, r Registry) {
	if err := ctx.Err(); err != nil {
		t.err = err
		return
	}
	t.desc, t.err = r.Resolve(ctx, t.ref)
	if t.err != nil {
		t.err = fmt.Errorf("resolve %s: %w", t.ref, t.err)
	}
}

// needsIndex reports whether some build that records its platform saw the
// index move, so the platform's own manifest must be compared.
func (t *tagObservation) needsIndex() bool {
	if !isIndex(t.desc.MediaType) {
		return false
	}
	for _, d := range t.platforms {
		if d != t.desc.Digest {
			return true
		}
	}
	return false
}

func (t *tagObservation) fetchIndex(ctx context.Context, f ManifestFetcher) {
	if err := ctx.Err(); err != nil {
		t.indexErr = err
		return
	}
	ref, err := t.ref.WithDigest(t.desc.Digest)
	if err != nil {
		t.indexErr = err
		return
	}
	_, data, err := f.FetchManifest(ctx, ref)
	if err != nil {
		t.indexErr = fmt.Errorf("fetch index %s: %w", ref, err)
		return
	}
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		t.indexErr = fmt.Errorf("index %s: %w", ref, err)
		return
	}
	t.children = map[string]digest.Digest{}
	for _, m := range idx.Manifests {
		if m.Platform == nil {
			continue
		}
		key := normalizePlatform(platformString(*m.Platform))
		if _, dup := t.children[key]; !dup {
			t.children[key] = m.Digest
		}
	}
}

// repoObservation is a repository's tag listing.
type repoObservation struct {
	ref        reference.Reference
	tags       []string
	truncated  bool
	err        error
	classified *policy.TagList          // tags, classified once for every build
	digests    map[string]digest.Digest // tag -> digest, of the tags resolved
}

func (ro *repoObservation) list(ctx context.Context, r Registry, maxPages int) {
	cursor := ""
	seen := map[string]bool{}
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			ro.err = err
			return
		}
		p, err := r.Tags(ctx, ro.ref, cursor, 0)
		if err != nil {
			ro.err = fmt.Errorf("list tags of %s: %w", ro.ref, err)
			return
		}
		ro.tags = append(ro.tags, p.Tags...)
		if p.Next == "" {
			return
		}
		if seen[p.Next] || (maxPages > 0 && page >= maxPages) {
			ro.truncated = true
			return
		}
		seen[p.Next] = true
		cursor = p.Next
	}
}

func isIndex(mediaType string) bool {
	return mediaType == ocispec.MediaTypeImageIndex || mediaType == "application/vnd.docker.distribution.manifest.list.v2+json"
}

func platformString(p ocispec.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// normalizePlatform lowercases os/arch[/variant] and drops the variant
// "v8" of arm64, which is implied.
func normalizePlatform(p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	if strings.HasSuffix(p, "/arm64/v8") {
		p = strings.TrimSuffix(p, "/v8")
	}
	return p
}
