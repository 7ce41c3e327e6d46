// Command rebuild-check tells which workspaces or deployments must be
// rebuilt, may be upgraded, or need attention, from a list of what each was
// built from. It is meant for a cron job or a CI gate.
//
//	rebuild-check workspaces.yaml
//	rebuild-check --json fleet.json
//	rebuild-check --registry registry.example.com fleet.yaml
//
// The list is YAML or JSON: a sequence of {name, image, digest, platform,
// platformDigest, tracking, prereleases}. Without --registry it is checked
// against an in-memory registry seeded with a demo catalogue.
//
// Exit status: 0 when nothing needs action, 1 when something does (a
// rebuild, an upgrade or an alert), 2 on errors, including observations the
// registry could not answer.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"text/tabwriter"

	"github.com/opencontainers/go-digest"
	"go.yaml.in/yaml/v3"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], demo.Open, os.Stdin, os.Stdout, os.Stderr))
}

// workload is one entry of the input list.
type workload struct {
	Name           string          `json:"name" yaml:"name"`
	Image          string          `json:"image" yaml:"image"`
	Digest         digest.Digest   `json:"digest" yaml:"digest"`
	Platform       string          `json:"platform,omitempty" yaml:"platform"`
	PlatformDigest digest.Digest   `json:"platformDigest,omitempty" yaml:"platformDigest"`
	Tracking       policy.Tracking `json:"tracking,omitempty" yaml:"tracking"`
	Prereleases    bool            `json:"prereleases,omitempty" yaml:"prereleases"`
}

// result is one line of the report.
type result struct {
	Name     string          `json:"name"`
	Image    string          `json:"image"`
	Decision policy.Decision `json:"decision"`
}

func run(ctx context.Context, args []string, open demo.Opener, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rebuild-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rebuild-check [flags] FILE   (FILE may be - for standard input)")
		fmt.Fprintln(stderr, "Decides, for each workspace or deployment in FILE, whether to rebuild, upgrade or alert.")
		fmt.Fprintln(stderr, "Exit status: 0 nothing to do, 1 something needs action, 2 errors.")
		fs.PrintDefaults()
	}
	host := fs.String("registry", "", "registry host to check against (default: an in-memory registry with demo images)")
	asJSON := fs.Bool("json", false, "print the decisions as JSON")
	concurrency := fs.Int("concurrency", promote.DefaultFleetConcurrency, "registry requests in flight at once")
	maxPages := fs.Int("max-tag-pages", 0, "read at most this many pages of each repository's tag list (0: all)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "rebuild-check:", err)
		return 2
	}
	if fs.NArg() != 1 {
		return fail(errors.New("give exactly one FILE (see --help)"))
	}
	works, err := load(fs.Arg(0), stdin)
	if err != nil {
		return fail(err)
	}
	builds := make([]policy.Build, len(works))
	for i, w := range works {
		ref, err := reference.Parse(w.Image)
		if err != nil {
			return fail(fmt.Errorf("entry %d (%s): image: %w", i+1, w.Name, err))
		}
		if w.Digest != "" {
			if err := w.Digest.Validate(); err != nil {
				return fail(fmt.Errorf("entry %d (%s): digest %q: %w", i+1, w.Name, w.Digest, err))
			}
		}
		builds[i] = policy.Build{Ref: ref, Digest: w.Digest, Platform: w.Platform, PlatformDigest: w.PlatformDigest,
			Tracking: w.Tracking, Prereleases: w.Prereleases}
	}
	reg, err := open(*host)
	if err != nil {
		return fail(err)
	}
	decisions, err := promote.CheckFleet(ctx, reg, builds, promote.FleetOptions{Concurrency: *concurrency, MaxTagPages: *maxPages})
	if err != nil {
		return fail(err)
	}

	results := make([]result, len(works))
	code := 0
	for i, d := range decisions {
		results[i] = result{Name: works[i].Name, Image: works[i].Image, Decision: d}
		switch {
		case d.Action == policy.ActionRetry:
			code = 2
		case d.Action != policy.ActionNone && code == 0:
			code = 1
		}
	}
	if *asJSON {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return code
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tIMAGE\tACTION\tOUTCOME\tMESSAGE")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, shortDigests(r.Image), r.Decision.Action, r.Decision.Outcome, shortDigests(r.Decision.Message))
	}
	if err := tw.Flush(); err != nil {
		return fail(err)
	}
	return code
}

// shortDigests abbreviates every sha256 digest in s to 12 hex digits, for
// a table that fits a terminal.
func shortDigests(s string) string {
	return digestPattern.ReplaceAllStringFunc(s, func(d string) string { return d[:len("sha256:")+12] + "…" })
}

var digestPattern = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// load reads the workload list from path, or standard input for "-".
func load(path string, stdin io.Reader) ([]workload, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	var works []workload
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&works)
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(&works)
		if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(works) == 0 {
		return nil, fmt.Errorf("%s: no workspaces listed", path)
	}
	return works, nil
}
