package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
	"github.com/opencontainers/go-digest"
)

func FuzzSelect(f *testing.F) {
	f.Add("1.4.3,1.5.0,2.0.0", "line", "", "1.4.2", "minor", "", "", "", false)
	f.Add("main-a3f2c8d-1700000100,main-b4e3d9e-1700000900,latest", "numeric", "", "", "", "", `^main-[a-f0-9]+-(?P<ts>[0-9]+)`, "$ts", false)
	f.Add("1.15-alpine-perl,1.13-alpine,1.15", "variant", "", "1.12-alpine", "", "", "", "", false)
	f.Add("1.2.0,v1.9.4,2.0.0,1.9.5-rc.1", "semver", ">=1.2 <2", "", "", "", "", "", true)
	f.Add("b,a,c,,", "alphabetical", "", "", "", "desc", "", "", false)
	f.Add("9,10,007,1.5", "numeric", "", "", "", "asc", "", "", false)
	f.Fuzz(func(t *testing.T, list, kind, constraint, current, line, order, pattern, extract string, pre bool) {
		tags := strings.Split(list, ",")
		s := Strategy{Kind: StrategyKind(kind), Constraint: constraint, Current: current, Line: Line(line),
			Order: Order(order), Pattern: pattern, Extract: extract, Prereleases: pre}
		sel, err := NewSelector(s)
		if err != nil {
			if !strings.Contains(err.Error(), "strategy.") {
				t.Fatalf("error does not name a field: %v", err)
			}
			return
		}
		r := sel.Select(tags)
		excluded := 0
		for why, n := range r.Excluded {
			if n <= 0 {
				t.Fatalf("excluded[%s] = %d", why, n)
			}
			excluded += n
		}
		if r.Considered != len(tags) || r.Eligible+excluded != r.Considered {
			t.Fatalf("counts do not add up: %+v for %d tags", r, len(tags))
		}
		if r.Found != (r.Tag != "" || r.Eligible > 0) || r.Found != (r.Eligible > 0) {
			t.Fatalf("found=%v tag=%q eligible=%d", r.Found, r.Tag, r.Eligible)
		}
		if !r.Found {
			return
		}
		if !slices.Contains(tags, r.Tag) {
			t.Fatalf("selected %q is not an input", r.Tag)
		}
		// The selected tag satisfies the strategy on its own.
		alone := sel.Select([]string{r.Tag})
		if alone.Tag != r.Tag {
			t.Fatalf("selected %q is not eligible alone: %+v", r.Tag, alone)
		}
		if s.Kind == BySemver && s.Pattern == "" {
			c := sel.classify.Classify(r.Tag)
			if !sel.cs.Check(semver.New(c.Major(), c.Minor(), c.Patch(), c.Prerelease, "")) {
				t.Fatalf("selected %q fails %q", r.Tag, s.Constraint)
			}
		}
		// No other tag beats it: selecting from it and any one other tag
		// keeps it.
		for _, other := range tags {
			if got := sel.Select([]string{other, r.Tag}).Tag; got != r.Tag {
				t.Fatalf("%q beats the selected %q", got, r.Tag)
			}
		}
	})
}

func FuzzCells(f *testing.F) {
	for _, c := range cellConstraints {
		f.Add(c, uint64(1), uint64(2), uint64(3), "")
	}
	f.Add(">=1.0.0-rc.1", uint64(1), uint64(0), uint64(0), "rc.2")
	f.Fuzz(func(t *testing.T, text string, ma, mi, pa uint64, pre string) {
		cs, err := semver.NewConstraint(text)
		if err != nil {
			return
		}
		v := semver.New(ma, mi, pa, pre, "")
		if pre != "" {
			if _, err := semver.NewVersion(v.String()); err != nil {
				return
			}
		}
		k := checker{cs: cs, cells: newCells(text)}
		// Ask about a neighbour first so the range's answer is cached.
		k.allows(version{major: ma, minor: mi, set: true})
		if want, got := cs.Check(v), k.allows(version{major: ma, minor: mi, patch: pa, pre: pre, set: true}); want != got {
			t.Fatalf("%q on %s: Check says %v, cells say %v", text, v, want, got)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{"rules": [{"id": "internal", "type": "forbidden-registries", "registries": ["docker.io"], "use": "registry.corp:5000"}],
		"environments": {"production": [{"id": "nl", "type": "no-latest"}, {"id": "pin", "type": "mutable-needs-digest", "severity": "warning"}]}}`))
	f.Add([]byte(`{"classifier": {"channels": ["dev"]}, "rules": [{"id": "s", "type": "tag-scheme", "kinds": ["immutable"], "forms": ["latest"], "onePrefix": true}]}`))
	f.Add([]byte(`{"rules": [{"id": "n", "type": "naming-scheme", "pattern": "{registry}/{company?}/{department}/{software}:{major}"}]}`))
	f.Add([]byte(`{"rules": [{"id": "i", "type": "immutable-tags", "repositories": ["team/*"], "include": ["*"], "exclude": ["latest"]}]}`))
	f.Add([]byte(`{"rules": [{"id": "a", "type": "allowed-registries", "registries": ["*.corp", "[a"]}]}`))
	f.Add([]byte(`{"rules": [{"id": "x", "type": "no-latest", "sevrity": 1}]}`))
	refs := []reference.Reference{
		reference.MustParse("ubuntu"), reference.MustParse("registry.corp:5000/acme/data/spark:3"),
		reference.MustParse("ghcr.io/team/app:staging"), reference.MustParse("team/app:v1.2.3-alpine"),
	}
	tags := []string{"1.2.3", "v1.2.4", "latest", "new", "sha-a3f2c8d", "staging", "1.2"}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := ParsePolicy(doc)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidPolicy) || pe.Field == "" {
				t.Fatalf("error is not a policy error naming a field: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed policy does not validate: %v", err)
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := ParsePolicy(out)
		if err != nil {
			t.Fatalf("round trip of %s: %v", out, err)
		}
		out2, _ := json.Marshal(back)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the policy:\n%s\n%s", out, out2)
		}
		envs := append([]string{""}, sortedKeys(p.Environments)...)
		for _, env := range envs {
			rep, err := p.Check(env, refs)
			if err != nil {
				t.Fatalf("Check(%q): %v", env, err)
			}
			trep, err := p.CheckTags(env, "team/app", tags)
			if err != nil {
				t.Fatalf("CheckTags(%q): %v", env, err)
			}
			for _, r := range []Report{rep, trep} {
				for i, v := range r.Violations {
					if v.Rule == "" || v.Severity.Rank() == 0 || v.Subject == "" || v.Message == "" || v.Fix == "" {
						t.Fatalf("incomplete violation %+v", v)
					}
					if i > 0 && r.Violations[i-1].Severity.Rank() < v.Severity.Rank() {
						t.Fatalf("violations not sorted by severity: %+v", r.Violations)
					}
				}
			}
		}
	})
}

func FuzzDecide(f *testing.F) {
	f.Add("ubuntu:20.04", "", uint8(1), uint8(2), false, "20.04,20.10,22.04", false, false, int64(0))
	f.Add("mycorp/myproj:v1.3.1", "", uint8(1), uint8(2), false, "v1.3.1,v1.3.2", false, true, int64(0))
	f.Add("acme/app:1.4.2", "minor", uint8(1), uint8(1), false, "1.4.3,1.5.0,2.0.0,1.5.1-rc.1", true, false, int64(3600))
	f.Add("acme/app:staging", "", uint8(1), uint8(0), true, "prod,1.0.0", false, false, int64(0))
	f.Add("ubuntu@sha256:9c1e3a5b7d2f8e4a6c0b2d4f6a8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d", "patch", uint8(0), uint8(2), false, "", false, false, int64(-5))
	f.Add("acme/app:latest", "", uint8(3), uint8(3), false, "", false, false, int64(0))
	digests := []digest.Digest{"", dOld, dNew, "oops", "sha256:abc"}
	f.Fuzz(func(t *testing.T, rs, tracking string, built, now uint8, gone bool, list string, truncated, platform bool, minAge int64) {
		r, err := reference.Parse(rs)
		if err != nil {
			return
		}
		b := Build{Ref: r, Digest: digests[int(built)%len(digests)], Tracking: Tracking(tracking)}
		var tags []string
		if list != "" {
			tags = strings.Split(list, ",")
		}
		o := Observation{Digest: digests[int(now)%len(digests)], Gone: gone, Tags: tags, Truncated: truncated,
			MinAge: time.Duration(minAge) * time.Second, Now: t0, DefaultTag: "latest",
			Pushed: map[string]time.Time{}}
		for i, tag := range tags {
			o.Pushed[tag] = t0.Add(-time.Duration(i) * time.Hour)
		}
		if platform {
			b.Platform, b.PlatformDigest = "linux/amd64", dAmd
			o.PlatformDigest = dAmd
		}
		d := Decide(b, o)
		if d.Outcome == "" || d.Action == "" || d.Severity.Rank() == 0 || d.Message == "" {
			t.Fatalf("incomplete decision %+v", d)
		}
		if d.Outcome == UpToDate && (o.Digest == "" || o.Gone || b.Digest == "") {
			t.Fatalf("up to date from an incomplete observation: %+v", d)
		}
		if (d.Action == ActionRebuild || d.Action == ActionUpgrade) && d.Candidate == "" {
			t.Fatalf("action %s without a candidate: %+v", d.Action, d)
		}
		if d.Candidate != "" && d.Candidate != r.TagOrLatest() && d.Candidate != o.DefaultTag && !slices.Contains(tags, d.Candidate) {
			t.Fatalf("candidate %q is neither the tag, the default nor listed: %+v", d.Candidate, d)
		}
		if d.Outcome == NewerInRange && !b.Prereleases && tagging.Classify(d.Candidate).IsPrerelease() && !tagging.Classify(r.TagOrLatest()).IsPrerelease() {
			t.Fatalf("prerelease offered without opt-in: %+v", d)
		}
	})
}
