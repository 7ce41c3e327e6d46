package policy

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/tagging"
)

// TagList.Decide must give exactly the Decision Decide gives for the same
// tags, whatever the build, tracking and observation.
func TestTagListDecideMatchesDecide(t *testing.T) {
	tags := append(realisticTags(600), "20.04", "20.10", "v1", "v1.3", "v1.3.1", "v2", "1.4-alpine", "1.5-alpine", "latest", "prod",
		"11.39.01", "11.39.1", "11.39.001", "v11.39.01", "11.039") // equal versions: ties go to the first listed
	r := rand.New(rand.NewPCG(3, 4))
	deciders := []Decider{{}, {Classifier: tagging.Classifier{Channels: []string{"prod"}}}}
	trackings := append([]Tracking{"bogus"}, trackings...)
	ds := []digest.Digest{"", dOld, dNew}
	for _, d := range deciders {
		for _, listing := range [][]string{nil, {}, tags[:50], tags} {
			l := d.ClassifyTags(listing)
			for range 400 {
				tag := tags[r.IntN(len(tags))]
				b := Build{Ref: mustRef("acme/app:" + tag), Digest: ds[r.IntN(len(ds))],
					Tracking: trackings[r.IntN(len(trackings))], Prereleases: r.IntN(4) == 0}
				o := Observation{Digest: ds[r.IntN(len(ds))], Gone: r.IntN(8) == 0, Tags: listing, Truncated: r.IntN(6) == 0,
					DefaultTag: []string{"", "latest", "prod"}[r.IntN(3)], RepositoryMissing: r.IntN(20) == 0}
				if r.IntN(3) == 0 {
					o.Now, o.MinAge = t0, time.Hour
					o.Pushed = map[string]time.Time{}
					for _, t := range listing[:min(len(listing), 100)] {
						o.Pushed[t] = t0.Add(-time.Duration(r.IntN(120)) * time.Minute)
					}
				}
				if r.IntN(3) == 0 && len(listing) > 0 {
					o.TagDigests = map[string]digest.Digest{}
					for range 5 {
						o.TagDigests[listing[r.IntN(len(listing))]] = ds[r.IntN(len(ds))]
					}
				}
				want := d.Decide(b, o)
				o2 := o
				o2.Tags = nil // TagList.Decide does not read it
				got := l.Decide(b, o2)
				require.Equal(t, want, got, fmt.Sprintf("%s tracking %q, %d tags", b.Ref.Familiar(), b.Tracking, len(listing)))
			}
		}
	}
}

func TestTagListNotListed(t *testing.T) {
	b := Build{Ref: mustRef("acme/app:1.4.2"), Digest: dOld, Tracking: TrackMinor}
	o := Observation{Digest: dOld}
	for name, l := range map[string]*TagList{"nil": nil, "nil tags": Decider{}.ClassifyTags(nil)} {
		t.Run(name, func(t *testing.T) {
			d := l.Decide(b, o)
			assert.Equal(t, Unknown, d.Outcome, "minor tracking needs the list")
			assert.Nil(t, l.Tags())
		})
	}
	l := Decider{}.ClassifyTags([]string{})
	assert.Equal(t, UpToDate, l.Decide(b, o).Outcome)
	assert.NotNil(t, l.Tags())
}

func TestTagListCopiesTags(t *testing.T) {
	tags := []string{"1.4.2", "1.5.0"}
	l := Decider{}.ClassifyTags(tags)
	tags[1] = "9.9.9"
	got := l.Tags()
	assert.Equal(t, []string{"1.4.2", "1.5.0"}, got)
	got[0] = "x"
	assert.Equal(t, []string{"1.4.2", "1.5.0"}, l.Tags())
	d := l.Decide(Build{Ref: mustRef("acme/app:1.4.2"), Digest: dOld, Tracking: TrackMinor}, Observation{Digest: dOld})
	assert.Equal(t, "1.5.0", d.Candidate)
}
