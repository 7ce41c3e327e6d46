package registrytest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/registrytest"
	"github.com/imagetags/imagetags/reference"
)

func fixture(t *testing.T) (*memory.Registry, registrytest.Fixture) {
	t.Helper()
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "suite/app", Tags: []string{"keep"}},
		memory.Image{Repository: "suite/app", Content: "other"},
	)
	require.NoError(t, err)
	return reg, registrytest.Fixture{
		Repository: reference.MustParse("registry.test/suite/app"),
		Digests:    [2]digest.Digest{ds[0], ds[1]},
		Prefix:     "ct",
	}
}

func TestMemoryRegistryPasses(t *testing.T) {
	reg, f := fixture(t)
	registrytest.TestRegistry(t, reg, f)
	all, err := promote.AllTags(t.Context(), reg, f.Repository)
	require.NoError(t, err)
	assert.Equal(t, []string{"keep"}, all, "the suite removes the tags it made")
}

// Broken registries. Each embeds only promote.Registry, hiding the
// optional interfaces, and breaks one rule.

type droppedNext struct{ promote.Registry }

func (r droppedNext) Tags(ctx context.Context, repo reference.Reference, cursor string, limit int) (promote.TagPage, error) {
	p, err := r.Registry.Tags(ctx, repo, cursor, limit)
	p.Next = ""
	return p, err
}

type plainNotFound struct{ promote.Registry }

func (r plainNotFound) Resolve(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, error) {
	d, err := r.Registry.Resolve(ctx, ref)
	if err != nil {
		return d, errors.New("something went wrong")
	}
	return d, nil
}

type ignoresContext struct{ promote.Registry }

func (r ignoresContext) Tags(_ context.Context, repo reference.Reference, cursor string, limit int) (promote.TagPage, error) {
	return r.Registry.Tags(context.Background(), repo, cursor, limit)
}

var broken = map[string]struct {
	wrap func(promote.Registry) promote.Registry
	want string
}{
	"dropped-next":    {func(r promote.Registry) promote.Registry { return droppedNext{r} }, "not listed"},
	"plain-not-found": {func(r promote.Registry) promote.Registry { return plainNotFound{r} }, "want an error matching promote.ErrNotFound"},
	"ignores-context": {func(r promote.Registry) promote.Registry { return ignoresContext{r} }, "Tags with a cancelled context"},
}

// TestSuiteCatchesBrokenRegistries runs the suite against each broken
// registry in a child process (a failing suite fails its test, which must
// not fail this one) and checks that it fails with the right complaint.
func TestSuiteCatchesBrokenRegistries(t *testing.T) {
	if name := os.Getenv("REGISTRYTEST_BROKEN"); name != "" {
		reg, f := fixture(t)
		registrytest.TestRegistry(t, broken[name].wrap(reg), f)
		return
	}
	for name, b := range broken {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteCatchesBrokenRegistries$", "-test.count=1")
			cmd.Env = append(os.Environ(), "REGISTRYTEST_BROKEN="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the suite passed a broken registry:\n%s", out)
			assert.Contains(t, string(out), b.want)
		})
	}
}
