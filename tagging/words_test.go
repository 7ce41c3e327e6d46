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
