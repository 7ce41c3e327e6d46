//go:build unix

package main

import (
	"bufio"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The signal tests run the program as its own process: the test binary
// runs main when this variable is set.
const asProgram = "IMAGETAGS_REGISTRY_AS_PROGRAM"

func TestMain(m *testing.M) {
	if os.Getenv(asProgram) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestStopsCleanlyOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "--addr", "127.0.0.1:0", "--demo")
			cmd.Env = append(os.Environ(), asProgram+"=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { _ = cmd.Process.Kill() })

			lines := bufio.NewScanner(out)
			require.True(t, lines.Scan(), "no output; stderr: %s", stderr.String())
			rest, ok := strings.CutPrefix(lines.Text(), "registry: serving http://")
			require.True(t, ok, lines.Text())
			addr, _, _ := strings.Cut(rest, " ")
			resp, err := http.Get("http://" + addr + "/v2/acmecorp/payment-api/tags/list")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			require.NoError(t, cmd.Process.Signal(sig))
			var rest2 []string
			for lines.Scan() {
				rest2 = append(rest2, lines.Text())
			}
			err = cmd.Wait()
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				t.Fatalf("exit status %d; stderr: %s", exit.ExitCode(), stderr.String())
			}
			require.NoError(t, err)
			assert.Equal(t, []string{"registry: stopped"}, rest2)
			assert.Empty(t, stderr.String())
		})
	}
}
