package promote_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

const (
	fleetRepos     = 10
	fleetRepoTags  = 400 // tags listed per repository
	fleetDeployed  = 10  // distinct deployed tags per repository: 100 in all
	fleetWorkloads = 10_000
)

// fleetTags returns the tag listing of one busy repository: release
// versions with and without "v", their release lines, variants,
// prereleases, commit tags and channels, about fleetRepoTags in all.
func fleetTags() []string {
	var tags []string
	for ma := 1; ma <= 4; ma++ {
		tags = append(tags, fmt.Sprint(ma), fmt.Sprintf("v%d", ma))
		for mi := 0; mi < 8; mi++ {
			tags = append(tags, fmt.Sprintf("%d.%d", ma, mi), fmt.Sprintf("%d.%d-alpine", ma, mi))
			for pa := 0; pa < 4; pa++ {
				tags = append(tags, fmt.Sprintf("%d.%d.%d", ma, mi, pa), fmt.Sprintf("v%d.%d.%d", ma, mi, pa),
					fmt.Sprintf("%d.%d.%d-alpine", ma, mi, pa))
			}
			tags = append(tags, fmt.Sprintf("%d.%d.0-rc.1", ma, mi+1))
		}
	}
	for i := len(tags); i < fleetRepoTags-4; i++ {
		tags = append(tags, fmt.Sprintf("sha-%07x", i*7919))
	}
	return append(tags, "latest", "edge", "staging", "prod")
}

// seedBigFleet seeds fleetRepos repositories, each with an old image and
// a current one carrying every tag, and returns fleetWorkloads builds over
// fleetDeployed tags per repository: most still on the current image, one
// in ten built from the old one; two of the tags follow minor and patch
// updates.
func seedBigFleet(b *testing.B) (*memory.Registry, []policy.Build) {
	b.Helper()
	reg := memory.New()
	tags := fleetTags()
	deployed := []string{"latest", "3", "v2", "2.4", "1.7-alpine", "3.2.1", "v1.0.3", "4.7.3-alpine", "staging", "2.1"}
	require.Len(b, deployed, fleetDeployed)
	var builds []policy.Build
	for r := range fleetRepos {
		repo := fmt.Sprintf("team/app%d", r)
		ds, err := reg.Seed(memory.Image{Repository: repo, Content: "old"}, memory.Image{Repository: repo, Tags: tags, Content: "current"})
		require.NoError(b, err)
		for i := range fleetWorkloads / fleetRepos {
			d := ds[1]
			if i%10 == 0 {
				d = ds[0]
			}
			tag := deployed[i%len(deployed)]
			bd := policy.Build{Ref: reference.MustParse(repo + ":" + tag), Digest: d}
			switch tag {
			case "3.2.1":
				bd.Tracking = policy.TrackMinor
			case "v1.0.3":
				bd.Tracking = policy.TrackPatch
			}
			builds = append(builds, bd)
		}
	}
	return reg, builds
}

// naiveFleet is the per-workspace loop: resolve each build's tag and
// decide with the repository's tags, listed once per repository.
func naiveFleet(ctx context.Context, r promote.Registry, builds []policy.Build) ([]policy.Decision, error) {
	lists := map[string][]string{}
	out := make([]policy.Decision, len(builds))
	for i, b := range builds {
		tags, ok := lists[b.Ref.Name()]
		if !ok {
			var err error
			if tags, err = promote.AllTags(ctx, r, b.Ref.NameOnly()); err != nil {
				return nil, err
			}
			lists[b.Ref.Name()] = tags
		}
		desc, err := r.Resolve(ctx, b.Ref)
		if err != nil {
			return nil, err
		}
		out[i] = policy.Decide(b, policy.Observation{Digest: desc.Digest, Tags: tags})
	}
	return out, nil
}

func BenchmarkCheckFleet(b *testing.B) {
	ctx := context.Background()
	reg, builds := seedBigFleet(b)
	// The same fleet where no two workspaces were built alike: each from
	// its own image, so every decision is made anew (republished tags).
	distinct := slices.Clone(builds)
	for i := range distinct {
		distinct[i].Digest = digest.FromString(fmt.Sprint("workspace ", i))
	}
	for _, c := range []struct {
		name   string
		builds []policy.Build
		want   []policy.Outcome
	}{
		{"fleet", builds, []policy.Outcome{policy.TagRepublished, policy.NewerInRange, policy.UpToDate}},
		{"distinct", distinct, []policy.Outcome{policy.TagRepublished}},
	} {
		before := reg.Calls(memory.OpResolve)
		got, err := promote.CheckFleet(ctx, reg, c.builds, promote.FleetOptions{})
		require.NoError(b, err)
		require.Equal(b, fleetRepos*fleetDeployed, reg.Calls(memory.OpResolve)-before, "one resolve per distinct tag")
		want, err := naiveFleet(ctx, reg, c.builds)
		require.NoError(b, err)
		counts := map[policy.Outcome]int{}
		for i := range want {
			require.Equal(b, want[i].Outcome, got[i].Outcome, "build %d: %s", i, got[i].Message)
			require.Equal(b, want[i].Candidate, got[i].Candidate, "build %d", i)
			counts[got[i].Outcome]++
		}
		for _, o := range c.want {
			require.Greater(b, counts[o], 0, "%s decisions", o)
		}

		b.Run(c.name+"/CheckFleet", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := promote.CheckFleet(ctx, reg, c.builds, promote.FleetOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/naive", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := naiveFleet(ctx, reg, c.builds); err != nil {
					b.Fatal(err)
				}
			}
		})
		// Both ways one after the other in every iteration: how many times
		// faster CheckFleet was over the run ("x-faster"), so that the load
		// of a shared machine weighs on both alike.
		b.Run(c.name+"/CheckFleet-vs-naive", func(b *testing.B) {
			b.ReportAllocs()
			var tOurs, tNaive time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := promote.CheckFleet(ctx, reg, c.builds, promote.FleetOptions{}); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := naiveFleet(ctx, reg, c.builds); err != nil {
					b.Fatal(err)
				}
				tNaive += time.Since(t1)
				tOurs += t1.Sub(t0)
			}
			b.ReportMetric(float64(tNaive)/float64(tOurs), "x-faster")
		})
	}
}
