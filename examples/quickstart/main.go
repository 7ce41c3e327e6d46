// Command quickstart is the tour of imagetags on an in-memory registry
// (promote/memory, embedded in the program): parse references, derive a
// release's tag set against the tags the repository has, publish it on one
// digest, promote staging to production, roll back, pin by digest, and
// decide which workspaces must be rebuilt. Nothing leaves the process.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

const usageText = `usage: quickstart
Runs the imagetags tour on an in-memory registry embedded in the program and prints each step;
nothing is sent to any real registry. It takes no arguments.

Exit status:
  0  the tour ran
  1  a step failed (a bug: please report it)
  2  bad arguments

Flags:
`

func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	if code, stop := demo.Parse(fs, args, stdout, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "quickstart: unexpected argument %q: the tour takes none (see quickstart --help)\n", fs.Arg(0))
		return demo.ExitUsage
	}
	if err := run(context.Background(), stdout); err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return demo.ExitFailed
	}
	return demo.ExitOK
}

func run(ctx context.Context, w io.Writer) error {
	// 1. References: one canonical form for every way of writing an image.
	fmt.Fprintln(w, "The imagetags tour, on an in-memory registry: nothing leaves this process.")
	fmt.Fprintln(w, "\n== 1. references")
	for _, s := range []string{"ubuntu:20.04", "registry.corp:5000/company/department/software:3"} {
		r, err := reference.Parse(s)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-48s -> %s (repository %s, pulls %s)\n", s, r, r.Repository(), r.TagOrLatest())
	}
	if _, err := reference.Parse("acme/Payment-API:latest"); err != nil {
		fmt.Fprintln(w, "  rejected:", err)
	}

	// 2. Tagging: build once, tag many. The repository, on an in-memory
	// registry, already has 2.4.0 (in production) and 2.5.0; the tag set of
	// a 2.4.1 hotfix is derived against the tags it lists, so it moves 2.4
	// but neither 2 nor latest.
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "acmecorp/payment-api", Tags: []string{"2.4.0", "2.4", "production"}, Content: "2.4.0"},
		memory.Image{Repository: "acmecorp/payment-api", Tags: []string{"2.5.0", "2.5", "2", "latest"}, Content: "2.5.0"},
		memory.Image{Repository: "acmecorp/payment-api", Content: "2.4.1"}, // pushed by docker build, untagged
	)
	if err != nil {
		return err
	}
	repo := reference.MustParse("registry.example.com/acmecorp/payment-api")
	existing, err := promote.AllTags(ctx, reg, repo)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== 2. tag set for acmecorp/payment-api 2.4.1 (commit a3f2c8d), a hotfix after 2.5.0")
	fmt.Fprintln(w, "  the in-memory registry lists:", existing)
	set, err := promote.DeriveAgainst(ctx, reg, tagging.Facts{
		Version:  "v2.4.1",
		Commit:   "a3f2c8d91e44b7e1a4c52f0d3b9e8a7c6d5e4f30",
		Channels: []string{"staging"},
	}, tagging.DefaultScheme(), repo)
	if err != nil {
		return err
	}
	for _, t := range set.Tags {
		fmt.Fprintf(w, "  %-12s %-12s %-11s %s\n", t.Name, t.Class.Kind, t.Class.Form, t.Why)
	}
	for _, s := range set.Skipped {
		fmt.Fprintf(w, "  %-12s (not emitted: %s)\n", s.Tag, s.Reason)
	}

	// 3. Publish the set on the digest docker build pushed.
	build, err := repo.WithDigest(ds[2])
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== 3. publish on", short(ds[2]))
	pub, err := promote.Publish(ctx, reg, build, set.Names())
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "  moved:", pub.Moved())

	// 4. Promote staging to production, only if production is still
	// where we saw it; print the record, the release's audit trail.
	prodRef := reference.MustParse("registry.example.com/acmecorp/payment-api:production")
	before, err := reg.Resolve(ctx, prodRef)
	if err != nil {
		return err
	}
	staging, err := build.NameOnly().WithTag("staging")
	if err != nil {
		return err
	}
	rel, err := promote.Promote(ctx, reg, staging, "production", promote.ExpectCurrent(before.Digest))
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== 4. promote staging -> production (record)")
	record, err := json.MarshalIndent(rel, "  ", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %s\n", record)

	// 5. Roll back in one call, from the record.
	back, err := promote.Rollback(ctx, reg, rel)
	if err != nil {
		return err
	}
	now, err := reg.Resolve(ctx, prodRef)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== 5. roll back: %v, production is %s again (%s)\n", back.Moved(), short(now.Digest), labelOf(now.Digest, ds))

	// 6. Pin what production runs, for a manifest that must not drift.
	pinned, err := promote.Pin(ctx, reg, prodRef)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== 6. pin\n ", pinned)

	// 7. Rebuild decisions for workspaces, as a dev-environment platform
	// would show them.
	fmt.Fprintln(w, "\n== 7. which workspaces must be rebuilt?")
	return decide(ctx, w)
}

// decide seeds the images of four workspaces, moves some tags since they
// were built, and prints one decision per workspace.
func decide(ctx context.Context, w io.Writer) error {
	reg := memory.New()
	ds, err := reg.Seed(
		memory.Image{Repository: "library/ubuntu", Content: "22.04 at build time"},
		memory.Image{Repository: "library/ubuntu", Tags: []string{"latest", "24.04"}, Content: "24.04"},
		memory.Image{Repository: "library/ubuntu", Content: "20.04.5"},
		memory.Image{Repository: "library/ubuntu", Tags: []string{"20.04"}, Content: "20.04.6"},
		memory.Image{Repository: "library/ubuntu", Tags: []string{"20.10"}, Content: "20.10"},
		memory.Image{Repository: "mycorp/myproj", Tags: []string{"v1", "v1.3", "v1.3.2"}, Content: "1.3.2"},
		memory.Image{Repository: "mycorp/myproj", Tags: []string{"v2", "v2.0.0"}, Content: "2.0.0"},
		memory.Image{Repository: "mycorp/myproj", Content: "1.3.1"},
		memory.Image{Repository: "mycorp/myproj", Tags: []string{"v1.3.1"}, Content: "1.3.1, rebuilt in place"},
	)
	if err != nil {
		return err
	}
	builds := []policy.Build{
		{Ref: reference.MustParse("ubuntu:latest"), Digest: ds[0]},
		{Ref: reference.MustParse("ubuntu:20.04"), Digest: ds[2]},
		{Ref: reference.MustParse("mycorp/myproj:v1"), Digest: ds[5]},
		{Ref: reference.MustParse("mycorp/myproj:v1.3.1"), Digest: ds[7]},
	}
	decisions, err := promote.CheckFleet(ctx, reg, builds, promote.FleetOptions{})
	if err != nil {
		return err
	}
	for i, d := range decisions {
		fmt.Fprintf(w, "  %-22s %-8s %s\n", builds[i].Ref.Familiar(), d.Action, d.Message)
	}
	return nil
}

func short(d digest.Digest) string { return string(d)[:len("sha256:")+12] }

func labelOf(d digest.Digest, ds []digest.Digest) string {
	for i, name := range []string{"2.4.0", "2.5.0", "2.4.1"} {
		if ds[i] == d {
			return name
		}
	}
	return "unknown"
}
