package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// crossFlags are the flags of promotion across repositories and
// registries: --to with a full destination reference, and a promotion
// manifest with --plan or --apply.
type crossFlags struct {
	manifest *string
	plan     *bool
	apply    *bool
	asJSON   *bool
	cosign   *bool
}

// addCrossFlags registers the cross-registry flags on fs and adds their
// forms to its usage text.
func addCrossFlags(fs *flag.FlagSet) *crossFlags {
	if prev := fs.Usage; prev != nil {
		fs.Usage = func() {
			prev()
			fmt.Fprintln(fs.Output(), "Across repositories and registries:")
			fmt.Fprintln(fs.Output(), crossUsage)
		}
	}
	return &crossFlags{
		manifest: fs.String("manifest", "", "promotion manifest (YAML or JSON): digests and the tags they must carry at each destination; use with --plan or --apply"),
		plan:     fs.Bool("plan", false, "with --manifest: print what would change, change nothing (exit 1 if a tag would be refused)"),
		apply:    fs.Bool("apply", false, "with --manifest: carry out the plan and print the JSON records"),
		asJSON:   fs.Bool("json", false, "with --plan: print the plan as JSON instead of text"),
		cosign:   fs.Bool("cosign-tags", false, "with a full --to reference: also copy legacy cosign tags (sha256-<hex>.sig, .att, .sbom)"),
	}
}

// crossUsage is the usage text of the cross-registry forms.
const crossUsage = `  promote --from REF --to REGISTRY/REPOSITORY:TAG [--expect DIGEST] [--cosign-tags]
      copies the image, its signatures and SBOMs to another repository or registry, then sets the tag
  promote --manifest FILE (--plan [--json] | --apply)
      plans or applies a promotion manifest: digests and the tags they must carry at each destination`

func init() { extensions = append(extensions, crossMode) }

// crossMode registers the cross-registry flags and returns their mode.
func crossMode(fs *flag.FlagSet) mode {
	x := addCrossFlags(fs)
	return mode{name: "across repositories and registries", try: x.try}
}

// try runs the cross-registry form the parsed flags ask for. It reports
// false when they ask for none, and the built-in modes go on with
// promotion inside one repository.
func (x *crossFlags) try(e env, o *options) (int, bool) {
	usage := func(format string, a ...any) (int, bool) {
		return usageError(e.stderr, format, a...), true
	}
	set := map[string]bool{}
	e.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *x.manifest != "" || strings.Contains(o.to, "/") {
		for _, other := range []string{"rollback", "record", "update", "update-path"} {
			if set[other] {
				return usage("--%s works inside one repository; it does not go with --manifest or a full --to reference", other)
			}
		}
	}
	if *x.manifest != "" && set["expect"] {
		return usage("--manifest takes no --expect: Apply requires every tag to be where the plan saw it")
	}
	if *x.manifest == "" {
		if *x.plan || *x.apply || *x.asJSON {
			return usage("--plan, --apply and --json go with --manifest FILE")
		}
		if !strings.Contains(o.to, "/") {
			if *x.cosign {
				return usage("--cosign-tags goes with a full --to reference, such as registry.prod.example/team/app:production")
			}
			return 0, false // a tag: promotion inside the repository
		}
		return x.copyTo(e, o), true
	}
	if o.from != "" || o.to != "" || *x.cosign {
		return usage("--manifest replaces --from, --to and --cosign-tags: the manifest names the images, the destinations and cosignTags")
	}
	if *x.plan == *x.apply {
		return usage("--manifest needs exactly one of --plan and --apply")
	}
	if *x.asJSON && !*x.plan {
		return usage("--json goes with --plan")
	}
	opts, err := moveOptions(o)
	if err != nil {
		return usage("%v", err)
	}
	m, err := readPromotionManifest(*x.manifest)
	if err != nil {
		return usage("--manifest %v", err)
	}
	regs, err := e.connect(o.demo, o.plainHTTP, e.stderr)
	if err != nil {
		return usage("%v", err)
	}
	// Every host the manifest names must be served before anything is
	// read or written: in demo mode only the demo host is.
	for _, repo := range append([]string{m.Source}, m.Destinations...) {
		host, _, _ := strings.Cut(repo, "/")
		if _, err := regs.Registry(host); err != nil {
			if o.demo {
				return usage("--manifest %s: %s is on %s; demo mode works only on %s (run without --demo to use %s)", *x.manifest, repo, host, demo.Host, host)
			}
			return usage("--manifest %s: %s: %v", *x.manifest, repo, err)
		}
	}
	plan, err := m.Plan(e.ctx, regs, opts...)
	if err != nil {
		return failure(e.stderr, err), true
	}
	if *x.plan {
		if *x.asJSON {
			b, err := json.MarshalIndent(plan, "", "  ")
			if err != nil {
				return failure(e.stderr, err), true
			}
			fmt.Fprintf(e.stdout, "%s\n", b)
		} else {
			fmt.Fprint(e.stdout, plan.String())
		}
		if refused := plan.Refused(); len(refused) > 0 {
			fmt.Fprintf(e.stderr, "promote: the plan refuses %d tag(s); add them to allowMove to let them move\n", len(refused))
			return demo.ExitFailed, true
		}
		return 0, true
	}
	fmt.Fprint(e.stderr, plan.String())
	recs, err := plan.Apply(e.ctx, regs, opts...)
	if recs != nil {
		b, jerr := json.MarshalIndent(recs, "", "  ")
		if jerr != nil {
			return failure(e.stderr, jerr), true
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
	}
	if err != nil {
		return failure(e.stderr, err), true
	}
	return 0, true
}

// copyTo copies the image --from names to the registry and repository of
// the full reference --to, and sets its tag there.
func (x *crossFlags) copyTo(e env, o *options) int {
	if o.from == "" {
		return usageError(e.stderr, "--from is required (see promote --help)")
	}
	src, err := reference.Parse(o.from)
	if err != nil {
		return usageError(e.stderr, "--from %q: %v", o.from, err)
	}
	dst, err := reference.Parse(o.to)
	if err != nil {
		return usageError(e.stderr, "--to %q: %v", o.to, err)
	}
	if dst.IsPinned() {
		return usageError(e.stderr, "--to %q: name a repository and the tag to set, not a digest", o.to)
	}
	if !dst.HasTag() {
		return usageError(e.stderr, "--to %q names a repository but no tag; add the tag to set there, such as %s:production", o.to, dst.Name())
	}
	if host, _, _ := strings.Cut(o.to, "/"); host != dst.Registry() {
		return usageError(e.stderr, "--to %q: start it with the registry host (%s/%s:%s for Docker Hub); the destination host is never implied", o.to, dst.Registry(), dst.Repository(), dst.Tag())
	}
	opts, err := moveOptions(o)
	if err != nil {
		return usageError(e.stderr, "%v", err)
	}
	router, err := e.connect(o.demo, o.plainHTTP, e.stderr)
	if err != nil {
		return usageError(e.stderr, "%v", err)
	}
	if err := demo.Check(router, "--from", src); err != nil {
		return usageError(e.stderr, "%v", err)
	}
	if err := demo.Check(router, "--to", dst); err != nil {
		return usageError(e.stderr, "%v", err)
	}
	srcReg, err := router.Backend(src)
	if err != nil {
		return usageError(e.stderr, "--from %s: %v", src.Familiar(), err)
	}
	dstReg, err := router.Backend(dst)
	if err != nil {
		return usageError(e.stderr, "--to %s: %v", dst.Familiar(), err)
	}
	rec, err := promote.Copy(e.ctx, srcReg, src, dstReg, dst, promote.CopyOptions{CosignTags: *x.cosign}, opts...)
	if rec.Operation != "" {
		b, jerr := json.MarshalIndent(rec, "", "  ")
		if jerr != nil {
			return failure(e.stderr, jerr)
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
	}
	if err != nil {
		return failure(e.stderr, err)
	}
	fmt.Fprintf(e.stderr, "promote: %s\n", rec.Content.Summary())
	return 0
}

// readPromotionManifest reads a promotion manifest written in YAML or
// JSON (JSON is YAML too), through JSON so that the library's strict
// checks apply to both.
func readPromotionManifest(path string) (promote.PromotionManifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return promote.PromotionManifest{}, err
	}
	m, err := parsePromotionYAML(data)
	if err != nil {
		return promote.PromotionManifest{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// maxManifestFile bounds the promotion manifest read, as the library
// bounds the JSON it parses.
const maxManifestFile = 1 << 20

// parsePromotionYAML converts one YAML (or JSON) document to JSON and
// parses it with the library's strict checks.
func parsePromotionYAML(data []byte) (promote.PromotionManifest, error) {
	if len(data) > maxManifestFile {
		return promote.PromotionManifest{}, fmt.Errorf("%d bytes; a promotion manifest may have at most %d", len(data), maxManifestFile)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return promote.PromotionManifest{}, err
	}
	if doc == nil {
		return promote.PromotionManifest{}, errors.New("empty promotion manifest")
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return promote.PromotionManifest{}, fmt.Errorf("not representable as JSON: %w", err)
	}
	return promote.ParsePromotionManifest(js)
}
