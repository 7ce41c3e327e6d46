// Command rebuild-check tells which workspaces or deployments must be
// rebuilt, may be upgraded, or need attention, from a list of what each was
// built from. It is meant for a cron job or a CI gate.
//
//	rebuild-check fleet.yaml
//	rebuild-check --json fleet.json
//	rebuild-check --demo examples/rebuild-check/workspaces.yaml
//
// The list is YAML or JSON: a sequence of {name, image, digest, platform,
// platformDigest, tracking, prereleases}. Each image is checked on the
// registry its reference names, with the credentials of the user's docker
// config, so one list can mix docker.io, ghcr.io and an internal registry;
// --demo checks against an in-memory registry with demo images instead.
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
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/opencontainers/go-digest"
	"go.yaml.in/yaml/v3"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], demo.Connect, demo.IsTerminal(os.Stderr), os.Stdin, os.Stdout, os.Stderr))
}

// workload is one entry of the input list.
type workload struct {
	Name           string
	Image          string
	Digest         digest.Digest
	Platform       string
	PlatformDigest digest.Digest
	Tracking       policy.Tracking
	Prereleases    bool
}

// fields are the keys an entry may have, as the user writes them.
var fields = []string{"name", "image", "digest", "platform", "platformDigest", "tracking", "prereleases"}

// result is one line of the report.
type result struct {
	Name     string          `json:"name"`
	Image    string          `json:"image"`
	Decision policy.Decision `json:"decision"`
}

const usageText = `usage: rebuild-check [flags] FILE   (FILE may be - for standard input)
Decides, for each workspace or deployment in FILE, whether to rebuild, upgrade or alert. FILE is a
YAML or JSON list of {name, image, digest, platform, platformDigest, tracking, prereleases}. Each
image is checked on the registry it names, with the credentials of your docker config.

Exit status:
  0  nothing needs action
  1  something needs action: a rebuild, an upgrade or an alert
  2  bad input, or the registry could not answer for some entry (their decisions say which)

Flags:
`

func run(ctx context.Context, args []string, connect demo.Connector, terminal bool, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rebuild-check", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	demoMode := fs.Bool("demo", false, "check against an in-memory registry with demo images, served as "+demo.Host+" only")
	var plainHTTP demo.ListFlag
	fs.Var(&plainHTTP, "plain-http", "speak plain HTTP to registry `HOST` (repeatable); loopback hosts always do")
	asJSON := fs.Bool("json", false, "print the decisions as JSON")
	concurrency := fs.Int("concurrency", promote.DefaultFleetConcurrency, "registry requests in flight at once")
	maxPages := fs.Int("max-tag-pages", 0, "read at most this many pages of each repository's tag list (0: all)")
	if code, stop := demo.Parse(fs, args, stdout, stderr); stop {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "rebuild-check:", demo.Message(err))
		return demo.ExitUsage
	}
	if fs.NArg() > 1 && strings.HasPrefix(fs.Arg(1), "-") {
		return fail(fmt.Errorf("%s after FILE: flags go before FILE (see rebuild-check --help)", fs.Arg(1)))
	}
	if fs.NArg() != 1 {
		return fail(errors.New("give exactly one FILE (see rebuild-check --help)"))
	}
	if *concurrency < 1 {
		return fail(fmt.Errorf("--concurrency %d: want at least 1", *concurrency))
	}
	if *maxPages < 0 {
		return fail(fmt.Errorf("--max-tag-pages %d: want 0 (all) or more", *maxPages))
	}
	works, err := load(fs.Arg(0), stdin)
	if err != nil {
		return fail(err)
	}
	builds := make([]policy.Build, len(works))
	for i, w := range works {
		ref, err := reference.Parse(w.Image)
		if err != nil {
			return fail(fmt.Errorf("%s: %s: image %q: %s", fs.Arg(0), entryName(i, w), w.Image, demo.Message(err)))
		}
		builds[i] = policy.Build{Ref: ref, Digest: w.Digest, Platform: w.Platform, PlatformDigest: w.PlatformDigest,
			Tracking: w.Tracking, Prereleases: w.Prereleases}
	}
	reg, err := connect(*demoMode, plainHTTP, stderr)
	if err != nil {
		return fail(err)
	}
	for i, b := range builds {
		if err := demo.Check(reg, "image", b.Ref); err != nil {
			return fail(fmt.Errorf("%s: %s: %w", fs.Arg(0), entryName(i, works[i]), err))
		}
	}
	progress := demo.NewProgress(stderr, terminal, "rebuild-check: registry requests")
	decisions, err := promote.CheckFleet(ctx, reg, builds, promote.FleetOptions{Concurrency: *concurrency, MaxTagPages: *maxPages,
		Progress: progress.Update})
	progress.Done()
	if err != nil {
		return fail(err)
	}

	results := make([]result, len(works))
	code := demo.ExitOK
	for i, d := range decisions {
		results[i] = result{Name: works[i].Name, Image: works[i].Image, Decision: d}
		switch {
		case d.Action == policy.ActionRetry:
			code = demo.ExitUsage
		case d.Action != policy.ActionNone && code == demo.ExitOK:
			code = demo.ExitFailed
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

func entryName(i int, w workload) string {
	if w.Name != "" {
		return fmt.Sprintf("entry %d (%s)", i+1, w.Name)
	}
	return fmt.Sprintf("entry %d", i+1)
}

// shortDigests abbreviates every sha256 digest in s to 12 hex digits, for
// a table that fits a terminal.
func shortDigests(s string) string {
	return digestPattern.ReplaceAllStringFunc(s, func(d string) string { return d[:len("sha256:")+12] + "…" })
}

var digestPattern = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// load reads the workload list from path, or standard input for "-". The
// file is YAML or JSON (which YAML reads too); errors name the entry, the
// line and the field as the user wrote them.
func load(path string, stdin io.Reader) ([]workload, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
		path = "standard input"
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return parse(path, data)
}

// parse reads a workload list; name stands for the input in errors.
func parse(path string, data []byte) ([]workload, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: not YAML or JSON: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) == 0 || root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Tag == "!!null" {
		return nil, fmt.Errorf("%s: no workspaces listed", path)
	}
	list := root.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: line %d: want a list of workspaces, each with %s", path, list.Line, strings.Join(fields[:3], ", "))
	}
	if len(list.Content) == 0 {
		return nil, fmt.Errorf("%s: no workspaces listed", path)
	}
	works := make([]workload, len(list.Content))
	for i, item := range list.Content {
		if err := decodeEntry(item, &works[i]); err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", path, i+1, err)
		}
		if works[i].Image == "" {
			return nil, fmt.Errorf("%s: %s: line %d: image is missing", path, entryName(i, works[i]), item.Line)
		}
	}
	return works, nil
}

// decodeEntry reads one entry, field by field, so that errors speak of
// the file's keys and values.
func decodeEntry(n *yaml.Node, w *workload) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping with %s", n.Line, strings.Join(fields, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(fields, k.Value) {
			return fmt.Errorf("line %d: unknown field %q (want %s)", k.Line, k.Value, strings.Join(fields, ", "))
		}
		if seen[k.Value] {
			return fmt.Errorf("line %d: %s given twice", k.Line, k.Value)
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s: want a single value, not a list or mapping", v.Line, k.Value)
		}
		switch k.Value {
		case "name":
			w.Name = v.Value
		case "image":
			w.Image = v.Value
		case "digest", "platformDigest":
			d := digest.Digest(v.Value)
			if err := d.Validate(); err != nil {
				return fmt.Errorf("line %d: %s %q: want a digest such as sha256:<64 hex digits>", v.Line, k.Value, v.Value)
			}
			if k.Value == "digest" {
				w.Digest = d
			} else {
				w.PlatformDigest = d
			}
		case "platform":
			w.Platform = v.Value
		case "tracking":
			if err := w.Tracking.UnmarshalText([]byte(v.Value)); err != nil {
				return fmt.Errorf("line %d: tracking: %s", v.Line, demo.Message(err))
			}
		case "prereleases":
			switch v.Value {
			case "true":
				w.Prereleases = true
			case "false":
				w.Prereleases = false
			default:
				return fmt.Errorf("line %d: prereleases %q: want true or false", v.Line, v.Value)
			}
		}
	}
	return nil
}
