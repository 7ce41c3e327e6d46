// Package demo gives the example programs a registry to work on: the
// in-memory fake seeded with a small catalogue of images, so every example
// runs with nothing installed, or a real registry when the user names one.
package demo

import (
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
)

// Host is the registry host the demo catalogue is shown under. The fake
// serves any host; this one keeps the examples' output readable.
const Host = "registry.example.com"

// Catalogue is the seeded content, with the digests the examples refer to.
type Catalogue struct {
	PaymentAPI240 string // acmecorp/payment-api v2.4.0, currently in production
	PaymentAPI241 string // acmecorp/payment-api v2.4.1, in staging
	UbuntuOld     string // ubuntu 20.04 before its latest patch
	Ubuntu2004    string // ubuntu 20.04 now
	MyprojOld     string // mycorp/myproject v1.3.0
	Myproj131     string // mycorp/myproject v1.3.1 as first published
	Myproj131New  string // what v1.3.1 points at now (it was moved)
}

// Seed returns the fake registry with the demo catalogue:
//
//	acmecorp/payment-api  v2.4.0 production | v2.4.1 v2.4 v2 latest staging
//	library/ubuntu        20.04 (republished with a patch), 20.10, 22.04, latest, rolling
//	mycorp/myproject      v1.3.0 | v1.3.1 v1.3 v1 (v1.3.1 was later moved) | v2.0.0 v2
func Seed() (*memory.Registry, Catalogue, error) {
	reg := memory.New()
	amd64 := ocispec.Platform{OS: "linux", Architecture: "amd64"}
	arm64 := ocispec.Platform{OS: "linux", Architecture: "arm64"}
	images := []memory.Image{
		{Repository: "acmecorp/payment-api", Tags: []string{"v2.4.0", "production"}, Content: "payment-api 2.4.0",
			Labels: map[string]string{ocispec.AnnotationVersion: "2.4.0"}},
		{Repository: "acmecorp/payment-api", Tags: []string{"v2.4.1", "v2.4", "v2", "latest", "staging"}, Content: "payment-api 2.4.1",
			Labels: map[string]string{ocispec.AnnotationVersion: "2.4.1"}},
		{Repository: "library/ubuntu", Content: "ubuntu 20.04.5", Platforms: []ocispec.Platform{amd64, arm64}},
		{Repository: "library/ubuntu", Tags: []string{"20.04"}, Content: "ubuntu 20.04.6", Platforms: []ocispec.Platform{amd64, arm64}},
		{Repository: "library/ubuntu", Tags: []string{"20.10"}, Content: "ubuntu 20.10", Platforms: []ocispec.Platform{amd64, arm64}},
		{Repository: "library/ubuntu", Tags: []string{"22.04", "latest", "rolling"}, Content: "ubuntu 22.04", Platforms: []ocispec.Platform{amd64, arm64}},
		{Repository: "mycorp/myproject", Tags: []string{"v1.3.0"}, Content: "myproject 1.3.0"},
		{Repository: "mycorp/myproject", Content: "myproject 1.3.1"},
		{Repository: "mycorp/myproject", Tags: []string{"v1.3.1", "v1.3", "v1"}, Content: "myproject 1.3.1 rebuilt"},
		{Repository: "mycorp/myproject", Tags: []string{"v2.0.0", "v2"}, Content: "myproject 2.0.0"},
	}
	ds, err := reg.Seed(images...)
	if err != nil {
		return nil, Catalogue{}, fmt.Errorf("seed the demo registry: %w", err)
	}
	return reg, Catalogue{
		PaymentAPI240: ds[0].String(),
		PaymentAPI241: ds[1].String(),
		UbuntuOld:     ds[2].String(),
		Ubuntu2004:    ds[3].String(),
		MyprojOld:     ds[6].String(),
		Myproj131:     ds[7].String(),
		Myproj131New:  ds[8].String(),
	}, nil
}

// Opener opens the registry an example works on from its --registry
// flag; Open is the one the programs use, tests pass their own.
type Opener func(host string) (promote.Registry, error)

// Open returns the registry an example works on: the seeded fake when host
// is empty, otherwise the registry at host, with the credentials of the
// user's docker config (~/.docker/config.json and its credential helpers).
// Plain HTTP is used only for a loopback host such as localhost:5000.
// References given to the example must then name that host.
func Open(host string) (promote.Registry, error) {
	if host == "" {
		reg, _, err := Seed()
		return reg, err
	}
	return remote.New(host, remote.WithDockerConfig(""), remote.WithPlainHTTPLoopback())
}
