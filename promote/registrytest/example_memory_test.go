package registrytest_test

import (
	"fmt"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/registrytest"
	"github.com/imagetags/imagetags/reference"
)

// memoryFixture seeds the two manifests the suite needs.
func memoryFixture() (*memory.Registry, registrytest.Fixture, error) {
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "conformance/app", Content: "first"},
		memory.Image{Repository: "conformance/app", Content: "second"},
	)
	if err != nil {
		return nil, registrytest.Fixture{}, err
	}
	return reg, registrytest.Fixture{
		Repository: reference.MustParse("registry.example/conformance/app"),
		Digests:    [2]digest.Digest{ds[0], ds[1]},
	}, nil
}

// TestMemoryConformance is how a Registry implementation runs the suite
// from its own tests.
func TestMemoryConformance(t *testing.T) {
	reg, f, err := memoryFixture()
	if err != nil {
		t.Fatal(err)
	}
	registrytest.TestRegistry(t, reg, f)
}

// A backend prepares a repository holding two different manifests and
// hands it to TestRegistry from a test function, as TestMemoryConformance
// in this file does.
func Example() {
	_, f, err := memoryFixture()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("repository:", f.Repository.Name())
	fmt.Println("two different manifests:", f.Digests[0] != f.Digests[1])
	// Output:
	// repository: registry.example/conformance/app
	// two different manifests: true
}
