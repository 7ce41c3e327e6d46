package policy

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/imagetags/imagetags/reference"
	"github.com/opencontainers/go-digest"
)

// realisticTags returns n tags shaped like a busy repository's: release
// versions with and without "v", release lines, variants, prereleases,
// commit and branch-build tags, pull requests and channels. The sequence is
// fixed by the seed.
func realisticTags(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	tags := make([]string, 0, n)
	variants := []string{"alpine", "bookworm", "slim", "alpine-perl"}
	for len(tags) < n {
		ma, mi, pa := r.IntN(12), r.IntN(40), r.IntN(60)
		var t string
		switch k := r.IntN(100); {
		case k < 35:
			t = fmt.Sprintf("%d.%d.%d", ma, mi, pa)
		case k < 45:
			t = fmt.Sprintf("v%d.%d.%d", ma, mi, pa)
		case k < 52:
			t = fmt.Sprintf("%d.%d", ma, mi)
		case k < 55:
			t = fmt.Sprintf("%d", ma)
		case k < 65:
			t = fmt.Sprintf("%d.%d.%d-%s", ma, mi, pa, variants[r.IntN(len(variants))])
		case k < 70:
			t = fmt.Sprintf("%d.%d.%d-rc.%d", ma, mi, pa, r.IntN(5))
		case k < 82:
			t = fmt.Sprintf("sha-%07x", r.Uint32()&0xfffffff)
		case k < 92:
			t = fmt.Sprintf("main-%07x-%d", r.Uint32()&0xfffffff, 1700000000+r.IntN(10000000))
		case k < 97:
			t = fmt.Sprintf("pr-%d", r.IntN(5000))
		default:
			t = []string{"latest", "staging", "prod", "edge", "nightly"}[r.IntN(5)]
		}
		tags = append(tags, t)
	}
	return tags
}

// naiveNewest is the usual way: parse every tag with semver.NewVersion,
// keep those in range, sort with semver.Collection and take the last.
func naiveNewest(tags []string, cs *semver.Constraints) string {
	vs := make([]*semver.Version, 0, len(tags))
	for _, t := range tags {
		v, err := semver.NewVersion(t)
		if err != nil || !cs.Check(v) {
			continue
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return ""
	}
	sort.Sort(semver.Collection(vs))
	return vs[len(vs)-1].Original()
}

// selectSizes are the list sizes of the Select benchmarks: the ns/tag of
// Select stays flat across them (linear time). The naive ways run up to
// naiveMax tags, enough for the ratio, to keep the runs short.
var selectSizes = []int{1_000, 100_000, 1_000_000}

const naiveMax = 100_000

// paired runs ours and naive one after the other in every iteration and
// reports how many times faster ours was over the run ("x-faster"), so
// that the load of a shared machine weighs on both alike.
func paired(b *testing.B, ours, naive func()) {
	b.ReportAllocs()
	var tOurs, tNaive time.Duration
	for b.Loop() {
		t0 := time.Now()
		ours()
		t1 := time.Now()
		naive()
		tNaive += time.Since(t1)
		tOurs += t1.Sub(t0)
	}
	b.ReportMetric(float64(tNaive)/float64(tOurs), "x-faster")
}

func perTag(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/tag")
}

func BenchmarkSelect(b *testing.B) {
	const constraint = ">=2.0.0 <9"
	cs, err := semver.NewConstraint(constraint)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range selectSizes {
		tags := realisticTags(n)
		sel, err := NewSelector(Strategy{Kind: BySemver, Constraint: constraint})
		if err != nil {
			b.Fatal(err)
		}
		got := sel.Select(tags)
		want := naiveNewest(tags, cs)
		// The two ways must agree on the version (the naive way has no
		// tie rule between "8.39.59" and "v8.39.59").
		if sv, nv := semver.MustParse(got.Tag), semver.MustParse(want); !sv.Equal(nv) {
			b.Fatalf("Select picked %q, naive %q", got.Tag, want)
		}
		b.Run(fmt.Sprintf("semver/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = sel.Select(tags)
			}
			perTag(b, n)
		})
		if n <= naiveMax {
			b.Run(fmt.Sprintf("naive/%d", n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_ = naiveNewest(tags, cs)
				}
				perTag(b, n)
			})
			b.Run(fmt.Sprintf("semver-vs-naive/%d", n), func(b *testing.B) {
				paired(b, func() { _ = sel.Select(tags) }, func() { _ = naiveNewest(tags, cs) })
			})
		}
		line, err := NewSelector(Strategy{Kind: ByLine, Current: "2.4.1", Line: LineMinor})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("line/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = line.Select(tags)
			}
			perTag(b, n)
		})
	}
}

// naivePattern is the usual way to pick by a pattern (Flux's): match
// every tag, replace it with the extract template, parse the value as a
// number, sort and take the last. It returns the winning value.
func naivePattern(tags []string, re *regexp.Regexp, extract string) string {
	type entry struct {
		value string
		n     float64
	}
	var es []entry
	for _, t := range tags {
		if !re.MatchString(t) {
			continue
		}
		v := re.ReplaceAllString(t, extract)
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			continue
		}
		es = append(es, entry{v, n})
	}
	if len(es) == 0 {
		return ""
	}
	sort.Slice(es, func(i, j int) bool { return es[i].n < es[j].n })
	return es[len(es)-1].value
}

func BenchmarkSelectPattern(b *testing.B) {
	const pattern, extract = `^main-[a-f0-9]+-(?P<ts>[0-9]+)`, "$ts"
	re := regexp.MustCompile(pattern)
	sel, err := NewSelector(Strategy{Kind: ByNumeric, Pattern: pattern, Extract: extract})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range selectSizes {
		tags := realisticTags(n)
		got := sel.Select(tags)
		if want := naivePattern(tags, re, extract); re.ReplaceAllString(got.Tag, extract) != want {
			b.Fatalf("Select picked %q, naive the value %q", got.Tag, want)
		}
		b.Run(fmt.Sprintf("select/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = sel.Select(tags)
			}
			perTag(b, n)
		})
		if n <= naiveMax {
			b.Run(fmt.Sprintf("naive/%d", n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_ = naivePattern(tags, re, extract)
				}
				perTag(b, n)
			})
			b.Run(fmt.Sprintf("select-vs-naive/%d", n), func(b *testing.B) {
				paired(b, func() { _ = sel.Select(tags) }, func() { _ = naivePattern(tags, re, extract) })
			})
		}
	}
	// A tag that does not match costs no allocation: Select of thousands
	// of them allocates what Select of one does (the Result's map).
	miss := slices.DeleteFunc(realisticTags(10_000), re.MatchString)
	one := testing.AllocsPerRun(10, func() { _ = sel.Select(miss[:1]) })
	if all := testing.AllocsPerRun(10, func() { _ = sel.Select(miss) }); all != one {
		b.Fatalf("Select of %d tags that do not match allocates %.0f times, of one %.0f", len(miss), all, one)
	}
}

func BenchmarkDecide(b *testing.B) {
	tags := realisticTags(1000)
	bd := Build{Ref: mustRef("acme/app:2.4.1"), Digest: digest.FromString("a"), Tracking: TrackMinor}
	o := Observation{Digest: digest.FromString("a"), Tags: tags, Now: time.Unix(1_800_000_000, 0)}
	b.ReportAllocs()
	for b.Loop() {
		_ = Decide(bd, o)
	}
}

func BenchmarkCheck(b *testing.B) {
	p, err := ParsePolicy([]byte(`{
		"rules": [{"id": "internal", "type": "forbidden-registries", "registries": ["docker.io"], "use": "registry.corp:5000"},
		          {"id": "names", "type": "naming-scheme", "pattern": "{registry}/{company}/{department}/{software}:{major}"}],
		"environments": {"production": [{"id": "nl", "type": "no-latest"}, {"id": "pin", "type": "mutable-needs-digest"}]}}`))
	if err != nil {
		b.Fatal(err)
	}
	tags := realisticTags(1000)
	refs := make([]reference.Reference, len(tags))
	for i, t := range tags {
		repo := []string{"registry.corp:5000/acme/data/spark", "ubuntu", "ghcr.io/acme/api"}[i%3]
		refs[i] = mustRef(repo + ":" + t)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Check("production", refs); err != nil {
			b.Fatal(err)
		}
	}
}
