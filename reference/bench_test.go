package reference

import (
	"runtime"
	"testing"

	distref "github.com/distribution/reference"
)

// benchCorpus is a mix of the references pipelines and clusters really
// carry: short names, Docker Hub namespaces, private registries with ports,
// deep paths, cloud registries, IPv6, digests and tag+digest pins.
var benchCorpus = []string{
	"ubuntu",
	"ubuntu:20.04",
	"nginx:1.27-alpine",
	"bitnami/redis:7.2.4",
	"docker.io/library/postgres:16",
	"index.docker.io/library/busybox:latest",
	"localhost:5000/app:dev",
	"registry.corp:5000/company/department/software:3",
	"ghcr.io/acme/payment-api:v2.4.1",
	"ghcr.io/acme/payment-api:sha-a3f2c8d",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com/team/service:build-42",
	"gcr.io/distroless/static-debian12:nonroot",
	"us-docker.pkg.dev/my-project/containers/ml/trainer:2024.01.15",
	"quay.io/prometheus/node-exporter:v1.8.2",
	"mcr.microsoft.com/dotnet/aspnet:8.0-bookworm-slim",
	"[::1]:5000/test/app:1.0",
	"10.0.0.12:443/infra/proxy:main-a3f2c8d",
	"alpine@sha256:" + hex64,
	"acmecorp/payment-api@sha256:9c1e3a5b7d2f8e4a6c0b2d4f6a8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d",
	"ghcr.io/acme/payment-api:v2.4.1@sha256:" + hex64,
	"registry.gitlab.com/group/subgroup/project/image:feature-login",
	"harbor.example.org/platform/base/python:3.12-slim",
	"myregistry.azurecr.io/samples/hello-world:v1",
	"codercom/enterprise-node:ubuntu",
}

// BenchmarkParse parses the whole corpus per operation with this package
// and with distribution/reference, and reports the cost per reference
// (ns/ref, allocs/ref) so the two can be compared directly.
func BenchmarkParse(b *testing.B) {
	b.Run("imagetags", func(b *testing.B) {
		perReference(b, func(s string) error {
			_, err := Parse(s)
			return err
		})
	})
	b.Run("distribution", func(b *testing.B) {
		perReference(b, func(s string) error {
			_, err := distref.ParseNormalizedNamed(s)
			return err
		})
	})
}

func perReference(b *testing.B, parse func(string) error) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		for _, s := range benchCorpus {
			if err := parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
	runtime.ReadMemStats(&after)
	refs := float64(b.N * len(benchCorpus))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/refs, "ns/ref")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/refs, "allocs/ref")
}

func BenchmarkFormat(b *testing.B) {
	refs := make([]Reference, len(benchCorpus))
	named := make([]distref.Named, len(benchCorpus))
	for i, s := range benchCorpus {
		refs[i] = MustParse(s)
		n, err := distref.ParseNormalizedNamed(s)
		if err != nil {
			b.Fatal(err)
		}
		named[i] = n
	}
	var sink int
	b.Run("imagetags/String", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range refs {
				sink += len(r.String())
			}
		}
	})
	b.Run("imagetags/Familiar", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range refs {
				sink += len(r.Familiar())
			}
		}
	})
	b.Run("distribution/String", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, n := range named {
				sink += len(n.String())
			}
		}
	})
	b.Run("distribution/FamiliarString", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, n := range named {
				sink += len(distref.FamiliarString(n))
			}
		}
	})
	_ = sink
}
