package tagging

import (
	"testing"
	"time"
)

// classifyCorpus mixes the tags a registry typically holds.
var classifyCorpus = []string{
	"1.2.3", "v2.4.1", "2.4", "2", "v1", "20.04", "1.2.3-rc.1", "2.4.1-alpine",
	"a3f2c8d", "sha-a3f2c8d", "git-abc123", "main-a3f2c8d", "build-42", "20240115", "nightly-20240115",
	"latest", "staging", "prod", "alpine", "pr-42", "feature-login", "new", "final2", "latest-alpine",
}

func BenchmarkClassify(b *testing.B) {
	b.Run("mixed", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for _, tag := range classifyCorpus {
				_ = Classify(tag)
			}
			n += len(classifyCorpus)
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tags/s")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/tag")
	})
	for _, tag := range []string{"v2.4.1", "a3f2c8d", "staging", "final2"} {
		b.Run(tag, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Classify(tag)
			}
		})
	}
}

func BenchmarkDerive(b *testing.B) {
	facts := Facts{Version: "v2.4.1", Commit: fullSHA, Branch: "main", DefaultBranch: "main", BuildID: "42",
		Time: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), Metadata: Metadata{Title: "payment-api", Source: "https://github.com/acme/payment-api"}}
	ten := DefaultScheme()
	ten.Rules = append(ten.Rules,
		Rule{Type: RuleSemver, Pattern: "v{{version}}"}, Rule{Type: RuleBranch}, Rule{Type: RuleBranchSHA},
		Rule{Type: RuleBuildID}, Rule{Type: RuleDate, Prefix: "nightly-"}, Rule{Type: RuleEdge})
	for _, bc := range []struct {
		name   string
		scheme Scheme
		tags   int
	}{{"default", DefaultScheme(), 6}, {"ten-tags", ten, 11}} {
		b.Run(bc.name, func(b *testing.B) {
			set, err := Derive(facts, bc.scheme)
			if err != nil || len(set.Tags) != bc.tags {
				b.Fatalf("Derive = %v, %v; want %d tags", set.Names(), err, bc.tags)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Derive(facts, bc.scheme)
			}
		})
	}
}

func BenchmarkSanitize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Sanitize("refs/heads/feature/JIRA-123 fix the login")
	}
}
