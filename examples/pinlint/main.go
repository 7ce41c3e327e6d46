// Command pinlint scans Kubernetes manifests and Compose files for image
// references, lints them against a policy, and with --fix pins them by
// digest, changing nothing else in the files.
//
//	pinlint deploy.yaml
//	pinlint --policy policy.json --env production k8s/*.yaml compose.yaml
//	pinlint --fix deploy.yaml                    # app:1.2 becomes app:1.2@sha256:…
//	pinlint --json deploy.yaml
//
// Without --policy it applies a built-in production policy: no latest,
// and no mutable tag without a digest. Without --registry, --fix resolves
// digests on an in-memory registry seeded with a demo catalogue.
//
// Exit status: 0 when no violation reaches --fail-on, 1 when one does, 2 on
// errors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/examples/internal/manifest"
	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], demo.Open, os.Stdout, os.Stderr))
}

// defaultPolicy is used when no --policy is given.
var defaultPolicy = policy.Policy{Rules: []policy.LintRule{
	{ID: "no-latest", Type: policy.RuleNoLatest},
	{ID: "pin-mutable", Type: policy.RuleMutableNeedsDigest},
}}

// finding is one violation at one place in one file.
type finding struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Path string `json:"path"`
	policy.Violation
}

func run(ctx context.Context, args []string, open demo.Opener, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pinlint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pinlint [flags] FILE...")
		fmt.Fprintln(stderr, "Lints the image references of Kubernetes manifests and Compose files; --fix pins them by digest.")
		fs.PrintDefaults()
	}
	policyFile := fs.String("policy", "", "policy JSON file (default: no latest, no mutable tag without a digest)")
	env := fs.String("env", "", "environment of the policy to apply, such as production")
	fix := fs.Bool("fix", false, "pin every unpinned image by digest, in place")
	host := fs.String("registry", "", "registry to resolve digests on with --fix (default: an in-memory registry with demo images)")
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	failOn := fs.String("fail-on", string(policy.SeverityWarning), "lowest severity that makes the exit status 1: info, warning, error, critical")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "pinlint:", err)
		return 2
	}
	if fs.NArg() == 0 {
		return fail(errors.New("give at least one FILE (see --help)"))
	}
	threshold := policy.Severity(*failOn)
	if threshold.Rank() == 0 {
		return fail(fmt.Errorf("--fail-on %q: want info, warning, error or critical", *failOn))
	}
	pol := defaultPolicy
	if *policyFile != "" {
		f, err := os.Open(*policyFile)
		if err != nil {
			return fail(err)
		}
		pol, err = policy.LoadPolicy(f)
		f.Close()
		if err != nil {
			return fail(fmt.Errorf("%s: %w", *policyFile, err))
		}
	}
	var reg promote.Registry
	if *fix {
		var err error
		if reg, err = open(*host); err != nil {
			return fail(err)
		}
	}

	var findings []finding
	for _, file := range fs.Args() {
		fileFindings, err := lintFile(ctx, file, pol, *env, reg, stderr)
		if err != nil {
			return fail(err)
		}
		findings = append(findings, fileFindings...)
	}

	code := 0
	for _, f := range findings {
		if f.Severity.Rank() >= threshold.Rank() {
			code = 1
		}
	}
	if *asJSON {
		if findings == nil {
			findings = []finding{}
		}
		b, err := json.MarshalIndent(findings, "", "  ")
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return code
	}
	for _, f := range findings {
		fmt.Fprintf(stdout, "%s:%d: %s %s: %s\n    fix: %s\n", f.File, f.Line, f.Severity, f.Rule, f.Message, f.Fix)
	}
	if len(findings) == 0 {
		fmt.Fprintln(stdout, "no findings")
	}
	return code
}

// lintFile pins the images of file when reg is set, then lints them.
func lintFile(ctx context.Context, file string, pol policy.Policy, env string, reg promote.Registry, stderr io.Writer) ([]finding, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	images, err := manifest.Find(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if reg != nil {
		data, err = pin(ctx, file, data, images, reg, stderr)
		if err != nil {
			return nil, err
		}
		if images, err = manifest.Find(data); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}

	var out []finding
	for _, img := range images {
		ref, err := reference.Parse(img.Value)
		if err != nil {
			out = append(out, finding{File: file, Line: img.Line, Path: img.Path, Violation: policy.Violation{
				Rule: "invalid-reference", Severity: policy.SeverityError, Subject: img.Value,
				Message: err.Error(), Fix: "write a valid image reference"}})
			continue
		}
		rep, err := pol.Check(env, []reference.Reference{ref})
		if err != nil {
			return nil, err
		}
		for _, v := range rep.Violations {
			out = append(out, finding{File: file, Line: img.Line, Path: img.Path, Violation: v})
		}
	}
	return out, nil
}

// pin rewrites every unpinned, valid image of data to carry the digest its
// tag names now, and writes the file back when anything changed.
func pin(ctx context.Context, file string, data []byte, images []manifest.Image, reg promote.Registry, stderr io.Writer) ([]byte, error) {
	var pinErr error
	out, n, err := manifest.Rewrite(data, images, func(img manifest.Image) (string, bool) {
		ref, err := reference.Parse(img.Value)
		if err != nil || ref.IsPinned() || pinErr != nil {
			return "", false
		}
		pinned, err := promote.Pin(ctx, reg, ref)
		if err != nil {
			pinErr = fmt.Errorf("%s:%d: pin %s: %w", file, img.Line, img.Value, err)
			return "", false
		}
		if img.Value == ref.Familiar() {
			return pinned.Familiar(), true
		}
		return pinned.String(), true
	})
	if pinErr != nil {
		return nil, pinErr
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if n == 0 {
		return data, nil
	}
	info, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, out, info.Mode().Perm()); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "pinlint: pinned %d image reference(s) in %s\n", n, file)
	return out, nil
}
