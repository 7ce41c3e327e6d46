package promote_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

func TestCheckFleetProgress(t *testing.T) {
	tests := []struct {
		name     string
		repos    int
		tags     int // distinct tags per repository
		copies   int // builds per distinct tag
		skipList bool
	}{
		{"one build", 1, 1, 1, false},
		{"shared tags are one request", 2, 3, 4, false},
		{"without tag lists", 3, 2, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := memory.New()
			var builds []policy.Build
			for r := range tt.repos {
				for i := range tt.tags {
					repo := fmt.Sprintf("team/app%d", r)
					tag := fmt.Sprintf("1.%d", i)
					ds, err := reg.Seed(memory.Image{Repository: repo, Tags: []string{tag}, Content: repo + tag})
					require.NoError(t, err)
					for range tt.copies {
						builds = append(builds, policy.Build{Ref: reference.MustParse("registry.example.com/" + repo + ":" + tag), Digest: ds[0]})
					}
				}
			}
			var calls [][2]int
			var inside atomic.Int32
			opts := promote.FleetOptions{Concurrency: 3, SkipTagLists: tt.skipList, Progress: func(done, total int) {
				assert.Equal(t, int32(1), inside.Add(1), "calls never overlap")
				calls = append(calls, [2]int{done, total})
				inside.Add(-1)
			}}
			_, err := promote.CheckFleet(context.Background(), reg, builds, opts)
			require.NoError(t, err)

			want := tt.repos * tt.tags // one resolve per distinct tag
			if !tt.skipList {
				want += tt.repos // one listing per repository
			}
			require.Len(t, calls, want)
			for i, c := range calls {
				assert.Equal(t, i+1, c[0], "done counts up by one")
				assert.LessOrEqual(t, c[0], c[1])
			}
			assert.Equal(t, [2]int{want, want}, calls[len(calls)-1])
		})
	}
}

// FleetOptions.Progress reports CheckFleet's requests as they finish, for
// a progress line on a terminal.
func ExampleFleetOptions_progress() {
	reg := memory.New()
	ds, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.4", "1.5"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	builds := []policy.Build{
		{Ref: reference.MustParse("registry.example.com/team/app:1.4"), Digest: ds[0]},
		{Ref: reference.MustParse("registry.example.com/team/app:1.5"), Digest: ds[0]},
	}
	last := ""
	_, err = promote.CheckFleet(context.Background(), reg, builds, promote.FleetOptions{
		Progress: func(done, total int) { last = fmt.Sprintf("%d/%d requests", done, total) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(last)
	// Output:
	// 3/3 requests
}
