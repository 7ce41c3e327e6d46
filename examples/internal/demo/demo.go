// Package demo gives the example programs their registry and their
// command-line manners. The registry is the one each reference names, with
// the user's docker login, as crane and docker do; only with an explicit
// --demo is it the in-memory fake seeded with a small catalogue, served as
// Host alone, so every example also runs with nothing installed and never
// passes the demo off as a real registry.
package demo

import (
	"errors"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// Host is the registry host the demo catalogue is served as. It is under
// example.com, which can never be a real registry, and it is the only host
// demo mode accepts.
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

// Connector opens the registry of one run; Connect is the one the
// programs use, tests pass their own.
type Connector func(demoMode bool, plainHTTP []string, stderr io.Writer) (*remote.Router, error)

// Connect returns the registry of one run.
//
// Outside demo mode, every reference goes to the registry its host names,
// with the credentials of the user's docker config (~/.docker/config.json
// or $DOCKER_CONFIG/config.json, and the credential helpers it names).
// HTTPS is used, except for loopback hosts (localhost:5000, 127.0.0.1) and
// the hosts listed in plainHTTP.
//
// In demo mode it is the in-memory fake seeded with the demo catalogue,
// served as Host and nothing else: Connect says so on stderr, and a
// reference on any other host is refused (see Check).
func Connect(demoMode bool, plainHTTP []string, stderr io.Writer) (*remote.Router, error) {
	if demoMode {
		if len(plainHTTP) > 0 {
			return nil, errors.New("--plain-http has no meaning with --demo: the demo registry is in this process")
		}
		reg, _, err := Seed()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "demo mode: working on an in-memory registry with demo images, served as %s only; nothing is sent to any real registry\n", Host)
		return Router(reg)
	}
	opts := []remote.RouterOption{remote.RouteDefaults(remote.WithDockerConfig(""), remote.WithPlainHTTPLoopback())}
	for _, h := range plainHTTP {
		if _, err := remote.NewRouter(remote.RouteHost(h)); err != nil {
			return nil, fmt.Errorf("--plain-http %q: want a registry host such as registry.corp or registry.corp:5000", h)
		}
		opts = append(opts, remote.RouteHost(h, remote.WithPlainHTTP()))
	}
	return remote.NewRouter(opts...)
}

// Router serves reg as Host and refuses every other host: the registry of
// demo mode, on a fake the caller seeded.
func Router(reg promote.Registry) (*remote.Router, error) {
	return remote.NewRouter(remote.RouteBackend(Host, reg), remote.RouteOnly(Host))
}

// Check reports whether r serves ref, before anything is sent: in demo
// mode only references on Host are served. flag names the input in the
// error, as the user typed it ("--from").
func Check(r *remote.Router, flag string, ref reference.Reference) error {
	_, err := r.Backend(ref)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, remote.ErrNotRouted):
		return fmt.Errorf("%s %s: demo mode works only on %s, and this names %s; run without --demo to use %s",
			flag, ref.Familiar(), Host, ref.Registry(), ref.Registry())
	default:
		return fmt.Errorf("%s %s: %w", flag, ref.Familiar(), err)
	}
}
