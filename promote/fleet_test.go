package promote_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

var (
	amd64 = ocispec.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispec.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	s390x = ocispec.Platform{OS: "linux", Architecture: "s390x"}
)

// seedFleet seeds the images of the background scenarios and returns
// their digests by name.
func seedFleet(t *testing.T) (*memory.Registry, map[string]digest.Digest) {
	t.Helper()
	reg := memory.New()
	images := []struct {
		name string
		img  memory.Image
	}{
		{"ubuntu-old", memory.Image{Repository: "library/ubuntu", Content: "20.04.5"}},
		{"ubuntu-2004", memory.Image{Repository: "library/ubuntu", Tags: []string{"20.04"}, Content: "20.04.6"}},
		{"ubuntu-2010", memory.Image{Repository: "library/ubuntu", Tags: []string{"20.10"}, Content: "20.10"}},
		{"ubuntu-latest-old", memory.Image{Repository: "library/ubuntu", Content: "21.04"}},
		{"ubuntu-latest", memory.Image{Repository: "library/ubuntu", Tags: []string{"22.04", "latest", "rolling"}, Content: "22.04"}},
		{"v1-old", memory.Image{Repository: "mycorp/myproj", Tags: []string{"v1.2.0"}, Content: "1.2.0"}},
		{"v131", memory.Image{Repository: "mycorp/myproj", Content: "1.3.1"}},
		{"v131-moved", memory.Image{Repository: "mycorp/myproj", Tags: []string{"v1.3.1", "v1.3", "v1"}, Content: "1.3.1 again"}},
		{"v2", memory.Image{Repository: "mycorp/myproj", Tags: []string{"v2.0.0", "v2"}, Content: "2.0.0"}},
		{"multi-old", memory.Image{Repository: "team/base", Content: "base", Platforms: []ocispec.Platform{amd64, arm64}}},
		{"multi-new", memory.Image{Repository: "team/base", Tags: []string{"stable"}, Content: "base", Platforms: []ocispec.Platform{amd64, arm64, s390x}}},
		{"multi-amd64-child-old", memory.Image{Repository: "team/base", Content: "base before the patch"}},
	}
	ds := map[string]digest.Digest{}
	for _, im := range images {
		got, err := reg.Seed(im.img)
		require.NoError(t, err)
		ds[im.name] = got[0]
	}
	return reg, ds
}

func build(t *testing.T, ref string, d digest.Digest) policy.Build {
	t.Helper()
	return policy.Build{Ref: reference.MustParse(ref), Digest: d}
}

func TestCheckFleetBackgroundScenarios(t *testing.T) {
	reg, ds := seedFleet(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		build     policy.Build
		outcome   policy.Outcome
		action    policy.Action
		candidate string
	}{
		{"latest prompts on every republish", build(t, "ubuntu:latest", ds["ubuntu-latest-old"]), policy.TagRepublished, policy.ActionRebuild, "latest"},
		{"rolling prompts too", build(t, "ubuntu:rolling", ds["ubuntu-latest-old"]), policy.TagRepublished, policy.ActionRebuild, "rolling"},
		{"a bare name is latest", build(t, "ubuntu", ds["ubuntu-latest"]), policy.UpToDate, policy.ActionNone, ""},
		{"20.04 gets its patch", build(t, "ubuntu:20.04", ds["ubuntu-old"]), policy.TagRepublished, policy.ActionRebuild, "20.04"},
		{"20.04 never moves to 20.10, and is up to date", build(t, "ubuntu:20.04", ds["ubuntu-2004"]), policy.UpToDate, policy.ActionNone, ""},
		{"v1.3.1 moved is an alert", build(t, "mycorp/myproj:v1.3.1", ds["v131"]), policy.ImmutableTagMoved, policy.ActionAlert, ""},
		{"v1 follows v1.x, never v2, and is up to date", build(t, "mycorp/myproj:v1", ds["v131-moved"]), policy.UpToDate, policy.ActionNone, ""},
		{"deleted tag suggests its line", build(t, "mycorp/myproj:v1.1", ds["v1-old"]), policy.TagDeleted, policy.ActionUpgrade, "v1.3"},
		{"pinned by digest", build(t, "ubuntu@"+ds["ubuntu-old"].String(), ""), policy.PinnedByDigest, policy.ActionNone, ""},
	}
	builds := make([]policy.Build, len(tests))
	for i, tt := range tests {
		builds[i] = tt.build
	}
	decisions, err := promote.CheckFleet(ctx, reg, builds, promote.FleetOptions{})
	require.NoError(t, err)
	require.Len(t, decisions, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decisions[i]
			assert.Equal(t, tt.outcome, d.Outcome, d.Message)
			assert.Equal(t, tt.action, d.Action, d.Message)
			assert.Equal(t, tt.candidate, d.Candidate, d.Message)
			assert.NotEmpty(t, d.Message)
		})
	}
	assert.Equal(t, 6, reg.Calls(memory.OpResolve), "one resolve per distinct tag: latest (twice), rolling, 20.04 (twice), v1.3.1, v1, v1.1 (gone), and none for the digest pin")
}

func TestCheckFleetMultiArch(t *testing.T) {
	reg, ds := seedFleet(t)
	ctx := context.Background()
	// The amd64 child inside both indexes is the same manifest.
	child := platformChild(t, reg, "team/base@"+ds["multi-old"].String(), amd64)
	require.Equal(t, child, platformChild(t, reg, "team/base:stable", amd64))

	tests := []struct {
		name     string
		build    policy.Build
		outcome  policy.Outcome
		indexGet bool
	}{
		{"index changed, our platform did not", policy.Build{Ref: reference.MustParse("team/base:stable"),
			Digest: ds["multi-old"], Platform: "linux/amd64", PlatformDigest: child}, policy.UpToDate, true},
		{"arm64/v8 is arm64", policy.Build{Ref: reference.MustParse("team/base:stable"),
			Digest: ds["multi-old"], Platform: "linux/arm64", PlatformDigest: platformChild(t, reg, "team/base:stable", arm64)}, policy.UpToDate, true},
		{"our platform changed", policy.Build{Ref: reference.MustParse("team/base:stable"),
			Digest: ds["multi-old"], Platform: "linux/amd64", PlatformDigest: ds["multi-amd64-child-old"]}, policy.TagRepublished, true},
		{"our platform is gone", policy.Build{Ref: reference.MustParse("team/base:stable"),
			Digest: ds["multi-old"], Platform: "windows/amd64", PlatformDigest: child}, policy.PlatformUnavailable, true},
		{"index unchanged needs no fetch", policy.Build{Ref: reference.MustParse("team/base:stable"),
			Digest: ds["multi-new"], Platform: "linux/amd64", PlatformDigest: child}, policy.UpToDate, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := reg.Calls(memory.OpFetch)
			decisions, err := promote.CheckFleet(ctx, reg, []policy.Build{tt.build}, promote.FleetOptions{})
			require.NoError(t, err)
			assert.Equal(t, tt.outcome, decisions[0].Outcome, decisions[0].Message)
			fetched := reg.Calls(memory.OpFetch) - before
			if tt.indexGet {
				assert.Equal(t, 1, fetched)
			} else {
				assert.Zero(t, fetched)
			}
		})
	}
}

// platformChild returns the digest of p's manifest inside the index ref
// names.
func platformChild(t *testing.T, reg *memory.Registry, ref string, p ocispec.Platform) digest.Digest {
	t.Helper()
	_, data, err := reg.FetchManifest(context.Background(), reference.MustParse(ref))
	require.NoError(t, err)
	var idx ocispec.Index
	require.NoError(t, json.Unmarshal(data, &idx))
	for _, m := range idx.Manifests {
		if m.Platform != nil && m.Platform.OS == p.OS && m.Platform.Architecture == p.Architecture && m.Platform.Variant == p.Variant {
			return m.Digest
		}
	}
	t.Fatalf("no %v in %s", p, ref)
	return ""
}

func TestCheckFleetOneResolvePerDistinctTag(t *testing.T) {
	reg := memory.New()
	var images []memory.Image
	for i := range 100 {
		images = append(images, memory.Image{Repository: fmt.Sprintf("team/app%d", i%10), Tags: []string{fmt.Sprintf("%d.%d", i/10, i%10)}})
	}
	ds, err := reg.Seed(images...)
	require.NoError(t, err)
	builds := make([]policy.Build, 10000)
	for i := range builds {
		j := i % 100
		builds[i] = policy.Build{Ref: reference.MustParse(fmt.Sprintf("team/app%d:%d.%d", j%10, j/10, j%10)), Digest: ds[j]}
	}
	decisions, err := promote.CheckFleet(context.Background(), reg, builds, promote.FleetOptions{Concurrency: 16})
	require.NoError(t, err)
	require.Len(t, decisions, len(builds))
	assert.Equal(t, 100, reg.Calls(memory.OpResolve), "exactly one resolve per distinct tag")
	assert.Equal(t, 10, reg.Calls(memory.OpTags), "one tag listing per repository")
	for i, d := range decisions {
		require.NotEqual(t, policy.Unknown, d.Outcome, "build %d: %s", i, d.Message)
	}
	assert.Empty(t, reg.Events(), "a fleet check writes nothing")
}

func TestCheckFleetFailuresAreUnknown(t *testing.T) {
	reg, ds := seedFleet(t)
	reg.InjectFault(memory.Fault{Op: memory.OpResolve, Repository: "library/ubuntu", Err: errors.New("registry on fire")})
	minor := build(t, "mycorp/myproj:v1.2.0", ds["v1-old"])
	minor.Tracking = policy.TrackMinor
	builds := []policy.Build{build(t, "ubuntu:20.04", ds["ubuntu-2004"]), minor}
	decisions, err := promote.CheckFleet(context.Background(), reg, builds, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.Unknown, decisions[0].Outcome)
	assert.Equal(t, policy.ActionRetry, decisions[0].Action)
	assert.Contains(t, decisions[0].Message, "registry on fire")
	assert.Equal(t, policy.NewerInRange, decisions[1].Outcome, "other repositories are unaffected")
	assert.Equal(t, "v1.3.1", decisions[1].Candidate)

	reg.ClearFaults()
	reg.InjectFault(memory.Fault{Op: memory.OpTags, Err: errors.New("listing broken")})
	decisions, err = promote.CheckFleet(context.Background(), reg, builds[1:], promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.Unknown, decisions[0].Outcome, "minor updates need the tag list")
	assert.Contains(t, decisions[0].Message, "listing broken")
}

func TestCheckFleetTruncatedListing(t *testing.T) {
	reg := memory.New()
	var images []memory.Image
	for i := range 30 {
		images = append(images, memory.Image{Repository: "team/app", Tags: []string{fmt.Sprintf("1.%d.0", i)}})
	}
	ds, err := reg.Seed(images...)
	require.NoError(t, err)
	b := []policy.Build{{Ref: reference.MustParse("team/app:1.0.0"), Digest: ds[0], Tracking: policy.TrackMinor}}

	full, err := promote.CheckFleet(context.Background(), reg, b, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.NewerInRange, full[0].Outcome)
	assert.Equal(t, "1.29.0", full[0].Candidate)

	// Grow the listing past one page of the fake, then read one page only.
	for i := 30; i < memory.DefaultPageSize+10; i++ {
		_, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{fmt.Sprintf("1.%d.0", i)}})
		require.NoError(t, err)
	}
	cut, err := promote.CheckFleet(context.Background(), reg, b, promote.FleetOptions{MaxTagPages: 1})
	require.NoError(t, err)
	assert.NotEqual(t, policy.UpToDate, cut[0].Outcome)
	assert.Contains(t, cut[0].Message+fmt.Sprint(cut[0].Notes), "truncated")
}

func TestCheckFleetCancelled(t *testing.T) {
	reg, ds := seedFleet(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	decisions, err := promote.CheckFleet(ctx, reg, []policy.Build{build(t, "ubuntu:20.04", ds["ubuntu-2004"])}, promote.FleetOptions{})
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, decisions, 1)
	assert.Equal(t, policy.Unknown, decisions[0].Outcome)
	assert.Contains(t, decisions[0].Message, "context canceled")
}

func TestCheckFleetOptions(t *testing.T) {
	reg, ds := seedFleet(t)
	ctx := context.Background()
	moved := build(t, "mycorp/myproj:v1.3.1", ds["v131"])
	decisions, err := promote.CheckFleet(ctx, reg, []policy.Build{moved}, promote.FleetOptions{
		Immutable: func(repo, tag string) bool { return repo == "docker.io/mycorp/myproj" && tag == "v1.3.1" },
	})
	require.NoError(t, err)
	assert.Equal(t, policy.SeverityCritical, decisions[0].Severity)

	gone := build(t, "ubuntu:19.10", ds["ubuntu-old"])
	decisions, err = promote.CheckFleet(ctx, reg, []policy.Build{gone}, promote.FleetOptions{
		DefaultTags: map[string]string{"docker.io/library/ubuntu": "22.04"},
	})
	require.NoError(t, err)
	assert.Equal(t, policy.TagDeleted, decisions[0].Outcome)
	assert.NotEmpty(t, decisions[0].Candidate)

	lists := reg.Calls(memory.OpTags)
	minor := build(t, "mycorp/myproj:v1.2.0", ds["v1-old"])
	minor.Tracking = policy.TrackMinor
	decisions, err = promote.CheckFleet(ctx, reg, []policy.Build{minor}, promote.FleetOptions{SkipTagLists: true})
	require.NoError(t, err)
	assert.Equal(t, policy.Unknown, decisions[0].Outcome, "without the list, minor updates cannot be ruled out")
	assert.Equal(t, lists, reg.Calls(memory.OpTags), "no tag listing")

	_, err = promote.CheckFleet(ctx, nil, nil, promote.FleetOptions{})
	assert.Error(t, err)
	decisions, err = promote.CheckFleet(ctx, reg, []policy.Build{{}}, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.InvalidInput, decisions[0].Outcome, "a build without a reference is an input error")
}

// A newer version outside the line is a note of an up-to-date decision.
func TestCheckFleetOutOfRangeIsANote(t *testing.T) {
	reg, ds := seedFleet(t)
	decisions, err := promote.CheckFleet(context.Background(), reg, []policy.Build{
		build(t, "ubuntu:20.04", ds["ubuntu-2004"]), build(t, "mycorp/myproj:v1", ds["v131-moved"]),
	}, promote.FleetOptions{})
	require.NoError(t, err)
	for i, want := range []string{"22.04", "v2"} {
		d := decisions[i]
		require.Equal(t, policy.UpToDate, d.Outcome, d.Message)
		require.Len(t, d.Notes, 1, d.Message)
		assert.Equal(t, policy.Note{Outcome: policy.NewerOutOfRange, Tag: want, Message: d.Notes[0].Message}, d.Notes[0])
	}
}

func TestCheckFleetRepositoryNotFound(t *testing.T) {
	reg, ds := seedFleet(t)
	decisions, err := promote.CheckFleet(context.Background(), reg, []policy.Build{
		build(t, "mycorp/myproject:v1", ds["v1-old"]),           // a repository that was never there
		build(t, "mycorp/myproj:v0.9", ds["v1-old"]),            // a tag that is gone from one that is
		build(t, "mycorp/myproject@"+ds["v1-old"].String(), ""), // a digest in a repository that is not there
	}, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.RepositoryNotFound, decisions[0].Outcome, decisions[0].Message)
	assert.Equal(t, policy.ActionAlert, decisions[0].Action)
	assert.NotContains(t, decisions[0].Message, "deleted")
	assert.Equal(t, policy.TagDeleted, decisions[1].Outcome, decisions[1].Message)
	assert.Equal(t, policy.RepositoryNotFound, decisions[2].Outcome, decisions[2].Message)
}

// A republished tag names the version it now carries when another build
// of the fleet resolved that version's tag to the same image.
func TestCheckFleetRepublishedCarries(t *testing.T) {
	reg, ds := seedFleet(t)
	decisions, err := promote.CheckFleet(context.Background(), reg, []policy.Build{
		build(t, "mycorp/myproj:v1", ds["v1-old"]),
		build(t, "mycorp/myproj:v1.3.1", ds["v131-moved"]),
		build(t, "ubuntu:latest", ds["ubuntu-latest-old"]),
	}, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.TagRepublished, decisions[0].Outcome, decisions[0].Message)
	assert.Equal(t, "v1.3.1", decisions[0].Carries)
	assert.Contains(t, decisions[0].Message, "republished as v1.3.1")
	assert.Equal(t, policy.TagRepublished, decisions[2].Outcome, decisions[2].Message)
	assert.Empty(t, decisions[2].Carries, "no resolved version tag shows what latest carries")
}

func TestCheckFleetPartialObservationsAreNeverTrusted(t *testing.T) {
	tests := []struct {
		name  string
		fault memory.Op
		build func(ds map[string]digest.Digest) policy.Build
	}{
		{"pinned tag that could not be resolved", memory.OpResolve, func(ds map[string]digest.Digest) policy.Build {
			return policy.Build{Ref: reference.MustParse("mycorp/myproj:v1.2.0@" + ds["v1-old"].String()), Digest: ds["v1-old"]}
		}},
		{"version tag whose line could not be listed", memory.OpTags, func(ds map[string]digest.Digest) policy.Build {
			return policy.Build{Ref: reference.MustParse("mycorp/myproj:v1.2.0"), Digest: ds["v1-old"]}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, ds := seedFleet(t)
			reg.InjectFault(memory.Fault{Op: tt.fault, Err: errors.New("registry unavailable")})
			decisions, err := promote.CheckFleet(context.Background(), reg, []policy.Build{tt.build(ds)}, promote.FleetOptions{})
			require.NoError(t, err)
			d := decisions[0]
			assert.Equal(t, policy.Unknown, d.Outcome)
			assert.Equal(t, policy.ActionRetry, d.Action)
			assert.Contains(t, d.Message, "registry unavailable")
		})
	}

	// A reference pinned by digest alone needs no listing.
	reg, ds := seedFleet(t)
	reg.InjectFault(memory.Fault{Op: memory.OpTags, Err: errors.New("registry unavailable")})
	decisions, err := promote.CheckFleet(context.Background(), reg,
		[]policy.Build{{Ref: reference.MustParse("ubuntu@" + ds["ubuntu-old"].String())}}, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.PinnedByDigest, decisions[0].Outcome)
}

func TestCheckFleetIndexReplacedBySingleImage(t *testing.T) {
	reg, ds := seedFleet(t)
	child := platformChild(t, reg, "team/base@"+ds["multi-old"].String(), amd64)
	// stable now names a single image.
	single, err := reg.Seed(memory.Image{Repository: "team/base", Tags: []string{"stable"}, Content: "single"})
	require.NoError(t, err)
	b := policy.Build{Ref: reference.MustParse("team/base:stable"), Digest: ds["multi-old"], Platform: "linux/amd64", PlatformDigest: child}
	decisions, err := promote.CheckFleet(context.Background(), reg, []policy.Build{b}, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.TagRepublished, decisions[0].Outcome, decisions[0].Message)
	assert.Equal(t, single[0], decisions[0].Digest)
}

func TestRollbackRefusesExpectOptions(t *testing.T) {
	reg, ds := seedFleet(t)
	rec, err := promote.Promote(context.Background(), reg, reference.MustParse("ubuntu@"+ds["ubuntu-old"].String()), "canary")
	require.NoError(t, err)
	_, err = promote.Rollback(context.Background(), reg, rec, promote.ExpectCurrent(ds["ubuntu-old"]))
	assert.ErrorContains(t, err, "do not apply")
	d, err := reg.Resolve(context.Background(), reference.MustParse("ubuntu:canary"))
	require.NoError(t, err)
	assert.Equal(t, ds["ubuntu-old"], d.Digest, "nothing was rolled back")

	_, err = promote.AllTags(context.Background(), nil, reference.MustParse("ubuntu"))
	assert.Error(t, err)
}

func TestCheckFleetActionableDecisionSurvivesAFailedListing(t *testing.T) {
	reg, ds := seedFleet(t)
	reg.InjectFault(memory.Fault{Op: memory.OpTags, Err: errors.New("listing broken")})
	decisions, err := promote.CheckFleet(context.Background(), reg,
		[]policy.Build{build(t, "ubuntu:20.04", ds["ubuntu-old"])}, promote.FleetOptions{})
	require.NoError(t, err)
	d := decisions[0]
	assert.Equal(t, policy.TagRepublished, d.Outcome, "the republish was observed")
	assert.Equal(t, policy.ActionRebuild, d.Action)
	require.NotEmpty(t, d.Notes)
	assert.Contains(t, d.Notes[len(d.Notes)-1].Message, "listing broken")
}

// Workspaces built alike share a decision, each with its own copy.
func TestCheckFleetRepeatedBuilds(t *testing.T) {
	reg, ds := seedFleet(t)
	v1 := build(t, "mycorp/myproj:v1", ds["v1-old"])
	v1pinned := v1
	v1pinned.Tracking = policy.TrackPinned
	builds := []policy.Build{v1, build(t, "ubuntu:20.04", ds["ubuntu-2004"]), v1, v1pinned, v1}
	decisions, err := promote.CheckFleet(context.Background(), reg, builds, promote.FleetOptions{})
	require.NoError(t, err)
	alone, err := promote.CheckFleet(context.Background(), reg, []policy.Build{v1pinned}, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, decisions[0], decisions[2])
	assert.Equal(t, decisions[0], decisions[4])
	assert.Equal(t, alone[0], decisions[3], "a build that differs in one field is decided on its own")
	assert.NotEqual(t, decisions[0].Outcome, decisions[3].Outcome)
	require.NotEmpty(t, decisions[0].Notes)
	decisions[2].Notes[0].Message = "changed by the caller"
	assert.NotEqual(t, decisions[0].Notes[0].Message, decisions[2].Notes[0].Message, "each decision's notes are its own")
}

// A listing refused with "not found" while the tag resolves is a failed
// observation, not a missing repository: the republish still stands.
func TestCheckFleetListingNotFoundButTagResolves(t *testing.T) {
	reg, ds := seedFleet(t)
	reg.InjectFault(memory.Fault{Op: memory.OpTags, Err: fmt.Errorf("listing: %w", promote.ErrNotFound)})
	decisions, err := promote.CheckFleet(context.Background(), reg, []policy.Build{
		build(t, "ubuntu:latest", ds["ubuntu-latest-old"]),
		build(t, "ubuntu:20.04", ds["ubuntu-2004"]),
	}, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.TagRepublished, decisions[0].Outcome, decisions[0].Message)
	require.NotEmpty(t, decisions[0].Notes)
	assert.Equal(t, policy.Unknown, decisions[0].Notes[len(decisions[0].Notes)-1].Outcome, "the failed listing is noted")
	assert.Equal(t, policy.Unknown, decisions[1].Outcome, "nothing to do cannot be trusted without the listing")
}

// A reference pinned by digest alone follows no tag: another build's
// failure to resolve latest is not its failure.
func TestCheckFleetDigestOnlyIgnoresLatest(t *testing.T) {
	reg, ds := seedFleet(t)
	reg.InjectFault(memory.Fault{Op: memory.OpResolve, Err: errors.New("registry unavailable")})
	decisions, err := promote.CheckFleet(context.Background(), reg, []policy.Build{
		build(t, "ubuntu:latest", ds["ubuntu-latest"]),
		build(t, "ubuntu@"+ds["ubuntu-old"].String(), ""),
	}, promote.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, policy.Unknown, decisions[0].Outcome)
	assert.Equal(t, policy.PinnedByDigest, decisions[1].Outcome, decisions[1].Message)
}
