// Package registrytest checks that a promote.Registry implementation keeps
// the contract package promote relies on, in the way testing/fstest checks
// an fs.FS. A backend calls TestRegistry from its own tests:
//
//	func TestConformance(t *testing.T) {
//		reg := newMyRegistry(t)
//		// push two different manifests into "registry.example/conformance"
//		registrytest.TestRegistry(t, reg, registrytest.Fixture{
//			Repository: reference.MustParse("registry.example/conformance"),
//			Digests:    [2]digest.Digest{first, second},
//		})
//	}
//
// The suite creates tags named after Fixture.Prefix in the fixture
// repository, moves them between the two manifests, lists them page by
// page, and checks errors and cancellation. When the registry implements
// promote.TagDeleter, promote.ManifestFetcher or promote.TagSwapper, those
// are checked too, and the suite deletes the tags it made before it
// returns.
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// Fixture is the content the suite works with.
type Fixture struct {
	// Repository is a repository holding both manifests; its tag and
	// digest are ignored. The suite writes tags into it.
	Repository reference.Reference
	// Digests are two different manifests already in Repository.
	Digests [2]digest.Digest
	// Prefix starts the name of every tag the suite creates; empty means
	// "registrytest". Tags the registry already has are left alone unless
	// their names start with it.
	Prefix string
}

// TestRegistry runs the conformance checks against r as subtests of t.
func TestRegistry(t *testing.T, r promote.Registry, f Fixture) {
	t.Helper()
	if f.Prefix == "" {
		f.Prefix = "registrytest"
	}
	if r == nil || f.Repository.IsZero() || f.Digests[0] == "" || f.Digests[1] == "" || f.Digests[0] == f.Digests[1] {
		t.Fatalf("registrytest: need a registry, a repository and two different digests; got %+v", f)
	}
	s := &suite{r: r, f: f, repo: f.Repository.NameOnly()}
	if err := reference.ValidateTag(f.Prefix + "-x"); err != nil {
		t.Fatalf("registrytest: prefix %q does not make valid tags: %v", f.Prefix, err)
	}
	if del, ok := r.(promote.TagDeleter); ok {
		defer s.cleanup(t, del)
	}
	t.Run("ResolveAndTag", s.resolveAndTag)
	t.Run("NotFound", s.notFound)
	t.Run("Paging", s.paging)
	t.Run("Cancellation", s.cancellation)
	if del, ok := r.(promote.TagDeleter); ok {
		t.Run("DeleteTag", func(t *testing.T) { s.deleteTag(t, del) })
	}
	if fe, ok := r.(promote.ManifestFetcher); ok {
		t.Run("FetchManifest", func(t *testing.T) { s.fetch(t, fe) })
	}
	if sw, ok := r.(promote.TagSwapper); ok {
		t.Run("SwapTag", func(t *testing.T) { s.swap(t, sw) })
	}
}

type suite struct {
	r       promote.Registry
	f       Fixture
	repo    reference.Reference
	created []string
}

func (s *suite) tagRef(t *testing.T, name string) reference.Reference {
	t.Helper()
	ref, err := s.repo.WithTag(s.f.Prefix + "-" + name)
	if err != nil {
		t.Fatalf("registrytest: tag %q: %v", name, err)
	}
	return ref
}

func (s *suite) digestRef(t *testing.T, d digest.Digest) reference.Reference {
	t.Helper()
	ref, err := s.repo.WithDigest(d)
	if err != nil {
		t.Fatalf("registrytest: digest %q: %v", d, err)
	}
	return ref
}

func (s *suite) tag(t *testing.T, ref reference.Reference, d digest.Digest) {
	t.Helper()
	if err := s.r.Tag(context.Background(), ref, d); err != nil {
		t.Fatalf("Tag(%s, %s): %v", ref, d, err)
	}
	if !slices.Contains(s.created, ref.Tag()) {
		s.created = append(s.created, ref.Tag())
	}
}

func (s *suite) expect(t *testing.T, ref reference.Reference, want digest.Digest) {
	t.Helper()
	desc, err := s.r.Resolve(context.Background(), ref)
	if err != nil {
		t.Errorf("Resolve(%s): %v, want %s", ref, err, want)
		return
	}
	if desc.Digest != want {
		t.Errorf("Resolve(%s) = %s, want %s", ref, desc.Digest, want)
	}
	if desc.MediaType == "" || desc.Size <= 0 {
		t.Errorf("Resolve(%s) = media type %q, size %d; want both set", ref, desc.MediaType, desc.Size)
	}
}

func (s *suite) resolveAndTag(t *testing.T) {
	d0, d1 := s.f.Digests[0], s.f.Digests[1]
	ref := s.tagRef(t, "move")
	s.expect(t, s.digestRef(t, d0), d0)
	s.expect(t, s.digestRef(t, d1), d1)

	s.tag(t, ref, d0)
	s.expect(t, ref, d0)
	s.tag(t, ref, d0) // idempotent re-tag
	s.expect(t, ref, d0)
	s.tag(t, ref, d1) // move
	s.expect(t, ref, d1)

	pinned, err := ref.WithDigest(d0)
	if err != nil {
		t.Fatal(err)
	}
	s.expect(t, pinned, d0) // the digest wins over the tag
}

func (s *suite) notFound(t *testing.T) {
	ctx := context.Background()
	missingDigest := digest.FromString("registrytest: no manifest has this content")
	missingRepo, err := reference.Parse(s.repo.Name() + "/registrytest-missing")
	if err != nil {
		t.Fatal(err)
	}
	missingRepoTag, err := missingRepo.WithTag("x")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what string
		err  error
	}{
		{"Resolve of a missing tag", func() error { _, err := s.r.Resolve(ctx, s.tagRef(t, "missing")); return err }()},
		{"Resolve of a missing digest", func() error { _, err := s.r.Resolve(ctx, s.digestRef(t, missingDigest)); return err }()},
		{"Resolve in a missing repository", func() error { _, err := s.r.Resolve(ctx, missingRepoTag); return err }()},
		{"Tag of a missing manifest", s.r.Tag(ctx, s.tagRef(t, "missing"), missingDigest)},
		{"Tags of a missing repository", func() error { _, err := s.r.Tags(ctx, missingRepo, "", 0); return err }()},
	}
	for _, c := range checks {
		if !errors.Is(c.err, promote.ErrNotFound) {
			t.Errorf("%s: got %v, want an error matching promote.ErrNotFound", c.what, c.err)
		}
	}
}

func (s *suite) paging(t *testing.T) {
	const n = 7
	want := map[string]bool{}
	for i := range n {
		ref := s.tagRef(t, fmt.Sprintf("page-%02d", i))
		s.tag(t, ref, s.f.Digests[i%2])
		want[ref.Tag()] = true
	}
	for _, limit := range []int{1, 2, 3, n, n + 1, 0} {
		seen := map[string]int{}
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 100000 {
				t.Fatalf("limit %d: more than 100000 pages; the cursor does not advance", limit)
			}
			page, err := s.r.Tags(context.Background(), s.repo, cursor, limit)
			if err != nil {
				t.Fatalf("Tags(limit %d, cursor %q): %v", limit, cursor, err)
			}
			if limit > 0 && len(page.Tags) > limit {
				t.Errorf("Tags(limit %d) returned %d tags", limit, len(page.Tags))
			}
			for _, tag := range page.Tags {
				seen[tag]++
			}
			if page.Next == "" {
				break
			}
			if page.Next == cursor {
				t.Fatalf("limit %d: cursor %q repeated", limit, cursor)
			}
			cursor = page.Next
		}
		for tag, count := range seen {
			if count != 1 {
				t.Errorf("limit %d: tag %q listed %d times", limit, tag, count)
			}
		}
		for tag := range want {
			if seen[tag] != 1 {
				t.Errorf("limit %d: tag %q not listed", limit, tag)
			}
		}
	}

	// The page is the caller's to keep.
	page, err := s.r.Tags(context.Background(), s.repo, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(page.Tags)
	for i := range page.Tags {
		page.Tags[i] = "overwritten"
	}
	again, err := s.r.Tags(context.Background(), s.repo, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, again.Tags) {
		t.Errorf("changing a returned page changed the registry: %q then %q", before, again.Tags)
	}
}

func (s *suite) cancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ref := s.tagRef(t, "cancelled")
	checks := []struct {
		what string
		err  error
	}{
		{"Resolve", func() error { _, err := s.r.Resolve(ctx, s.digestRef(t, s.f.Digests[0])); return err }()},
		{"Tag", s.r.Tag(ctx, ref, s.f.Digests[0])},
		{"Tags", func() error { _, err := s.r.Tags(ctx, s.repo, "", 0); return err }()},
	}
	for _, c := range checks {
		if !errors.Is(c.err, context.Canceled) {
			t.Errorf("%s with a cancelled context: got %v, want an error matching context.Canceled", c.what, c.err)
		}
	}
	if _, err := s.r.Resolve(context.Background(), ref); !errors.Is(err, promote.ErrNotFound) {
		t.Errorf("Tag with a cancelled context created %s (Resolve: %v)", ref, err)
	}
}

func (s *suite) deleteTag(t *testing.T, del promote.TagDeleter) {
	ctx := context.Background()
	ref := s.tagRef(t, "delete")
	s.tag(t, ref, s.f.Digests[0])
	if err := del.DeleteTag(ctx, ref); err != nil {
		t.Fatalf("DeleteTag(%s): %v", ref, err)
	}
	if _, err := s.r.Resolve(ctx, ref); !errors.Is(err, promote.ErrNotFound) {
		t.Errorf("Resolve(%s) after DeleteTag: got %v, want ErrNotFound", ref, err)
	}
	if err := del.DeleteTag(ctx, ref); !errors.Is(err, promote.ErrNotFound) {
		t.Errorf("second DeleteTag(%s): got %v, want ErrNotFound", ref, err)
	}
	s.expect(t, s.digestRef(t, s.f.Digests[0]), s.f.Digests[0]) // the manifest stays
}

func (s *suite) fetch(t *testing.T, fe promote.ManifestFetcher) {
	ctx := context.Background()
	ref := s.tagRef(t, "fetch")
	s.tag(t, ref, s.f.Digests[1])
	for _, r := range []reference.Reference{ref, s.digestRef(t, s.f.Digests[1])} {
		desc, data, err := fe.FetchManifest(ctx, r)
		if err != nil {
			t.Errorf("FetchManifest(%s): %v", r, err)
			continue
		}
		if desc.Digest != s.f.Digests[1] || desc.Size != int64(len(data)) {
			t.Errorf("FetchManifest(%s) = %s size %d with %d bytes, want %s", r, desc.Digest, desc.Size, len(data), s.f.Digests[1])
		}
		if got := desc.Digest.Algorithm().FromBytes(data); got != desc.Digest {
			t.Errorf("FetchManifest(%s): bytes hash to %s, descriptor says %s", r, got, desc.Digest)
		}
	}
	_, _, err := fe.FetchManifest(ctx, s.tagRef(t, "missing"))
	if !errors.Is(err, promote.ErrNotFound) {
		t.Errorf("FetchManifest of a missing tag: got %v, want ErrNotFound", err)
	}
}

func (s *suite) swap(t *testing.T, sw promote.TagSwapper) {
	ctx := context.Background()
	d0, d1 := s.f.Digests[0], s.f.Digests[1]
	ref := s.tagRef(t, "swap")
	if err := sw.SwapTag(ctx, ref, d0, d1); !errors.Is(err, promote.ErrPreconditionFailed) {
		t.Errorf("SwapTag of an absent tag expecting %s: got %v, want ErrPreconditionFailed", d0, err)
	}
	if err := sw.SwapTag(ctx, ref, "", d0); err != nil {
		t.Fatalf("SwapTag creating %s: %v", ref, err)
	}
	s.created = append(s.created, ref.Tag())
	s.expect(t, ref, d0)
	if err := sw.SwapTag(ctx, ref, "", d1); !errors.Is(err, promote.ErrPreconditionFailed) {
		t.Errorf("SwapTag expecting absence of an existing tag: got %v, want ErrPreconditionFailed", err)
	}
	if err := sw.SwapTag(ctx, ref, d1, d1); !errors.Is(err, promote.ErrPreconditionFailed) {
		t.Errorf("SwapTag with a stale expectation: got %v, want ErrPreconditionFailed", err)
	}
	s.expect(t, ref, d0)
	if err := sw.SwapTag(ctx, ref, d0, d1); err != nil {
		t.Errorf("SwapTag with the right expectation: %v", err)
	}
	s.expect(t, ref, d1)
}

func (s *suite) cleanup(t *testing.T, del promote.TagDeleter) {
	for _, tag := range s.created {
		ref, err := s.repo.WithTag(tag)
		if err != nil {
			continue
		}
		if err := del.DeleteTag(context.Background(), ref); err != nil && !errors.Is(err, promote.ErrNotFound) {
			t.Logf("registrytest: cleaning up %s: %v", ref, err)
		}
	}
}
