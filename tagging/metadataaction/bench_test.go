package metadataaction

import (
	"testing"
	"time"
)

func BenchmarkGenerate(b *testing.B) {
	in := Inputs{
		Images: []string{"ghcr.io/acme/app", "docker.io/acme/app"},
		Tags: []string{"type=schedule", "type=ref,event=branch", "type=ref,event=pr", "type=semver,pattern={{version}}",
			"type=semver,pattern={{major}}.{{minor}}", "type=raw,value={{date 'YYYYMMDD'}}-{{sha}}", "type=sha"},
		Labels: []string{"org.opencontainers.image.vendor=Acme"},
	}
	ctx := Context{EventName: "push", Ref: "refs/tags/v1.2.3", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37"}
	opts := Options{Now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(in, ctx, Repo{Name: "app"}, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatMoment(b *testing.B) {
	tm := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		formatMoment(tm, "YYYYMMDD-HHmmss", true)
	}
}
