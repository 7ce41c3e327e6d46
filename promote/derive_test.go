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
			set, err := promote.DeriveAgainst(context.Background(), r, reference.MustParse("registry.example.com/acme/app"), tt.facts, tagging.DefaultScheme())
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := memory.New()
			_, err := reg.Seed(memory.Image{Repository: "acme/app", Tags: []string{"2.5.0", "2.4.0", "2"}})
			require.NoError(t, err)
			reg.InjectFault(tt.fault)
			set, err := promote.DeriveAgainst(context.Background(), pagedRegistry{reg, 1},
				reference.MustParse("registry.example.com/acme/app"), tagging.Facts{Version: "2.4.2"}, tagging.DefaultScheme())
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.fault.Err)
			assert.Contains(t, err.Error(), "registry.example.com/acme/app")
			assert.Empty(t, set.Tags)
		})
	}
}

func TestDeriveAgainstInputErrors(t *testing.T) {
	_, err := promote.DeriveAgainst(context.Background(), nil, reference.MustParse("acme/app"), tagging.Facts{Version: "1.0.0"}, tagging.DefaultScheme())
	assert.Error(t, err)
	_, err = promote.DeriveAgainst(context.Background(), memory.New(), reference.Reference{}, tagging.Facts{Version: "1.0.0"}, tagging.DefaultScheme())
	assert.Error(t, err)
	_, err = promote.DeriveAgainst(context.Background(), memory.New(), reference.MustParse("acme/app"), tagging.Facts{Version: "not-a-version"}, tagging.DefaultScheme())
	assert.Error(t, err)
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
	set, err := promote.DeriveAgainst(context.Background(), reg, reference.MustParse("registry.example.com/acme/api"),
		tagging.Facts{Version: "2.4.2"}, tagging.DefaultScheme())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(set.Names())
	// Output:
	// [2.4.2 2.4]
}
