// Command pinlint scans Kubernetes manifests, Compose files and
// Dockerfiles for image references, lints them against a policy, and with
// --fix pins them by digest, changing nothing else in the files.
//
//	pinlint deploy.yaml compose.yaml Dockerfile
//	pinlint --policy policy.json --env production k8s/*.yaml
//	pinlint --fix deploy.yaml                 # app:1.2 becomes app:1.2@sha256:… from app's own registry
//	pinlint --fix --demo demo.yaml            # the same on the in-memory demo registry
//	pinlint --json deploy.yaml
//
// Without --policy it applies a built-in production policy: no latest,
// and no mutable tag without a digest. --fix resolves each image on the
// registry its reference names (docker.io, ghcr.io, registry.corp:5000…)
// with the credentials of the docker config, as docker pull would.
// --demo resolves on an in-memory registry seeded with a demo catalogue
// instead, and only images on registry.example.com.
//
// Exit status: 0 when every file was read, no finding reaches --fail-on
// and, with --fix, every image that needed a digest got one; 1 when a
// finding reaches --fail-on; 2 on bad usage, a file that could not be
// read, understood or written, or an image --fix could not pin.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/examples/internal/manifest"
	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], deps{connect: connectRemote, demo: openDemo}, os.Stdout, os.Stderr))
}

// deps are the registries pinlint reaches; tests pass their own.
type deps struct {
	connect func(plainHTTP []string) (promote.Registry, error) // the registries of the hosts the images name, for --fix
	demo    func() (promote.Registry, error)                   // the demo registry, for --fix --demo
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
	// Index hides the Violation's position in the list checked from the
	// JSON (a shallower field of the same name wins, and nil is left out):
	// pinlint checks one reference at a time, so it would always be 0;
	// File, Line and Path say where the image is.
	Index *int `json:"index,omitempty"`
}

// fileResult says what pinlint did with one file.
type fileResult struct {
	File string `json:"file"`
	// Checked is true when the file was read and its images linted.
	Checked bool `json:"checked"`
	Images  int  `json:"images"`
	// Error says why the file was not checked, or not written.
	Error     string      `json:"error,omitempty"`
	Pinned    []pinned    `json:"pinned,omitempty"`
	NotPinned []notPinned `json:"notPinned,omitempty"`
	// Written is true when --fix wrote the file.
	Written bool `json:"written"`
}

type pinned struct {
	Line int    `json:"line"`
	Path string `json:"path"`
	From string `json:"from"`
	To   string `json:"to"`
}

type notPinned struct {
	Line   int    `json:"line"`
	Path   string `json:"path"`
	Image  string `json:"image"`
	Reason string `json:"reason"`
}

// report is the --json output.
type report struct {
	Findings []finding    `json:"findings"`
	Files    []fileResult `json:"files"`
}

const usageText = `usage: pinlint [flags] FILE...

Lints the image references of Kubernetes manifests, Compose files and
Dockerfiles against a policy; --fix pins them by digest in place and
changes nothing else in the files. Other files (Helm values, templates,
UTF-16 text) are refused, never reported clean.

Flags:
`

const exitText = `
--fix resolves each image on the registry its reference names, with the
credentials of your docker config (~/.docker/config.json and its helpers);
plain HTTP only for a loopback host such as localhost:5000 or a host named
with --plain-http. With --demo it uses an in-memory demo registry instead,
for images on ` + demo.Host + ` only.

Exit status:
  0  every file was read, no finding reaches --fail-on, and with --fix every
     image that needed a digest got one
  1  a finding reaches --fail-on
  2  bad usage, a file that could not be read, understood or written, or an
     image that --fix could not pin (the other files are still processed)
`

func run(ctx context.Context, args []string, d deps, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("pinlint", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	policyFile := flags.String("policy", "", "policy JSON `file` (default: no latest, no mutable tag without a digest)")
	env := flags.String("env", "", "`environment` of the policy to apply, such as production")
	fix := flags.Bool("fix", false, "pin every unpinned image by digest, in place, resolved on the registry its reference names")
	useDemo := flags.Bool("demo", false, "with --fix: resolve on the in-memory demo registry ("+demo.Host+" only), not a real one")
	asJSON := flags.Bool("json", false, "print the findings and what was done to each file as JSON")
	failOn := flags.String("fail-on", string(policy.SeverityWarning), "lowest `severity` that makes the exit status 1: info, warning, error, critical")
	timeout := flags.Duration("timeout", 30*time.Second, "with --fix: how long one registry lookup may take")
	version := flags.Bool("version", false, "print pinlint's version and exit")
	var plainHTTP hostList
	flags.Var(&plainHTTP, "plain-http", "with --fix: speak plain HTTP, not HTTPS, to this registry `host` on a trusted network (repeatable; loopback hosts always use it)")
	files, err := parseArgs(flags, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		flags.SetOutput(stdout)
		flags.PrintDefaults()
		fmt.Fprint(stdout, exitText)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "pinlint: %s (see pinlint --help)\n", flagError(err))
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "pinlint: "+format+"\n", a...)
		return 2
	}
	if *version {
		if len(files) > 0 || flags.NFlag() > 1 {
			// A script that meant another flag must not read the
			// version line as its output.
			return fail("--version prints pinlint's version and takes nothing else (see pinlint --help)")
		}
		fmt.Fprintln(stdout, "pinlint", buildVersion())
		return 0
	}
	if len(files) == 0 {
		return fail("give at least one FILE to lint (see pinlint --help)")
	}
	threshold := policy.Severity(*failOn)
	if threshold.Rank() == 0 {
		return fail("--fail-on %q: want info, warning, error or critical", *failOn)
	}
	if *useDemo && !*fix {
		return fail("--demo only changes where --fix resolves digests; linting reads no registry")
	}
	if len(plainHTTP) > 0 && (!*fix || *useDemo) {
		return fail("--plain-http only changes how --fix reaches a real registry")
	}
	if *timeout <= 0 {
		return fail("--timeout %s: want a positive duration such as 30s", *timeout)
	}
	pol := defaultPolicy
	if *policyFile != "" {
		f, err := os.Open(*policyFile)
		if err != nil {
			return fail("--policy: %v", err)
		}
		pol, err = policy.LoadPolicy(f)
		f.Close()
		if err != nil {
			return fail("--policy %s: %v", *policyFile, err)
		}
	}
	if _, err := pol.Check(*env, nil); err != nil {
		return fail("--env %q: %v", *env, err)
	}
	var reg promote.Registry
	if *fix {
		if *useDemo {
			if reg, err = d.demo(); err != nil {
				return fail("--demo: %v", err)
			}
			fmt.Fprintf(stderr, "pinlint: --demo: resolving digests on the in-memory demo registry (%s), not a real registry; images on other hosts are refused\n", demo.Host)
		} else {
			if reg, err = d.connect(plainHTTP); err != nil {
				return fail("%v", err)
			}
		}
	}

	p := pinner{reg: reg, timeout: *timeout, cache: map[string]pinResult{}, stderr: stderr}
	var out report
	for _, file := range files {
		res, found := p.file(ctx, file, pol, *env)
		out.Files = append(out.Files, res)
		out.Findings = append(out.Findings, found...)
	}

	code := 0
	for _, f := range out.Findings {
		if f.Severity.Rank() >= threshold.Rank() {
			code = 1
		}
	}
	checked := 0
	for _, r := range out.Files {
		if r.Checked {
			checked++
		}
		if r.Error != "" || len(r.NotPinned) > 0 {
			code = 2
		}
	}
	if *asJSON {
		if out.Findings == nil {
			out.Findings = []finding{}
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return code
	}
	for _, f := range out.Findings {
		fmt.Fprintf(stdout, "%s:%d: %s %s: %s\n", f.File, f.Line, f.Severity, f.Rule, f.Message)
		if strings.Contains(f.Path, "(through ") {
			fmt.Fprintf(stdout, "    for: %s\n", f.Path)
		}
		fmt.Fprintf(stdout, "    fix: %s\n", f.Fix)
	}
	switch {
	case len(out.Findings) == 0 && checked == len(out.Files):
		fmt.Fprintf(stdout, "no findings in %d file(s)\n", checked)
	case len(out.Findings) == 0:
		fmt.Fprintf(stdout, "no findings in the %d file(s) checked; %d file(s) were not checked (see above)\n", checked, len(out.Files)-checked)
	case checked < len(out.Files):
		fmt.Fprintf(stdout, "%d file(s) were not checked (see above)\n", len(out.Files)-checked)
	}
	return code
}

// parseArgs parses flags wherever they stand among the files, as most
// command-line tools do; after "--" every argument is a file.
func parseArgs(flags *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		before := len(args)
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		rest := flags.Args()
		if len(rest) == 0 {
			return files, nil
		}
		consumed := before - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(files, rest...), nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// flagError puts the flag package's errors in the words of the command
// line.
func flagError(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		name := strings.TrimLeft(strings.TrimPrefix(msg, "flag provided but not defined: "), "-")
		if name == "registry" {
			return "--registry is not a flag: --fix resolves each image on the registry its reference names (--demo for the demo registry)"
		}
		return "unknown flag --" + name
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return "--" + strings.TrimLeft(strings.TrimPrefix(msg, "flag needs an argument: "), "-") + " needs a value"
	case strings.HasPrefix(msg, "invalid value ") || strings.HasPrefix(msg, "invalid boolean value "):
		// invalid value "x" for flag -timeout: parse error
		v, rest, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(msg, "invalid boolean value "), "invalid value "), " for flag ")
		name, why, _ := strings.Cut(rest, ": ")
		if why == "" || why == "parse error" {
			why = "not a valid value"
		}
		return "--" + strings.TrimLeft(name, "-") + " " + v + ": " + why
	}
	return msg
}

// hostList collects the hosts of a repeatable --plain-http.
type hostList []string

func (l *hostList) String() string { return strings.Join(*l, ",") }

func (l *hostList) Set(v string) error {
	if v == "" || strings.Contains(v, "/") || strings.ContainsAny(v, " \t") {
		return fmt.Errorf("give a registry host such as registry.lan:5000, without a scheme or path")
	}
	*l = append(*l, v)
	return nil
}

// buildVersion is the module version pinlint was built from, or "(devel)".
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// pinResult is the outcome of resolving one reference.
type pinResult struct {
	ref reference.Reference
	err error
}

// pinner pins and lints files, resolving each distinct reference once.
type pinner struct {
	reg     promote.Registry // nil: lint only
	timeout time.Duration
	cache   map[string]pinResult
	stderr  io.Writer
}

func (p *pinner) say(format string, a ...any) {
	fmt.Fprintf(p.stderr, "pinlint: "+format+"\n", a...)
}

// file pins the images of file when --fix is on, then lints them.
func (p *pinner) file(ctx context.Context, file string, pol policy.Policy, env string) (fileResult, []finding) {
	res := fileResult{File: file}
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		res.Error = err.Error()
		p.say("%s: not checked: %v", file, err)
		return res, nil
	}
	images, err := manifest.FindFile(file, data)
	if err != nil {
		res.Error = err.Error()
		p.say("%s: not checked: %v", file, err)
		return res, nil
	}
	res.Checked = true
	res.Images = len(images)
	if p.reg != nil {
		images = p.pin(ctx, file, data, images, &res)
	}
	return res, lint(file, images, pol, env)
}

// pin resolves every unpinned image of data and writes the file when any
// got a digest. It returns the images of the file as it now is.
func (p *pinner) pin(ctx context.Context, file string, data []byte, images []manifest.Image, res *fileResult) []manifest.Image {
	var want []pinned
	values := map[int]string{}
	skip := func(img manifest.Image, why string) {
		res.NotPinned = append(res.NotPinned, notPinned{Line: img.Line, Path: img.Path, Image: img.Value, Reason: why})
		p.say("%s:%d: not pinned %s: %s", file, img.Line, img.Value, why)
	}
	refs := make([]reference.Reference, len(images)) // zero: nothing to resolve
	for i, img := range images {
		if img.Resolved == "" {
			skip(img, "cannot be resolved from the file: "+img.Unresolved)
			continue
		}
		ref, err := reference.Parse(img.Resolved)
		if err != nil {
			skip(img, "not a valid image reference: "+err.Error())
			continue
		}
		if ref.IsPinned() {
			continue
		}
		if err := img.Editable(); err != nil {
			skip(img, err.Error())
			continue
		}
		refs[i] = ref
	}
	p.resolve(ctx, refs)
	for i, img := range images {
		ref := refs[i]
		if ref.IsZero() {
			continue
		}
		r := p.cache[ref.String()]
		if r.err != nil {
			skip(img, registryError(ref, r.err))
			continue
		}
		v := manifest.Spell(img.Value, r.ref)
		values[i] = v
		want = append(want, pinned{Line: img.Line, Path: img.Path, From: img.Value, To: v})
	}
	if len(want) == 0 {
		return images
	}
	next := 0 // Edit asks about the images in order
	out, changes, err := manifest.Edit(data, images, func(manifest.Image) (string, bool) {
		v, ok := values[next]
		next++
		return v, ok
	})
	if err == nil && len(changes) == 0 {
		return images // every value already reads as asked
	}
	if err == nil {
		err = manifest.WriteFile(file, data, out)
	}
	if err != nil {
		res.Error = "not written: " + err.Error()
		p.say("%s: not written, the file is unchanged: %v", file, err)
		for _, w := range want {
			res.NotPinned = append(res.NotPinned, notPinned{Line: w.Line, Path: w.Path, Image: w.From, Reason: "the file was not written"})
		}
		return images
	}
	res.Written = true
	res.Pinned = want
	for _, w := range want {
		p.say("%s:%d: pinned %s -> %s", file, w.Line, w.From, w.To)
	}
	p.say("%s: written with %d image(s) pinned", file, len(want))
	again, err := manifest.FindFile(file, out)
	if err != nil {
		return images // cannot happen: Edit read it back already
	}
	return again
}

// maxLookups bounds the registry lookups in flight at once.
const maxLookups = 8

// resolve looks up the digest of every reference not yet in the cache,
// a few at a time, each within the --timeout.
func (p *pinner) resolve(ctx context.Context, refs []reference.Reference) {
	var todo []reference.Reference
	for _, ref := range refs {
		if ref.IsZero() {
			continue
		}
		if _, ok := p.cache[ref.String()]; !ok {
			p.cache[ref.String()] = pinResult{} // claimed; filled below
			todo = append(todo, ref)
		}
	}
	results := make([]pinResult, len(todo))
	sem := make(chan struct{}, maxLookups)
	var wg sync.WaitGroup
	for i, ref := range todo {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, p.timeout)
			defer cancel()
			results[i].ref, results[i].err = promote.Pin(cctx, p.reg, ref)
		})
	}
	wg.Wait()
	for i, ref := range todo {
		p.cache[ref.String()] = results[i]
	}
}

// registryError says why ref could not be resolved, in a user's words:
// the usual registry answers by what they mean, anything else with the
// operation prefixes dropped, which repeat what the line already says.
func registryError(ref reference.Reference, err error) string {
	host := ref.Registry()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer from " + host + " within --timeout"
	case errors.Is(err, promote.ErrNotFound):
		return host + " has no " + ref.Repository() + ":" + ref.TagOrLatest()
	case errors.Is(err, promote.ErrUnauthorized):
		return host + " wants credentials and the docker config has none that work for it (docker login " + host + ")"
	case errors.Is(err, promote.ErrDenied):
		return host + " denies access to " + ref.Repository() + " with the docker config's credentials"
	case errors.Is(err, promote.ErrRateLimited):
		return host + " is rate-limiting requests; try again later"
	}
	msg := err.Error()
	for _, prefix := range []string{"promote: ", "pin " + ref.String() + ": ", "remote: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return msg
}

// lint checks every image of a file against the policy.
func lint(file string, images []manifest.Image, pol policy.Policy, env string) []finding {
	var out []finding
	for _, img := range images {
		at := finding{File: file, Line: img.Line, Path: img.Path}
		if img.Via != "" {
			at.Path += " (through " + img.Via + ")"
		}
		if img.Resolved == "" {
			at.Violation = policy.Violation{Rule: "not-checkable", Severity: policy.SeverityWarning, Subject: img.Value,
				Message: fmt.Sprintf("%q is not checked: %s", img.Value, img.Unresolved),
				Fix:     uncheckableFix(file)}
			out = append(out, at)
			continue
		}
		ref, err := reference.Parse(img.Resolved)
		if err != nil {
			msg := err.Error()
			if img.Resolved != img.Value {
				msg = fmt.Sprintf("%q, with the defaults in the file, reads %q: %v", img.Value, img.Resolved, err)
			}
			at.Violation = policy.Violation{Rule: "invalid-reference", Severity: policy.SeverityError, Subject: img.Value,
				Message: msg, Fix: "write a valid image reference, such as registry.example.com/team/app:1.4.2"}
			out = append(out, at)
			continue
		}
		rep, err := pol.Check(env, []reference.Reference{ref})
		if err != nil {
			continue // the environment was checked before any file
		}
		for _, v := range rep.Violations {
			v.Fix = saferFix(pol, env, ref, v, rep.Violations)
			if img.Resolved != img.Value {
				v.Message += fmt.Sprintf(" (%s, read with the defaults written in the file)", img.Value)
			}
			f := at
			f.Violation = v
			out = append(out, f)
		}
	}
	return out
}

func uncheckableFix(file string) string {
	if manifest.DetectFormat(file) == manifest.Dockerfile {
		return "give the ARG a default before the first FROM, or lint a Dockerfile with the image spelled out"
	}
	return "give the variable a default in the file (${NAME:-registry/app:1.4.2}), or lint the file as rendered"
}
