package tagging

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestWordTableAgreesWithLists holds the default word table to the lists
// it is built from: every word of every default list, in any case, is
// found in exactly the lists that hold it, and near misses are not.
func TestWordTableAgreesWithLists(t *testing.T) {
	lists := []struct {
		name  string
		words []string
		bit   uint8
	}{
		{"aliases", DefaultLatestAliases(), inAliases},
		{"channels", DefaultChannels(), inChannels},
		{"flavors", DefaultFlavors(), inFlavors},
		{"sha prefixes", DefaultSHAPrefixes(), inSHAPrefixes},
		{"build prefixes", DefaultBuildPrefixes(), inBuildPrefixes},
		{"pr prefixes", DefaultPRPrefixes(), inPRPrefixes},
		{"prerelease labels", DefaultPrereleaseLabels(), inPreLabels},
	}
	var probes []string
	for _, l := range lists {
		for _, w := range l.words {
			probes = append(probes, w, strings.ToUpper(w), strings.ToUpper(w[:1])+w[1:], w+"x", "x"+w, w[:len(w)-1])
		}
	}
	probes = append(probes, registryCorpus(512)...)
	probes = append(probes, "", "-", "1", "latest", "LATEST")
	for _, p := range probes {
		got := defWords.lists(p)
		for _, l := range lists {
			assert.Equal(t, inFold(p, l.words), got&l.bit != 0, "%q in %s", p, l.name)
		}
	}
}

func TestInFold(t *testing.T) {
	tests := []struct {
		w    string
		list []string
		want bool
	}{
		{"Staging", []string{"dev", "staging"}, true},
		{"stagin", []string{"staging"}, false},
		{"", []string{""}, false},
		{"uat", nil, false},
		{"UAT", []string{"uat"}, true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, inFold(tt.w, tt.list), "%q in %q", tt.w, tt.list)
	}
}

func TestClassifyDoesNotAllocate(t *testing.T) {
	for _, tag := range append(registryCorpus(256), "app-v2", "app-v2.4.1-rc.1-alpine", "latest-alpine", "bookworm-slim", "final2") {
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = Classify(tag) }), tag)
	}
}

// explicitDefaults is the zero Classifier with every list spelled out, so
// that it takes the scanning paths the zero value skips.
func explicitDefaults() Classifier {
	return Classifier{Channels: DefaultChannels(), LatestAliases: DefaultLatestAliases(), Flavors: DefaultFlavors(),
		SHAPrefixes: DefaultSHAPrefixes(), BuildPrefixes: DefaultBuildPrefixes(), PRPrefixes: DefaultPRPrefixes(),
		PrereleaseLabels: DefaultPrereleaseLabels()}
}

func TestDefaultTableAgreesWithExplicitLists(t *testing.T) {
	c := explicitDefaults()
	tags := append(registryCorpus(4096), "LATEST", "Staging", "1.2.3-RC1-Alpine", "SHA-a3f2c8d", "Build-7", "MR-3",
		"2.0.0-Milestone2", "1.0-ea", "bookworm-slim", "Rolling-alpine", "0x", "_x", "9-alpine")
	for _, tag := range tags {
		assert.Equal(t, c.Classify(tag), Classify(tag), tag)
	}
}

func FuzzDefaultTableAgreesWithExplicitLists(f *testing.F) {
	for _, s := range []string{"1.2.3", "STAGING", "sha-a3f2c8d", "1.2.3-rc1-alpine", "latest-slim", "ci-42", "9x"} {
		f.Add(s)
	}
	c := explicitDefaults()
	f.Fuzz(func(t *testing.T, tag string) {
		if a, b := Classify(tag), c.Classify(tag); a != b {
			t.Fatalf("Classify(%q): zero Classifier %+v, explicit lists %+v", tag, a, b)
		}
	})
}

// TestWordLookupIsOneComparison holds the table to its purpose: looking up
// a registry tag, or its first "-" segment, makes at most one string
// comparison for nearly every tag, and no default word needs more than two.
func TestWordLookupIsOneComparison(t *testing.T) {
	corpus := registryCorpus(4096)
	atMostOne, total := 0, 0
	for _, tag := range corpus {
		words := []string{tag}
		if i := strings.IndexByte(tag, '-'); i > 0 {
			words = append(words, tag[:i], tag[:i+1])
		}
		for _, w := range words {
			total++
			if defWords.comparisons(w) <= 1 {
				atMostOne++
			}
		}
	}
	assert.GreaterOrEqual(t, float64(atMostOne)/float64(total), 0.95, "%d of %d lookups made at most one comparison", atMostOne, total)
	for _, list := range [][]string{DefaultChannels(), DefaultLatestAliases(), DefaultFlavors(), DefaultSHAPrefixes(),
		DefaultBuildPrefixes(), DefaultPRPrefixes(), DefaultPrereleaseLabels()} {
		for _, w := range list {
			assert.LessOrEqual(t, defWords.comparisons(w), 2, w)
		}
	}
}

// BenchmarkWordLookup compares the table with the scan of the default
// lists that it replaced, on the words Classify looks up for the corpus.
func BenchmarkWordLookup(b *testing.B) {
	var words []string
	for _, tag := range registryCorpus(4096) {
		words = append(words, tag)
		if i := strings.IndexByte(tag, '-'); i > 0 {
			words = append(words, tag[:i])
		}
	}
	lists := [][]string{DefaultLatestAliases(), DefaultChannels(), DefaultFlavors()}
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, w := range words {
				_ = defWords.lists(w)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, w := range words {
				for _, l := range lists {
					for _, x := range l {
						if len(x) == len(w) && strings.EqualFold(x, w) {
							break
						}
					}
				}
			}
		}
	})
}
