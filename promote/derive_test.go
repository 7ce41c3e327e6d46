package promote_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

func TestDeriveAgainst(t *testing.T) {
	tests := []struct {
		name     string
		seed     []memory.Image
		facts    tagging.Facts
		pageSize int
		want     []string // tags expected in the set
		notWant  []string // tags expected to be left out
	}{
		{
			name: "hotfix of an older line never moves the major or latest",
			seed: []memory.Image{
				{Repository: "acme/app", Tags: []string{"2.4.1", "2.4"}, Content: "2.4.1"},
				{Repository: "acme/app", Tags: []string{"2.5.0", "2.5", "2", "latest"}, Content: "2.5.0"},
			},
			facts:   tagging.Facts{Version: "2.4.2"},
			want:    []string{"2.4.2", "2.4"},
			notWant: []string{"2", "latest"},
		},
		{
			name: "the newest release moves every line",
			seed: []memory.Image{
				{Repository: "acme/app", Tags: []string{"2.5.0", "2.5", "2", "latest"}, Content: "2.5.0"},
			},
			facts: tagging.Facts{Version: "2.5.1"},
			want:  []string{"2.5.1", "2.5", "2", "latest"},
		},
		{
			name:  "a repository that does not exist yet has no tags",
			facts: tagging.Facts{Version: "1.0.0"},
			want:  []string{"1.0.0", "1.0", "1"},
		},
		{
			name: "every page of the listing is read",
			seed: []memory.Image{
				{Repository: "acme/app", Tags: []string{"1.0.0", "1.1.0", "1.2.0", "3.0.0"}, Content: "old"},
			},
			pageSize: 1,
			facts:    tagging.Facts{Version: "2.0.0"},
			want:     []string{"2.0.0", "2.0", "2"},
			notWant:  []string{"latest"},
		},
		{
			name: "tags the caller knows are added to the listed ones",
			seed: []memory.Image{
				{Repository: "acme/app", Tags: []string{"1.0.0"}, Content: "1.0.0"},
			},
			facts:   tagging.Facts{Version: "1.5.0", ExistingTags: []string{"9.0.0"}},
			want:    []string{"1.5.0", "1"},
			notWant: []string{"latest"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := memory.New()
			if len(tt.seed) > 0 {
				_, err := reg.Seed(tt.seed...)
				require.NoError(t, err)
			}
			var r promote.Registry = reg
			if tt.pageSize > 0 {
				r = pagedRegistry{reg, tt.pageSize}
			}
			before := append([]string(nil), tt.facts.ExistingTags...)
			set, err := promote.DeriveAgainst(context.Background(), r, tt.facts, tagging.DefaultScheme(), reference.MustParse("registry.example.com/acme/app"))
			require.NoError(t, err)
			for _, tag := range tt.want {
				assert.True(t, set.Has(tag), "%s in %v", tag, set.Names())
			}
			for _, tag := range tt.notWant {
				assert.False(t, set.Has(tag), "%s in %v", tag, set.Names())
			}
			assert.Equal(t, before, tt.facts.ExistingTags, "the caller's facts are not modified")
		})
	}
}

// pagedRegistry caps every tag page at size, to exercise pagination.
type pagedRegistry struct {
	*memory.Registry
	size int
}

func (p pagedRegistry) Tags(ctx context.Context, repo reference.Reference, cursor string, _ int) (promote.TagPage, error) {
	return p.Registry.Tags(ctx, repo, cursor, p.size)
}

func TestDeriveAgainstRefusesPartialListings(t *testing.T) {
	boom := errors.New("connection reset")
	tests := []struct {
		name  string
		fault memory.Fault
	}{
		{"first page fails", memory.Fault{Op: memory.OpTags, Err: boom}},
		{"a later page fails", memory.Fault{Op: memory.OpTags, After: 1, Err: boom}},
		{"unauthorized", memory.Fault{Op: memory.OpTags, Err: promote.ErrUnauthorized}},
		{"gone after the first page", memory.Fault{Op: memory.OpTags, After: 1, Err: promote.ErrNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := memory.New()
			_, err := reg.Seed(memory.Image{Repository: "acme/app", Tags: []string{"2.5.0", "2.4.0", "2"}})
			require.NoError(t, err)
			reg.InjectFault(tt.fault)
			set, err := promote.DeriveAgainst(context.Background(), pagedRegistry{reg, 1},
				tagging.Facts{Version: "2.4.2"}, tagging.DefaultScheme(), reference.MustParse("registry.example.com/acme/app"))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.fault.Err)
			assert.Contains(t, err.Error(), "registry.example.com/acme/app")
			assert.Empty(t, set.Tags)
		})
	}
}

func TestDeriveAgainstInputErrors(t *testing.T) {
	app := reference.MustParse("acme/app")
	tests := []struct {
		name  string
		reg   promote.Registry
		facts tagging.Facts
		repos []reference.Reference
		want  string
	}{
		{"no registry", nil, tagging.Facts{Version: "1.0.0"}, []reference.Reference{app}, "nil Registry"},
		{"no repository", memory.New(), tagging.Facts{Version: "1.0.0"}, nil, "no repository"},
		{"empty repository", memory.New(), tagging.Facts{Version: "1.0.0"}, []reference.Reference{{}}, "empty repository"},
		{"bad facts", memory.New(), tagging.Facts{Version: "not-a-version"}, []reference.Reference{app}, "not-a-version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := promote.DeriveAgainst(context.Background(), tt.reg, tt.facts, tagging.DefaultScheme(), tt.repos...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// Mirrors on several registries get one set: a tag moves only where the
// build is the newest of its line in all of them.
func TestDeriveAgainstMirrors(t *testing.T) {
	reg := memory.New()
	_, err := reg.Seed(
		memory.Image{Repository: "acme/app", Tags: []string{"2.4.1"}, Content: "primary"},
		memory.Image{Repository: "mirror/app", Tags: []string{"2.5.0"}, Content: "mirror"},
	)
	require.NoError(t, err)
	primary := reference.MustParse("registry.example.com/acme/app")
	mirror := reference.MustParse("mirror.example.com/mirror/app")
	tests := []struct {
		name   string
		repos  []reference.Reference
		latest bool
	}{
		{"the primary alone", []reference.Reference{primary}, true},
		{"with the mirror", []reference.Reference{primary, mirror}, false},
		{"a repository that does not exist yet", []reference.Reference{primary, reference.MustParse("registry.example.com/new/app")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := promote.DeriveAgainst(context.Background(), reg, tagging.Facts{Version: "2.4.2"}, tagging.DefaultScheme(), tt.repos...)
			require.NoError(t, err)
			assert.Equal(t, tt.latest, set.Has("latest"), set.Names())
			assert.True(t, set.Has("2.4"))
		})
	}
}

// DeriveAgainst reads the repository's tags before deriving, so a hotfix
// of an older line takes its own line's tags and leaves 2 and latest where
// they are.
func ExampleDeriveAgainst() {
	reg := memory.New()
	_, err := reg.Seed(
		memory.Image{Repository: "acme/api", Tags: []string{"2.4.1", "2.4"}, Content: "2.4.1"},
		memory.Image{Repository: "acme/api", Tags: []string{"2.5.0", "2.5", "2", "latest"}, Content: "2.5.0"},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := promote.DeriveAgainst(context.Background(), reg, tagging.Facts{Version: "2.4.2"}, tagging.DefaultScheme(),
		reference.MustParse("registry.example.com/acme/api"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(set.Names())
	// Output:
	// [2.4.2 2.4]
}
