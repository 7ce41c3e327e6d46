package registrytest_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/registrytest"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// overHTTP serves the fake's manifests over the OCI Distribution API and
// returns a remote backend for them, with the fixture renamed to that host.
func overHTTP(fake *memory.Registry, f registrytest.Fixture) (*remote.Registry, registrytest.Fixture, func(), error) {
	srv := httptest.NewServer(fake.Handler())
	host := strings.TrimPrefix(srv.URL, "http://")
	reg, err := remote.New(host, remote.WithPlainHTTPLoopback())
	if err != nil {
		srv.Close()
		return nil, f, nil, err
	}
	f.Repository, err = reference.Parse(host + "/" + f.Repository.Repository())
	if err != nil {
		srv.Close()
		return nil, f, nil, err
	}
	return reg, f, srv.Close, nil
}

// TestRemoteConformance runs the same suite through the HTTP backend: the
// contract holds whichever side of the wire a Registry is on.
func TestRemoteConformance(t *testing.T) {
	fake, f, err := memoryFixture()
	if err != nil {
		t.Fatal(err)
	}
	reg, f, stop, err := overHTTP(fake, f)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	registrytest.TestRegistry(t, reg, f)
}

// The fixture of a backend that talks HTTP names the server's host; the
// suite then runs from a test function, as TestRemoteConformance in this
// file does.
func Example_remote() {
	fake, f, err := memoryFixture()
	if err != nil {
		fmt.Println(err)
		return
	}
	reg, f, stop, err := overHTTP(fake, f)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	fmt.Println("same host:", reg.Host() == f.Repository.Registry())
	fmt.Println("repository path:", f.Repository.Repository())
	// Output:
	// same host: true
	// repository path: conformance/app
}
