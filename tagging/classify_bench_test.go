package tagging

import (
	"fmt"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
)

// registryCorpus returns n tags in the proportions a busy registry holds
// them: full versions plain and v-prefixed, release lines, prereleases,
// variants, commit tags, dates, build ids, pull requests and channels.
// It is deterministic: the same n gives the same tags.
func registryCorpus(n int) []string {
	variants := []string{"alpine", "slim", "bookworm", "alpine3.19", "jammy", "windowsservercore-ltsc2022"}
	channels := []string{"latest", "staging", "production", "prod", "edge", "nightly", "stable", "dev", "main", "canary", "rolling"}
	hex := "0123456789abcdef"
	out := make([]string, 0, n)
	x := uint32(2463534242) // xorshift state: deterministic, no global source
	next := func() int {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return int(x >> 1)
	}
	sha := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = hex[next()%16]
		}
		b[next()%k] = 'a' + byte(next()%6) // a letter, so the bare form reads as a commit
		return string(b)
	}
	for len(out) < n {
		ma, mi, pa := next()%30, next()%40, next()%60
		var t string
		switch k := next() % 100; {
		case k < 22:
			t = fmt.Sprintf("%d.%d.%d", ma, mi, pa)
		case k < 34:
			t = fmt.Sprintf("v%d.%d.%d", ma, mi, pa)
		case k < 40:
			t = fmt.Sprintf("%d.%d", ma, mi)
		case k < 44:
			t = fmt.Sprintf("v%d", ma)
		case k < 50:
			t = fmt.Sprintf("%d.%d.%d-%s", ma, mi, pa, variants[next()%len(variants)])
		case k < 55:
			t = fmt.Sprintf("%d.%d.%d-rc.%d", ma, mi, pa, next()%5)
		case k < 64:
			t = "sha-" + sha(7)
		case k < 70:
			t = sha(7)
		case k < 73:
			t = sha(40)
		case k < 78:
			t = fmt.Sprintf("2024%02d%02d", 1+next()%12, 1+next()%28)
		case k < 81:
			t = fmt.Sprintf("nightly-2024%02d%02d", 1+next()%12, 1+next()%28)
		case k < 86:
			t = fmt.Sprintf("build-%d", next()%100000)
		case k < 90:
			t = fmt.Sprintf("pr-%d", next()%5000)
		case k < 95:
			t = channels[next()%len(channels)]
		case k < 97:
			t = "main-" + sha(7)
		default:
			t = fmt.Sprintf("feature-login-%d", next()%100)
		}
		out = append(out, t)
	}
	return out
}

// BenchmarkClassifyCorpus classifies a 4,096-tag registry corpus, side by
// side with parsing the same tags with Masterminds semver.NewVersion (the
// peer a Go program reaches for; it fails on most non-version tags, which
// is cheaper for it than classifying them is for Classify).
func BenchmarkClassifyCorpus(b *testing.B) {
	corpus := registryCorpus(4096)
	b.Run("Classify", func(b *testing.B) {
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			for _, t := range corpus {
				_ = Classify(t)
			}
		}
		reportPerTag(b, len(corpus), processCPU()-cpu)
	})
	b.Run("semver.NewVersion", func(b *testing.B) {
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			for _, t := range corpus {
				_, _ = semver.NewVersion(t)
			}
		}
		reportPerTag(b, len(corpus), processCPU()-cpu)
	})
}

// reportPerTag reports wall time and, where it is measured, process CPU
// time per tag. On a machine shared with other work the wall time swells
// with the load while the CPU time stays what the code costs, so compare
// the two sides by cpu-ns/tag there.
func reportPerTag(b *testing.B, tags int, cpu time.Duration) {
	n := float64(b.N * tags)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/tag")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/tag")
	}
}

func TestRegistryCorpusIsMixed(t *testing.T) {
	forms := map[Form]int{}
	for _, tag := range registryCorpus(4096) {
		forms[Classify(tag).Form]++
	}
	for _, f := range []Form{FormSemver, FormMajorMinor, FormMajor, FormSHA, FormDate, FormBuildID, FormPR, FormChannel, FormLatest} {
		if forms[f] == 0 {
			t.Errorf("corpus has no %v tag", f)
		}
	}
}
