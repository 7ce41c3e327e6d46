// Command metadata-action runs as a GitHub Actions step in place of
// docker/metadata-action: it reads the same inputs (INPUT_IMAGES,
// INPUT_TAGS, INPUT_FLAVOR, INPUT_LABELS, INPUT_ANNOTATIONS, INPUT_SEP-TAGS,
// INPUT_SEP-LABELS, INPUT_SEP-ANNOTATIONS, INPUT_BAKE-TARGET,
// INPUT_CONTEXT, INPUT_GITHUB-TOKEN), the run's GITHUB_* variables and
// the event payload at GITHUB_EVENT_PATH, and appends the same outputs to
// the file named by GITHUB_OUTPUT: version, tags, tag-names, labels,
// annotations, json, bake-file-tags, bake-file-labels,
// bake-file-annotations and bake-file (the bake files are written under
// RUNNER_TEMP).
//
// metadata-action's switches work the same: DOCKER_METADATA_PR_HEAD_SHA,
// DOCKER_METADATA_ANNOTATIONS_LEVELS, DOCKER_METADATA_SHORT_SHA_LENGTH and
// DOCKER_METADATA_SET_OUTPUT_ENV (outputs also exported to GITHUB_ENV as
// DOCKER_METADATA_OUTPUT_<NAME>, on by default). SOURCE_DATE_EPOCH, when
// set, is the time of the run: schedule tags, {{date}} and the created
// label. With INPUT_CONTEXT=git the ref, commit and commit date come from
// the git checkout in the working directory.
//
// One input is this program's own: INPUT_EXISTING-TAGS, the tags the image
// already has, read with the flavor latest=newest.
//
// The repository's title, description, URL and licence come from the
// GitHub API at GITHUB_API_URL (with INPUT_GITHUB-TOKEN), as
// metadata-action's do; without GITHUB_REPOSITORY those labels are empty.
//
// Exit status: 0 on success, 1 on any error, which is printed as a
// workflow error line naming the input, 2 when given arguments (--help
// prints the variables it reads).
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"
	_ "time/tzdata" // the zones of tz='…' even on a runner without a zone database
)

func main() {
	env := environment{
		getenv:       os.Getenv,
		now:          time.Now,
		client:       &http.Client{Timeout: 30 * time.Second},
		git:          runGit,
		loadLocation: time.LoadLocation,
		dir:          ".",
	}
	os.Exit(run(context.Background(), os.Args[1:], env, os.Stdout))
}

const usage = `metadata-action: docker/metadata-action's inputs and outputs, as a GitHub Actions step.

It takes no arguments. Configure it as the action is configured:
  INPUT_IMAGES, INPUT_TAGS, INPUT_FLAVOR, INPUT_LABELS, INPUT_ANNOTATIONS  list inputs, one item per line
  INPUT_SEP-TAGS, INPUT_SEP-LABELS, INPUT_SEP-ANNOTATIONS, INPUT_BAKE-TARGET
  INPUT_CONTEXT (workflow or git), INPUT_GITHUB-TOKEN, INPUT_EXISTING-TAGS (for flavor latest=newest)
  GITHUB_EVENT_NAME, GITHUB_REF, GITHUB_SHA, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_API_URL
  DOCKER_METADATA_PR_HEAD_SHA, DOCKER_METADATA_ANNOTATIONS_LEVELS, DOCKER_METADATA_SHORT_SHA_LENGTH,
  DOCKER_METADATA_SET_OUTPUT_ENV, SOURCE_DATE_EPOCH, RUNNER_TEMP
Outputs are appended to GITHUB_OUTPUT (standard output when unset).

Exit status: 0 on success, 1 when an input or the environment is wrong, 2 when given arguments.
`

// environment is what the program takes from the outside world, so
// tests can replace it.
type environment struct {
	getenv       func(string) string
	now          func() time.Time
	client       *http.Client
	git          func(ctx context.Context, dir string, args ...string) (string, error)
	loadLocation func(string) (*time.Location, error)
	dir          string
}

func run(ctx context.Context, args []string, env environment, stdout io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stdout, "::error::metadata-action takes no arguments (got %q); configure it with INPUT_* variables, see --help\n", args[0])
		return 2
	}
	a := &action{env: env, out: stdout}
	if err := a.run(ctx); err != nil {
		fmt.Fprintf(stdout, "::error::%s\n", escapeData(err.Error()))
		return 1
	}
	return 0
}

func runGit(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %v: %w: %s", args, err, stderr.String())
	}
	return string(out), nil
}

// limitedBuffer keeps the first 4 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(l.b); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		l.b = append(l.b, p[:room]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
