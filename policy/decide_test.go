package policy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	dOld   = digest.FromString("old image")
	dNew   = digest.FromString("new image")
	dAmd   = digest.FromString("amd64 manifest")
	dAmd2  = digest.FromString("amd64 manifest, patched")
	t0     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	hourly = time.Hour
)

func ref(t *testing.T, s string) reference.Reference {
	t.Helper()
	r, err := reference.Parse(s)
	require.NoError(t, err)
	return r
}

func TestDecide(t *testing.T) {
	pinnedRef := "ubuntu:20.04@" + dOld.String()
	tests := []struct {
		name      string
		ref       string
		build     Build // Ref is filled from ref
		obs       Observation
		outcome   Outcome
		action    Action
		severity  Severity
		tracking  Tracking
		candidate string
		notes     []Outcome
	}{
		// Coder: latest and rolling prompt on every republish, majors included.
		{name: "latest republished", ref: "ubuntu:latest", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew, Tags: []string{"latest", "24.04"}},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackSameTag, candidate: "latest"},
		{name: "bare name is latest", ref: "ubuntu", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackSameTag, candidate: "latest"},
		{name: "rolling republished to a new major", ref: "ubuntu:rolling", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew, Tags: []string{"rolling", "20.10", "21.04"}},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackSameTag, candidate: "rolling"},
		{name: "latest unchanged needs no tag list", ref: "ubuntu:latest", build: Build{Digest: dOld},
			obs:     Observation{Digest: dOld},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackSameTag},
		{name: "flavor tag behaves like latest", ref: "codercom/enterprise-node:ubuntu", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackSameTag, candidate: "ubuntu"},
		{name: "unknown tag behaves like latest", ref: "acme/app:final2", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackSameTag, candidate: "final2"},
		// Coder: 20.04 prompts on patches, never moves to 20.10.
		{name: "20.04 patched", ref: "ubuntu:20.04", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew, Tags: []string{"20.04", "20.10", "22.04"}},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackPatch, candidate: "20.04",
			notes: []Outcome{NewerOutOfRange}},
		{name: "20.04 unchanged with 20.10 listed", ref: "ubuntu:20.04", build: Build{Digest: dOld},
			obs:     Observation{Digest: dOld, Tags: []string{"20.04", "20.10", "22.04"}},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackPatch, candidate: "",
			notes: []Outcome{NewerOutOfRange}},
		{name: "20.04 unchanged without tag list", ref: "ubuntu:20.04", build: Build{Digest: dOld},
			obs:     Observation{Digest: dOld},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackPatch},
		// Coder: v1 follows v1.x, never v2.
		{name: "v1 republished", ref: "mycorp/myproj:v1", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew, Tags: []string{"v1", "v1.3", "v1.3.1", "v2"}},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackMinor, candidate: "v1",
			notes: []Outcome{NewerOutOfRange}},
		{name: "rolling 1.4 republished with 1.5 in range", ref: "acme/app:1.4", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs:     Observation{Digest: dNew, Tags: []string{"1.4", "1.5", "2.0"}},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackMinor, candidate: "1.4",
			notes: []Outcome{NewerInRange, NewerOutOfRange}},
		{name: "v1 unchanged with v2 listed", ref: "mycorp/myproj:v1", build: Build{Digest: dOld},
			obs:     Observation{Digest: dOld, Tags: []string{"v1", "v2", "v1.3.1"}},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackMinor,
			notes: []Outcome{NewerOutOfRange}},
		// Coder: v1.3.1 no prompt unless moved.
		{name: "v1.3.1 unchanged", ref: "mycorp/myproj:v1.3.1", build: Build{Digest: dOld},
			obs:     Observation{Digest: dOld, Tags: []string{"v1.3.1"}},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackPinned},
		{name: "v1.3.1 unchanged with v1.3.2 listed", ref: "mycorp/myproj:v1.3.1", build: Build{Digest: dOld},
			obs:     Observation{Digest: dOld, Tags: []string{"v1.3.1", "v1.3.2"}},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackPinned,
			notes: []Outcome{NewerOutOfRange}},
		{name: "v1.3.1 moved", ref: "mycorp/myproj:v1.3.1", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew},
			outcome: ImmutableTagMoved, action: ActionAlert, severity: SeverityError, tracking: TrackPinned},
		{name: "v1.3.1 moved on an immutable registry", ref: "mycorp/myproj:v1.3.1", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew, Immutable: true},
			outcome: ImmutableTagMoved, action: ActionAlert, severity: SeverityCritical, tracking: TrackPinned},
		{name: "sha tag moved", ref: "acme/app:sha-a3f2c8d", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew},
			outcome: ImmutableTagMoved, action: ActionAlert, severity: SeverityError, tracking: TrackPinned},
		{name: "build id tracked by patch moved", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackPatch},
			obs:     Observation{Digest: dNew, Tags: []string{"1.4.2"}},
			outcome: ImmutableTagMoved, action: ActionAlert, severity: SeverityError, tracking: TrackPatch},
		{name: "same-tag override turns a moved version into a republish", ref: "nginx:1.25.3", build: Build{Digest: dOld, Tracking: TrackSameTag},
			obs:     Observation{Digest: dNew},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackSameTag, candidate: "1.25.3"},
		{name: "pinned override alerts on a moved latest", ref: "acme/app:latest", build: Build{Digest: dOld, Tracking: TrackPinned},
			obs:     Observation{Digest: dNew},
			outcome: ImmutableTagMoved, action: ActionAlert, severity: SeverityError, tracking: TrackPinned},
		// Channels.
		{name: "channel promoted", ref: "acme/app:staging", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackChannel, candidate: "staging"},
		// Release lines when overridden.
		{name: "patch tracking offers 1.4.3", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackPatch},
			obs:     Observation{Digest: dOld, Tags: []string{"1.4.2", "1.4.3", "1.5.0", "2.0.0"}},
			outcome: NewerInRange, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackPatch, candidate: "1.4.3",
			notes: []Outcome{NewerOutOfRange}},
		{name: "minor tracking offers 1.5.0", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs:     Observation{Digest: dOld, Tags: []string{"1.4.2", "1.4.3", "1.5.0", "2.0.0"}},
			outcome: NewerInRange, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackMinor, candidate: "1.5.0",
			notes: []Outcome{NewerOutOfRange}},
		{name: "major tracking offers 2.0.0", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMajor},
			obs:     Observation{Digest: dOld, Tags: []string{"1.4.2", "1.4.3", "1.5.0", "2.0.0"}},
			outcome: NewerInRange, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackMajor, candidate: "2.0.0"},
		{name: "variant and precision are kept", ref: "acme/app:1.12-alpine", build: Build{Digest: dOld, Tracking: TrackMajor},
			obs:     Observation{Digest: dOld, Tags: []string{"1.15-alpine-perl", "1.15", "1.15.1-alpine", "1.13-alpine"}},
			outcome: NewerInRange, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackMajor, candidate: "1.13-alpine"},
		{name: "minor tracking up to date", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs:     Observation{Digest: dOld, Tags: []string{"1.4.2", "1.4.1", "1.3.9"}},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackMinor},
		{name: "prerelease without opt-in", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs:     Observation{Digest: dOld, Tags: []string{"1.4.2", "1.5.0-rc.1"}},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackMinor,
			notes: []Outcome{PrereleaseAvailable}},
		{name: "prerelease with opt-in", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor, Prereleases: true},
			obs:     Observation{Digest: dOld, Tags: []string{"1.4.2", "1.5.0-rc.1", "1.5.0-rc.2"}},
			outcome: NewerInRange, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackMinor, candidate: "1.5.0-rc.2"},
		{name: "prerelease older than the stable candidate is not noted", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs:     Observation{Digest: dOld, Tags: []string{"1.5.0-rc.1", "1.5.0"}},
			outcome: NewerInRange, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackMinor, candidate: "1.5.0"},
		// Minimum age.
		{name: "candidate too young", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs: Observation{Digest: dOld, Tags: []string{"1.4.2", "1.5.0"}, Now: t0, MinAge: 3 * 24 * hourly,
				Pushed: map[string]time.Time{"1.5.0": t0.Add(-time.Hour)}},
			outcome: PendingMaturity, action: ActionNone, severity: SeverityInfo, tracking: TrackMinor, candidate: "1.5.0"},
		{name: "young candidate skipped for a mature one", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs: Observation{Digest: dOld, Tags: []string{"1.4.2", "1.4.3", "1.5.0"}, Now: t0, MinAge: 3 * 24 * hourly,
				Pushed: map[string]time.Time{"1.4.3": t0.Add(-10 * 24 * time.Hour), "1.5.0": t0.Add(-time.Hour)}},
			outcome: NewerInRange, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackMinor, candidate: "1.4.3",
			notes: []Outcome{PendingMaturity}},
		{name: "republish too young", ref: "ubuntu:latest", build: Build{Digest: dOld},
			obs: Observation{Digest: dNew, Now: t0, MinAge: hourly,
				Pushed: map[string]time.Time{"latest": t0.Add(-time.Minute)}},
			outcome: PendingMaturity, action: ActionNone, severity: SeverityInfo, tracking: TrackSameTag, candidate: "latest"},
		{name: "republish mature", ref: "ubuntu:latest", build: Build{Digest: dOld},
			obs: Observation{Digest: dNew, Now: t0, MinAge: hourly,
				Pushed: map[string]time.Time{"latest": t0.Add(-2 * time.Hour)}},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackSameTag, candidate: "latest"},
		{name: "republish push time unknown", ref: "ubuntu:latest", build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew, Now: t0, MinAge: hourly},
			outcome: PendingMaturity, action: ActionNone, severity: SeverityInfo, tracking: TrackSameTag, candidate: "latest"},
		// Multi-arch.
		{name: "index changed, platform unchanged", ref: "ubuntu:latest",
			build:   Build{Digest: dOld, Platform: "linux/amd64", PlatformDigest: dAmd},
			obs:     Observation{Digest: dNew, PlatformDigest: dAmd},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackSameTag, notes: []Outcome{UpToDate}},
		{name: "index changed, immutable tag, platform unchanged", ref: "acme/app:1.3.1",
			build:   Build{Digest: dOld, Platform: "linux/amd64", PlatformDigest: dAmd},
			obs:     Observation{Digest: dNew, PlatformDigest: dAmd},
			outcome: UpToDate, action: ActionNone, severity: SeverityInfo, tracking: TrackPinned, notes: []Outcome{UpToDate}},
		{name: "index changed, platform patched", ref: "ubuntu:latest",
			build:   Build{Digest: dOld, Platform: "linux/amd64", PlatformDigest: dAmd},
			obs:     Observation{Digest: dNew, PlatformDigest: dAmd2},
			outcome: TagRepublished, action: ActionRebuild, severity: SeverityWarning, tracking: TrackSameTag, candidate: "latest"},
		{name: "index changed, platform not looked up", ref: "ubuntu:latest",
			build:   Build{Digest: dOld, Platform: "linux/amd64", PlatformDigest: dAmd},
			obs:     Observation{Digest: dNew},
			outcome: Unknown, action: ActionRetry, severity: SeverityWarning, tracking: TrackSameTag},
		{name: "platform dropped", ref: "ubuntu:latest",
			build:   Build{Digest: dOld, Platform: "linux/s390x", PlatformDigest: dAmd},
			obs:     Observation{Digest: dNew, PlatformMissing: true},
			outcome: PlatformUnavailable, action: ActionAlert, severity: SeverityError, tracking: TrackSameTag},
		// Pinned by digest.
		{name: "pinned, tag unchanged", ref: pinnedRef, build: Build{Digest: dOld},
			obs:     Observation{Digest: dOld},
			outcome: PinnedByDigest, action: ActionNone, severity: SeverityInfo, tracking: TrackPinned},
		{name: "pinned, tag moved", ref: pinnedRef, build: Build{Digest: dOld},
			obs:     Observation{Digest: dNew},
			outcome: PinnedByDigest, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackPinned, candidate: "20.04"},
		{name: "pinned, tag deleted", ref: pinnedRef,
			obs:     Observation{Gone: true},
			outcome: PinnedByDigest, action: ActionNone, severity: SeverityInfo, tracking: TrackPinned, notes: []Outcome{TagDeleted}},
		{name: "digest only", ref: "ubuntu@" + dOld.String(),
			obs:     Observation{Digest: dNew},
			outcome: PinnedByDigest, action: ActionNone, severity: SeverityInfo, tracking: TrackPinned},
		// Deleted tags.
		{name: "deleted, nearest in line", ref: "ubuntu:20.04", build: Build{Digest: dOld},
			obs:     Observation{Gone: true, Tags: []string{"22.04", "20.10", "24.04", "latest"}, DefaultTag: "latest"},
			outcome: TagDeleted, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackPatch, candidate: "20.10"},
		{name: "deleted, default tag", ref: "acme/app:staging", build: Build{Digest: dOld},
			obs:     Observation{Gone: true, Tags: []string{"prod", "1.2.3"}, DefaultTag: "prod"},
			outcome: TagDeleted, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackChannel, candidate: "prod"},
		{name: "deleted, nothing to suggest", ref: "acme/app:staging", build: Build{Digest: dOld},
			obs:     Observation{Gone: true, Tags: []string{}},
			outcome: TagDeleted, action: ActionAlert, severity: SeverityError, tracking: TrackChannel},
		// Incomplete observations are never up to date.
		{name: "tag not resolved", ref: "ubuntu:latest", build: Build{Digest: dOld},
			obs:     Observation{Tags: []string{"latest"}},
			outcome: Unknown, action: ActionRetry, severity: SeverityWarning, tracking: TrackSameTag},
		// A build record without a digest is an input error: observing
		// again cannot tell whether the tag moved.
		{name: "no build digest", ref: "ubuntu:latest",
			obs:     Observation{Digest: dOld},
			outcome: InvalidInput, action: ActionAlert, severity: SeverityError, tracking: TrackSameTag},
		{name: "line needs tags, none listed", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs:     Observation{Digest: dOld},
			outcome: Unknown, action: ActionRetry, severity: SeverityWarning, tracking: TrackMinor},
		{name: "line needs tags, list truncated", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs:     Observation{Digest: dOld, Tags: []string{"1.4.2", "0.9.0"}, Truncated: true},
			outcome: Unknown, action: ActionRetry, severity: SeverityWarning, tracking: TrackMinor},
		{name: "truncated list still offers what it shows", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs:     Observation{Digest: dOld, Tags: []string{"1.4.2", "1.4.9"}, Truncated: true},
			outcome: NewerInRange, action: ActionUpgrade, severity: SeverityWarning, tracking: TrackMinor, candidate: "1.4.9",
			notes: []Outcome{Unknown}},
		{name: "minimum age without a clock", ref: "acme/app:1.4.2", build: Build{Digest: dOld, Tracking: TrackMinor},
			obs: Observation{Digest: dOld, Tags: []string{"1.5.0"}, MinAge: hourly,
				Pushed: map[string]time.Time{"1.5.0": t0}},
			outcome: PendingMaturity, action: ActionNone, severity: SeverityInfo, tracking: TrackMinor, candidate: "1.5.0"},
		{name: "invalid tracking", ref: "ubuntu:latest", build: Build{Digest: dOld, Tracking: "sometimes"},
			obs:     Observation{Digest: dOld},
			outcome: InvalidInput, action: ActionAlert, severity: SeverityError, tracking: "sometimes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.build
			b.Ref = ref(t, tt.ref)
			d := Decide(b, tt.obs)
			assert.Equal(t, tt.outcome, d.Outcome, "outcome; message: %s", d.Message)
			assert.Equal(t, tt.action, d.Action, "action")
			assert.Equal(t, tt.severity, d.Severity, "severity")
			assert.Equal(t, tt.tracking, d.Tracking, "tracking")
			assert.Equal(t, tt.candidate, d.Candidate, "candidate")
			assert.NotEmpty(t, d.Message)
			var notes []Outcome
			for _, n := range d.Notes {
				notes = append(notes, n.Outcome)
				assert.NotEmpty(t, n.Message)
			}
			assert.Equal(t, tt.notes, notes, "notes")
			if d.Outcome == UpToDate {
				assert.NotEqual(t, ActionRetry, d.Action)
			}
		})
	}
}

func TestDecideZeroReference(t *testing.T) {
	d := Decide(Build{}, Observation{Digest: dOld})
	assert.Equal(t, InvalidInput, d.Outcome)
	assert.Equal(t, ActionAlert, d.Action)
	assert.Contains(t, d.Message, "no deployed reference")
}

func TestDecideMessages(t *testing.T) {
	b := Build{Ref: ref(t, "mycorp/myproj:v1.3.1"), Digest: dOld}
	d := Decide(b, Observation{Digest: dNew, Immutable: true})
	assert.Equal(t, "mycorp/myproj:v1.3.1 moved to sha256:"+dNew.Encoded()[:12]+" although the registry enforces immutable tags; treat the registry as compromised", d.Message)

	b = Build{Ref: ref(t, "mycorp/myproj:v1"), Digest: dOld}
	d = Decide(b, Observation{Digest: dOld, Tags: []string{"v1", "v2"}})
	note := "v2 exists, outside what mycorp/myproj:v1 follows (minor updates); not offered"
	assert.Equal(t, "mycorp/myproj:v1 is up to date; "+note, d.Message)
	require.Len(t, d.Notes, 1)
	assert.Equal(t, Note{Outcome: NewerOutOfRange, Tag: "v2", Message: note}, d.Notes[0])
}

func TestDecisionJSON(t *testing.T) {
	b := Build{Ref: ref(t, "ubuntu:20.04"), Digest: dOld}
	d := Decide(b, Observation{Digest: dNew, Tags: []string{"22.04"}})
	out, err := json.Marshal(d)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, "tag-republished", back["outcome"])
	assert.Equal(t, "rebuild", back["action"])
	assert.Equal(t, "warning", back["severity"])
	assert.Equal(t, "patch", back["tracking"])
	assert.Equal(t, "20.04", back["candidate"])
	assert.Equal(t, dNew.String(), back["digest"])
}

func TestDefaultTracking(t *testing.T) {
	for tag, want := range map[string]Tracking{
		"latest": TrackSameTag, "rolling": TrackSameTag, "alpine": TrackSameTag, "new": TrackSameTag,
		"staging": TrackChannel, "pr-42": TrackChannel,
		"20.04": TrackPatch, "v2.4-alpine": TrackPatch,
		"v1": TrackMinor, "3": TrackMinor,
		"v1.3.1": TrackPinned, "sha-a3f2c8d": TrackPinned, "build-42": TrackPinned, "20240115": TrackPinned,
	} {
		t.Run(tag, func(t *testing.T) {
			b := Build{Ref: ref(t, "acme/app:"+tag), Digest: dOld}
			assert.Equal(t, want, Decide(b, Observation{Digest: dOld, Tags: []string{}}).Tracking)
		})
	}
}

func TestTrackingValid(t *testing.T) {
	for _, tr := range []Tracking{"", "same-tag", "patch", "minor", "major", "channel", "pinned"} {
		assert.True(t, tr.Valid(), tr)
	}
	for _, tr := range []Tracking{"any", "Patch", "latest"} {
		assert.False(t, tr.Valid(), tr)
	}
}

func TestNewWorkspaceTag(t *testing.T) {
	tests := []struct {
		name       string
		tags       []string
		designated string
		want       string
	}{
		{"designated listed", []string{"latest", "20.04", "22.04"}, "22.04", "22.04"},
		{"designated, tags not listed", nil, "22.04", "22.04"},
		{"designated not listed falls back to latest", []string{"latest", "20.04"}, "18.04", "latest"},
		{"no default, newest stable", []string{"1.2.3", "1.10.0", "2.0.0-rc.1", "1.11.0-alpine", "dev"}, "", "1.10.0"},
		{"tie goes to the smallest tag", []string{"v1.10.0", "1.10.0"}, "", "1.10.0"},
		{"nothing usable", []string{"dev", "staging"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewWorkspaceTag(tt.tags, tt.designated)
			assert.Equal(t, tt.want, s.Tag)
			assert.NotEmpty(t, s.Reason)
		})
	}
}

func TestReplacementTag(t *testing.T) {
	tests := []struct {
		name       string
		tags       []string
		designated string
		gone       string
		want       string
	}{
		{"nearest newer of the same major", []string{"20.10", "21.04", "22.04"}, "22.04", "20.04", "20.10"},
		{"nearest newer of a later major", []string{"21.04", "22.04", "18.04"}, "", "20.04", "21.04"},
		{"variant kept", []string{"1.13", "1.14-alpine", "1.13-alpine-perl"}, "", "1.12-alpine", "1.14-alpine"},
		{"prerelease skipped", []string{"1.4.3-rc.1", "1.4.4"}, "", "1.4.2", "1.4.4"},
		{"no newer: default", []string{"1.0.0", "stable"}, "stable", "1.4.2", "stable"},
		{"channel: default", []string{"prod"}, "prod", "staging", "prod"},
		{"channel: latest", []string{"latest"}, "", "staging", "latest"},
		{"nothing", []string{"1.0.0"}, "", "staging", ""},
		{"default not listed", []string{"1.0.0"}, "prod", "staging", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ReplacementTag(tt.tags, tt.designated, tt.gone)
			assert.Equal(t, tt.want, s.Tag)
			assert.NotEmpty(t, s.Reason)
		})
	}
}

func TestComparePre(t *testing.T) {
	// Ascending by semver precedence, from the semver specification.
	order := []string{"alpha", "alpha.1", "alpha.beta", "beta", "beta.2", "beta.11", "rc.1", ""}
	for i := range order {
		for j := range order {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			assert.Equal(t, want, comparePre(order[i], order[j]), "%q vs %q", order[i], order[j])
		}
	}
	assert.Equal(t, -1, comparePre("rc.02", "rc.10"))
}

func mustRef(s string) reference.Reference {
	r, err := reference.Parse(s)
	if err != nil {
		panic(err)
	}
	return r
}

func TestDeciderClassifier(t *testing.T) {
	b := Build{Ref: ref(t, "acme/app:staging"), Digest: dOld}
	o := Observation{Digest: dNew}
	assert.Equal(t, TrackChannel, Decide(b, o).Tracking)
	// With its own channel list, "staging" is a word of no scheme and
	// behaves like latest.
	d := Decider{Classifier: tagging.Classifier{Channels: []string{"prod"}}}.Decide(b, o)
	assert.Equal(t, TrackSameTag, d.Tracking)
	assert.Equal(t, TagRepublished, d.Outcome)
}

func TestObservationJSON(t *testing.T) {
	o := Observation{Digest: dNew, Tags: []string{"1.0.0"}, Pushed: map[string]time.Time{"1.0.0": t0}, MinAge: time.Hour, Now: t0}
	out, err := json.Marshal(o)
	require.NoError(t, err)
	var back Observation
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, o, back)
	out, err = json.Marshal(Observation{})
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, string(out))

	b := Build{Ref: ref(t, "ubuntu:20.04"), Digest: dOld, Tracking: TrackPatch}
	out, err = json.Marshal(b)
	require.NoError(t, err)
	assert.JSONEq(t, `{"ref":"docker.io/library/ubuntu:20.04","digest":"`+dOld.String()+`","tracking":"patch"}`, string(out))
	var bb Build
	require.NoError(t, json.Unmarshal(out, &bb))
	assert.Equal(t, b, bb)
}

func TestTrackingUnmarshal(t *testing.T) {
	for in, want := range map[string]Tracking{`"any"`: TrackMajor, `"default"`: TrackDefault, `""`: TrackDefault, `"same-tag"`: TrackSameTag, `"pinned"`: TrackPinned} {
		var tr Tracking
		require.NoError(t, json.Unmarshal([]byte(in), &tr), in)
		assert.Equal(t, want, tr, in)
	}
	var b Build
	err := json.Unmarshal([]byte(`{"tracking": "sometimes"}`), &b)
	assert.ErrorIs(t, err, ErrInvalidInput)
	assert.ErrorContains(t, err, `"sometimes" is not one of default`)
}

// A malformed digest in the observation is the registry's answer, so it is
// observed again; one in the build record is an input error to fix.
func TestDecideInvalidDigests(t *testing.T) {
	good := digest.FromString("x")
	tests := []struct {
		name    string
		b       Build
		o       Observation
		outcome Outcome
		action  Action
		want    string
	}{
		{"observed without separator", Build{Ref: reference.MustParse("acme/app:latest"), Digest: good}, Observation{Digest: "oops"}, Unknown, ActionRetry, "observed digest"},
		{"build digest malformed", Build{Ref: reference.MustParse("acme/app:v1.3.1"), Digest: "not-a-digest"}, Observation{Digest: good}, InvalidInput, ActionAlert, "build digest"},
		{"pinned, observed malformed", Build{Ref: reference.MustParse("acme/app:1.2@" + string(good))}, Observation{Digest: "oops"}, Unknown, ActionRetry, "observed digest"},
		{"short hex is not a move", Build{Ref: reference.MustParse("acme/app:v1.3.1"), Digest: good}, Observation{Digest: "sha256:abc"}, Unknown, ActionRetry, "observed digest"},
		{"platform digest malformed", Build{Ref: reference.MustParse("acme/app:1"), Digest: good, Platform: "linux/amd64", PlatformDigest: "x:y"},
			Observation{Digest: good}, InvalidInput, ActionAlert, "build platform digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decision
			require.NotPanics(t, func() { d = Decide(tt.b, tt.o) })
			assert.Equal(t, tt.outcome, d.Outcome)
			assert.Equal(t, tt.action, d.Action)
			assert.Contains(t, d.Message, tt.want)
		})
	}
}

func TestDecidePinnedMultiArch(t *testing.T) {
	index, index2 := digest.FromString("index"), digest.FromString("index, other platforms changed")
	amd := digest.FromString("amd64 manifest")
	tests := []struct {
		name   string
		b      Build
		o      Observation
		action Action
	}{
		{"pinned to the platform manifest, nothing changed",
			Build{Ref: reference.MustParse("acme/app:1.2@" + string(amd)), Digest: index, Platform: "linux/amd64", PlatformDigest: amd},
			Observation{Digest: index, PlatformDigest: amd}, ActionNone},
		{"pinned to the index, only other platforms changed",
			Build{Ref: reference.MustParse("acme/app:1.2@" + string(index)), Digest: index, Platform: "linux/amd64", PlatformDigest: amd},
			Observation{Digest: index2, PlatformDigest: amd}, ActionNone},
		{"pinned to the index, our platform changed",
			Build{Ref: reference.MustParse("acme/app:1.2@" + string(index)), Digest: index, Platform: "linux/amd64", PlatformDigest: amd},
			Observation{Digest: index2, PlatformDigest: digest.FromString("new amd64")}, ActionUpgrade},
		{"pinned, no platform recorded, tag moved",
			Build{Ref: reference.MustParse("acme/app:1.2@" + string(index)), Digest: index},
			Observation{Digest: index2}, ActionUpgrade},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.b, tt.o)
			assert.Equal(t, PinnedByDigest, d.Outcome)
			assert.Equal(t, tt.action, d.Action, d.Message)
		})
	}
}

func TestDecideRepositoryNotFound(t *testing.T) {
	tests := []struct {
		name    string
		ref     string
		build   Build
		obs     Observation
		outcome Outcome
		action  Action
	}{
		{"tag and repository missing", "acme/ap:1.2", Build{Digest: dOld},
			Observation{Gone: true, RepositoryMissing: true}, RepositoryNotFound, ActionAlert},
		{"pinned in a missing repository", "acme/ap:1.2@" + dOld.String(), Build{},
			Observation{Gone: true, RepositoryMissing: true}, RepositoryNotFound, ActionAlert},
		{"digest only in a missing repository", "acme/ap@" + dOld.String(), Build{},
			Observation{RepositoryMissing: true}, RepositoryNotFound, ActionAlert},
		{"no build digest recorded either", "acme/ap:1.2", Build{},
			Observation{Gone: true, RepositoryMissing: true}, RepositoryNotFound, ActionAlert},
		{"resolved although the repository is missing", "acme/ap:1.2", Build{Digest: dOld},
			Observation{Digest: dOld, RepositoryMissing: true}, Unknown, ActionRetry},
		{"tag gone from a repository that exists", "acme/app:1.2", Build{Digest: dOld},
			Observation{Gone: true, Tags: []string{"1.3"}}, TagDeleted, ActionUpgrade},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.build
			b.Ref = ref(t, tt.ref)
			d := Decide(b, tt.obs)
			assert.Equal(t, tt.outcome, d.Outcome, d.Message)
			assert.Equal(t, tt.action, d.Action)
			if tt.outcome == RepositoryNotFound {
				assert.Contains(t, d.Message, "has no repository docker.io/acme/ap")
				assert.NotContains(t, d.Message, "deleted")
				assert.Empty(t, d.Candidate)
			}
		})
	}
}

func TestDecideCarries(t *testing.T) {
	d3, d2, d9 := digest.FromString("20.04.3"), digest.FromString("20.04.2"), digest.FromString("other")
	tests := []struct {
		name    string
		ref     string
		digests map[string]digest.Digest
		want    string
	}{
		{"release line names its patch", "ubuntu:20.04",
			map[string]digest.Digest{"20.04.2": d2, "20.04.3": d3, "20.04": d3, "latest": d9}, "20.04.3"},
		{"the most precise tag wins", "mycorp/myproj:v1",
			map[string]digest.Digest{"v1.3": d3, "v1.3.1": d3, "v1.2.9": d2}, "v1.3.1"},
		{"another line is not what it carries", "mycorp/myproj:v1",
			map[string]digest.Digest{"v2.0.0": d3, "1.3.1": d3}, ""},
		{"latest carries any version of its variant", "acme/app:latest",
			map[string]digest.Digest{"2.4.1": d3, "2.4.1-alpine": d3, "2.4": d3}, "2.4.1"},
		{"ties go to the smallest tag", "acme/app:latest",
			map[string]digest.Digest{"2.4.1": d3, "2.4.01": d3}, "2.4.01"},
		{"nothing shows it", "ubuntu:20.04", map[string]digest.Digest{"20.04.2": d2}, ""},
		{"no digests observed", "ubuntu:20.04", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(Build{Ref: ref(t, tt.ref), Digest: dOld}, Observation{Digest: d3, TagDigests: tt.digests})
			require.Equal(t, TagRepublished, d.Outcome, d.Message)
			assert.Equal(t, tt.want, d.Carries)
			if tt.want != "" {
				assert.Contains(t, d.Message, " republished as "+tt.want+" (")
			} else {
				assert.NotContains(t, d.Message, " as ")
			}
		})
	}
}

// An empty tag listing is a finding ("listed, no tags"), not the absence
// of one; JSON keeps the difference.
func TestObservationTagsJSON(t *testing.T) {
	tests := []struct {
		name string
		tags []string
		json string
	}{
		{"not listed", nil, `{}`},
		{"listed and empty", []string{}, `{"tags":[]}`},
		{"listed", []string{"1.0"}, `{"tags":["1.0"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := json.Marshal(Observation{Tags: tt.tags})
			require.NoError(t, err)
			assert.JSONEq(t, tt.json, string(out))
			var back Observation
			require.NoError(t, json.Unmarshal(out, &back))
			assert.Equal(t, tt.tags == nil, back.Tags == nil, "listed or not survives the round trip")
			assert.Equal(t, tt.tags, back.Tags)
		})
	}
	var o Observation
	require.NoError(t, json.Unmarshal([]byte(`{"tags": null}`), &o))
	assert.Nil(t, o.Tags, "null is not listed")
}

// isSHA256 is a shortcut of digest.Digest.Validate: it may only say yes
// where Validate does.
func TestIsSHA256(t *testing.T) {
	good := digest.FromString("x")
	for d, want := range map[digest.Digest]bool{
		good: true, digest.Digest(strings.ToUpper(string(good))): false,
		good[:len(good)-1]: false, good + "0": false, "sha256:" + digest.Digest(strings.Repeat("g", 64)): false,
		"sha256:" + digest.Digest(strings.Repeat("/", 64)): false, "sha256:" + digest.Digest(strings.Repeat(":", 64)): false,
		"sha512:" + digest.Digest(strings.Repeat("a", 64)): false, "": false,
	} {
		assert.Equal(t, want, isSHA256(d), string(d))
		if isSHA256(d) {
			assert.NoError(t, d.Validate())
		}
	}
}

func TestObservationNewFieldsJSON(t *testing.T) {
	o := Observation{Gone: true, RepositoryMissing: true, TagDigests: map[string]digest.Digest{"1.2.3": dNew}}
	out, err := json.Marshal(o)
	require.NoError(t, err)
	assert.JSONEq(t, `{"gone":true,"repositoryMissing":true,"tagDigests":{"1.2.3":"`+dNew.String()+`"}}`, string(out))
	var back Observation
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, o, back)

	d := Decide(Build{Ref: ref(t, "ubuntu:20.04"), Digest: dOld}, Observation{Digest: dNew, TagDigests: map[string]digest.Digest{"20.04.6": dNew}})
	out, err = json.Marshal(d)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(out, &m))
	assert.Equal(t, "20.04.6", m["carries"])
}
