package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
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

// handle runs the cross-registry form the parsed flags of fs ask for. It
// reports false when they ask for none, and the caller goes on with
// promotion inside one repository.
func (x *crossFlags) handle(ctx context.Context, fs *flag.FlagSet, opts []promote.Option, open demo.Opener, stdout, stderr io.Writer) (int, bool) {
	usage := func(format string, a ...any) (int, bool) {
		fmt.Fprintf(stderr, "promote: "+format+"\n", a...)
		return 2, true
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	value := func(name string) string {
		if f := fs.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	host, from, to := value("registry"), value("from"), value("to")
	if *x.manifest != "" || strings.Contains(to, "/") {
		for _, other := range []string{"rollback", "record", "update"} {
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
		if !strings.Contains(to, "/") {
			if *x.cosign {
				return usage("--cosign-tags goes with a full --to reference, such as registry.prod.example/team/app:production")
			}
			return 0, false // a tag: promotion inside the repository
		}
		return x.copyTo(ctx, host, from, to, opts, open, stdout, stderr), true
	}
	if from != "" || to != "" || *x.cosign {
		return usage("--manifest replaces --from, --to and --cosign-tags: the manifest names the images, the destinations and cosignTags")
	}
	if *x.plan == *x.apply {
		return usage("--manifest needs exactly one of --plan and --apply")
	}
	if *x.asJSON && !*x.plan {
		return usage("--json goes with --plan")
	}
	m, err := readPromotionManifest(*x.manifest)
	if err != nil {
		return usage("%v", err)
	}
	regs, err := newHosts(host, m.Source, open, stderr)
	if err != nil {
		return usage("%v", err)
	}
	plan, err := m.Plan(ctx, regs, opts...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1, true
	}
	if *x.plan {
		if *x.asJSON {
			b, err := json.MarshalIndent(plan, "", "  ")
			if err != nil {
				fmt.Fprintln(stderr, "promote:", err)
				return 1, true
			}
			fmt.Fprintf(stdout, "%s\n", b)
		} else {
			fmt.Fprint(stdout, plan.String())
		}
		if refused := plan.Refused(); len(refused) > 0 {
			fmt.Fprintf(stderr, "promote: the plan refuses %d tag(s); add them to allowMove to let them move\n", len(refused))
			return 1, true
		}
		return 0, true
	}
	fmt.Fprint(stderr, plan.String())
	recs, err := plan.Apply(ctx, regs, opts...)
	if recs != nil {
		b, jerr := json.MarshalIndent(recs, "", "  ")
		if jerr != nil {
			fmt.Fprintln(stderr, "promote:", jerr)
			return 1, true
		}
		fmt.Fprintf(stdout, "%s\n", b)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1, true
	}
	return 0, true
}

// copyTo copies the image from names to the registry and repository of
// the full reference to, and sets its tag there.
func (x *crossFlags) copyTo(ctx context.Context, host, from, to string, opts []promote.Option, open demo.Opener, stdout, stderr io.Writer) int {
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "promote: "+format+"\n", a...)
		return 2
	}
	if from == "" {
		return usage("--from is required (see --help)")
	}
	src, err := reference.Parse(from)
	if err != nil {
		return usage("--from: %v", err)
	}
	dst, err := reference.Parse(to)
	if err != nil {
		return usage("--to: %v", err)
	}
	if dst.IsPinned() {
		return usage("--to %q: name a repository and the tag to set, not a digest", to)
	}
	if !dst.HasTag() {
		return usage("--to %q names a repository but no tag; add the tag to set there, such as %s:production", to, dst.Name())
	}
	if host, _, _ := strings.Cut(to, "/"); host != dst.Registry() {
		return usage("--to %q: start it with the registry host (%s/%s:%s for Docker Hub); the destination host is never implied", to, dst.Registry(), dst.Repository(), dst.Tag())
	}
	regs, err := newHosts(host, src.Registry(), open, stderr)
	if err != nil {
		return usage("%v", err)
	}
	srcReg, err := regs.Registry(src.Registry())
	if err != nil {
		return usage("%v", err)
	}
	dstReg, err := regs.Registry(dst.Registry())
	if err != nil {
		return usage("%v", err)
	}
	rec, err := promote.Copy(ctx, srcReg, src, dstReg, dst, promote.CopyOptions{CosignTags: *x.cosign}, opts...)
	if rec.Operation != "" {
		b, jerr := json.MarshalIndent(rec, "", "  ")
		if jerr != nil {
			fmt.Fprintln(stderr, "promote:", jerr)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", b)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stderr, "promote: %s\n", rec.Content.Summary())
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

// hosts opens the registries of a cross-registry run. With --registry,
// the source must be on that host and every host is the registry it
// names. Without it, the source is the in-memory demo registry and every
// other host an empty in-memory registry of its own, which is said on
// standard error: no demo stands in for a real host silently.
type hosts struct {
	demo   bool
	source string
	open   demo.Opener
	opened map[string]promote.Registry
}

func newHosts(flagHost, source string, open demo.Opener, stderr io.Writer) (*hosts, error) {
	sourceHost, _, _ := strings.Cut(source, "/")
	h := &hosts{demo: flagHost == "", source: sourceHost, open: open, opened: map[string]promote.Registry{}}
	if h.demo {
		fmt.Fprintf(stderr, "promote: no --registry: %s is the in-memory demo registry, and each destination an empty in-memory registry\n", sourceHost)
		return h, nil
	}
	if flagHost != sourceHost {
		return nil, fmt.Errorf("--registry %q: the source is on %q; give --registry %s", flagHost, sourceHost, sourceHost)
	}
	return h, nil
}

// Registry opens host once and returns it.
func (h *hosts) Registry(host string) (promote.Registry, error) {
	if r, ok := h.opened[host]; ok {
		return r, nil
	}
	var (
		r   promote.Registry
		err error
	)
	switch {
	case h.demo && host == h.source:
		r, err = h.open("")
	case h.demo:
		r = memory.New()
	default:
		r, err = h.open(host)
	}
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", host, err)
	}
	if r == nil {
		return nil, errors.New("registry " + host + ": none")
	}
	h.opened[host] = r
	return r, nil
}
