package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
)

// One list mixes images on two registries: each is checked on its own
// host, in one run.
func TestRebuildCheckManyHosts(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	var hosts [2]string
	var regs [2]*memory.Registry
	var entries []string
	for i := range hosts {
		regs[i] = memory.New()
		ds, err := regs[i].Seed(
			memory.Image{Repository: "team/app", Content: fmt.Sprint("old ", i)},
			memory.Image{Repository: "team/app", Tags: []string{"1.4"}, Content: fmt.Sprint("new ", i)},
		)
		require.NoError(t, err)
		srv := httptest.NewServer(regs[i].Handler())
		t.Cleanup(srv.Close)
		hosts[i] = strings.TrimPrefix(srv.URL, "http://")
		built := ds[i] // host 0 was built from an older 1.4, host 1 from the current one
		entries = append(entries, fmt.Sprintf(`{"name":"w%d","image":"%s/team/app:1.4","digest":"%s"}`, i, hosts[i], built))
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--json", "-"}, demo.Connect, false, strings.NewReader("["+strings.Join(entries, ",")+"]"), &out, &errOut)
	assert.Equal(t, 1, code, errOut.String())
	var results []result
	require.NoError(t, json.Unmarshal(out.Bytes(), &results))
	require.Len(t, results, 2)
	assert.Equal(t, policy.TagRepublished, results[0].Decision.Outcome, "host 0's tag moved since the build")
	assert.Equal(t, policy.UpToDate, results[1].Decision.Outcome, "host 1 is where it was")
	for i := range regs {
		assert.Positive(t, regs[i].Calls(memory.OpResolve), "host %d was asked", i)
	}
}

func TestRebuildCheckProgress(t *testing.T) {
	tests := []struct {
		terminal bool
		want     bool
	}{{true, true}, {false, false}}
	for _, tt := range tests {
		t.Run(fmt.Sprint("terminal=", tt.terminal), func(t *testing.T) {
			reg := seeded(t)
			connect := func(bool, []string, io.Writer) (*remote.Router, error) { return demo.Router(reg) }
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"--demo", "workspaces.yaml"}, connect, tt.terminal, strings.NewReader(""), &out, &errOut)
			assert.Equal(t, 1, code, errOut.String())
			assert.Equal(t, tt.want, strings.Contains(errOut.String(), "\rrebuild-check: registry requests 1/"), errOut.String())
			if tt.want {
				assert.True(t, strings.HasSuffix(errOut.String(), "\r"), "the progress line is cleared")
			} else {
				assert.Empty(t, errOut.String())
			}
		})
	}
}
