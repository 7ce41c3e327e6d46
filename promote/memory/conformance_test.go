package memory_test

import (
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/registrytest"
)

func TestConformance(t *testing.T) {
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "conformance/app", Tags: []string{"existing"}},
		memory.Image{Repository: "conformance/app", Content: "second"},
	)
	require.NoError(t, err)
	registrytest.TestRegistry(t, reg, registrytest.Fixture{
		Repository: ref(t, "registry.test/conformance/app"),
		Digests:    [2]digest.Digest{ds[0], ds[1]},
	})
	// The suite cleans up after itself.
	tags, err := reg.Tags(t.Context(), ref(t, "registry.test/conformance/app"), "", 0)
	require.NoError(t, err)
	require.Equal(t, []string{"existing"}, tags.Tags)
}
