// Command release is what a CI step runs after docker build: it gathers the
// build facts (version, commit, branch, pull request, build id) from flags,
// a version.json file or the CI environment (GitHub Actions, GitLab CI),
// derives the image's tag set and OCI labels, and prints them in the form
// the next step needs.
//
//	release --version 2.4.1 --commit a3f2c8d --image ghcr.io/acme/payment-api
//	release --format docker --image ghcr.io/acme/app        # docker build -t … --label …
//	release --format json                                   # metadata-action's json output
//	release --format github >> "$GITHUB_OUTPUT"             # step outputs tags, labels, version
//	release --version 2.4.1 --image acmecorp/payment-api --publish sha256:… --notes
//
// With --publish DIGEST it points every tag of the set at that digest (the
// image docker build pushed) and prints the JSON record, or with --notes
// Markdown release notes to append to a changelog. Without --registry it
// publishes on an in-memory registry seeded with a demo catalogue.
//
// Exit status: 0 on success, 1 when the registry refused a tag, 2 on bad
// input.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

func main() {
	env := environment{getenv: os.Getenv, now: time.Now, open: demo.Open}
	os.Exit(run(context.Background(), os.Args[1:], env, os.Stdout, os.Stderr))
}

// environment is what the command takes from the outside world, so tests
// can replace it.
type environment struct {
	getenv func(string) string
	now    func() time.Time
	open   func(host string) (promote.Registry, error)
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	facts         tagging.Facts
	versionFile   string
	images        listFlag
	channels      listFlag
	existing      string
	format        string
	bakeTarget    string
	versionPrefix string
	noSHA         bool
	branchTags    bool
	publish       string
	registry      string
	notes         bool
}

func run(ctx context.Context, args []string, env environment, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: release [flags]")
		fmt.Fprintln(stderr, "Derives an image's tag set and OCI labels from build facts. Flags win over --version-file,")
		fmt.Fprintln(stderr, "which wins over the CI environment (GitHub Actions, GitLab CI) and SOURCE_DATE_EPOCH.")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.facts.Version, "version", "", "release version, such as 2.4.1 or v2.4.1 (empty for non-release builds)")
	fs.StringVar(&o.facts.Commit, "commit", "", "git commit SHA, short or full")
	fs.StringVar(&o.facts.Branch, "branch", "", "git branch")
	fs.StringVar(&o.facts.DefaultBranch, "default-branch", "", "the repository's default branch (default from CI, else main)")
	fs.IntVar(&o.facts.PR, "pr", 0, "pull-request number")
	fs.StringVar(&o.facts.BuildID, "build-id", "", "CI build id")
	fs.StringVar(&o.facts.Variant, "variant", "", "image variant appended to every tag, such as alpine")
	fs.StringVar(&o.versionFile, "version-file", "", "JSON file with build facts (version, commit, branch, pr, buildID, metadata…)")
	fs.Var(&o.images, "image", "image repository to tag, such as ghcr.io/acme/app (repeatable)")
	fs.Var(&o.channels, "channel", "extra channel tag, such as staging (repeatable)")
	fs.StringVar(&o.existing, "existing", "", "comma-separated tags the repository already has, so rolling tags and latest move only forward")
	fs.StringVar(&o.format, "format", "lines", "output: lines, docker, json, bake, github, set")
	fs.StringVar(&o.bakeTarget, "bake-target", "", "target name in the bake file (default docker-metadata-action)")
	fs.StringVar(&o.versionPrefix, "version-prefix", "", "monorepo git-tag prefix stripped from the version, such as app/")
	fs.BoolVar(&o.noSHA, "no-sha", false, "do not emit the sha-<commit> tag")
	fs.BoolVar(&o.branchTags, "branch-tags", false, "also emit <branch> and <branch>-<sha> tags")
	fs.StringVar(&o.publish, "publish", "", "digest to publish the tag set on, in every --image repository")
	fs.StringVar(&o.registry, "registry", "", "registry host for --publish (default: an in-memory registry with demo images)")
	fs.BoolVar(&o.notes, "notes", false, "with --publish: print Markdown release notes instead of the JSON record")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "release: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if o.notes && o.publish == "" {
		fmt.Fprintln(stderr, "release: --notes needs --publish")
		return 2
	}
	set, err := derive(o, fs, env.getenv, env.now)
	if err != nil {
		fmt.Fprintln(stderr, "release:", err)
		return 2
	}
	if o.publish != "" {
		return publish(ctx, o, set, env, stdout, stderr)
	}
	if err := write(stdout, o, set); err != nil {
		fmt.Fprintln(stderr, "release:", err)
		return 2
	}
	return 0
}

// publish points the set's tags at the digest in every image repository
// and prints the records or the release notes.
func publish(ctx context.Context, o options, set tagging.Set, env environment, stdout, stderr io.Writer) int {
	d, err := digest.Parse(o.publish)
	if err != nil {
		fmt.Fprintf(stderr, "release: --publish %q: %v\n", o.publish, err)
		return 2
	}
	if len(o.images) == 0 {
		fmt.Fprintln(stderr, "release: --publish needs at least one --image")
		return 2
	}
	var srcs []reference.Reference
	for _, im := range o.images {
		r, err := reference.Parse(im)
		if err == nil && (r.HasTag() || r.IsPinned()) {
			err = errors.New("give the repository name only, without tag or digest")
		}
		if err == nil {
			r, err = r.WithDigest(d)
		}
		if err != nil {
			fmt.Fprintf(stderr, "release: --image %q: %v\n", im, err)
			return 2
		}
		srcs = append(srcs, r)
	}
	reg, err := env.open(o.registry)
	if err != nil {
		fmt.Fprintln(stderr, "release:", err)
		return 2
	}
	code := 0
	var records []promote.Record
	for _, src := range srcs {
		rec, err := promote.Publish(ctx, reg, src, set.Names(), promote.WithClock(env.now),
			// A version or commit tag names one build: never move it.
			promote.WithImmutable(func(tag string) bool { return tagging.Classify(tag).Kind == tagging.Immutable }))
		if err != nil {
			fmt.Fprintln(stderr, "release:", err)
			code = 1
		}
		if rec.Operation != "" {
			records = append(records, rec)
		}
	}
	if o.notes {
		for _, rec := range records {
			writeNotes(stdout, rec, set)
		}
		return code
	}
	b, err := json.MarshalIndent(records, "", "  ")
	if err != nil {
		fmt.Fprintln(stderr, "release:", err)
		return 2
	}
	fmt.Fprintf(stdout, "%s\n", b)
	return code
}

// writeNotes renders a publish record as Markdown release notes.
func writeNotes(w io.Writer, rec promote.Record, set tagging.Set) {
	title := rec.Repository
	if v := set.Labels[ocispec.AnnotationVersion]; v != "" {
		title += " " + v
	}
	fmt.Fprintf(w, "## %s\n\n", title)
	fmt.Fprintf(w, "- Digest: `%s`\n", rec.Digest)
	if c := set.Labels[ocispec.AnnotationRevision]; c != "" {
		fmt.Fprintf(w, "- Commit: `%s`\n", c)
	}
	fmt.Fprintf(w, "- Published: %s\n", rec.Time.UTC().Format(time.RFC3339))
	fmt.Fprintln(w, "- Tags:")
	for _, t := range rec.Tags {
		switch {
		case t.Error != "":
			fmt.Fprintf(w, "  - `%s`: not moved: %s\n", t.Tag, t.Error)
		case t.Moved && t.Previous != "":
			fmt.Fprintf(w, "  - `%s` (moved from `%s`)\n", t.Tag, shortDigest(t.Previous))
		case t.Moved:
			fmt.Fprintf(w, "  - `%s` (new)\n", t.Tag)
		default:
			fmt.Fprintf(w, "  - `%s` (already there)\n", t.Tag)
		}
	}
	fmt.Fprintln(w)
}

func shortDigest(d digest.Digest) string {
	if s := string(d); len(s) > len("sha256:")+12 {
		return s[:len("sha256:")+12]
	}
	return string(d)
}

// derive merges the facts from the three sources and derives the set.
func derive(o options, fs *flag.FlagSet, getenv func(string) string, now func() time.Time) (tagging.Set, error) {
	facts := factsFromEnv(getenv)
	if o.versionFile != "" {
		data, err := os.ReadFile(o.versionFile)
		if err != nil {
			return tagging.Set{}, err
		}
		var file tagging.Facts
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&file); err != nil {
			return tagging.Set{}, fmt.Errorf("%s: %w", o.versionFile, err)
		}
		merge(&facts, file)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	flagFacts := o.facts
	if !set["pr"] {
		flagFacts.PR = 0
	}
	merge(&facts, flagFacts)
	facts.Channels = append(facts.Channels, o.channels...)
	if o.existing != "" {
		for _, t := range strings.Split(o.existing, ",") {
			if t = strings.TrimSpace(t); t != "" {
				facts.ExistingTags = append(facts.ExistingTags, t)
			}
		}
	}
	if facts.DefaultBranch == "" {
		facts.DefaultBranch = "main"
	}
	if facts.Time.IsZero() {
		t, err := tagging.BuildTime(getenv("SOURCE_DATE_EPOCH"), now())
		if err != nil {
			return tagging.Set{}, err
		}
		facts.Time = t
	}

	scheme := tagging.DefaultScheme()
	scheme.VersionPrefix = o.versionPrefix
	if o.noSHA {
		for i := range scheme.Rules {
			if scheme.Rules[i].Type == tagging.RuleSHA {
				scheme.Rules[i].Disabled = true
			}
		}
	}
	if o.branchTags || facts.Version == "" {
		scheme.Rules = append(scheme.Rules,
			tagging.Rule{Type: tagging.RuleBranch},
			tagging.Rule{Type: tagging.RuleBranchSHA},
			tagging.Rule{Type: tagging.RulePR})
	}
	if facts.BuildID != "" {
		scheme.Rules = append(scheme.Rules, tagging.Rule{Type: tagging.RuleBuildID})
	}
	return tagging.Derive(facts, scheme)
}

// merge copies the non-empty fields of src over dst.
func merge(dst *tagging.Facts, src tagging.Facts) {
	set := func(d *string, s string) {
		if s != "" {
			*d = s
		}
	}
	set(&dst.Version, src.Version)
	set(&dst.Commit, src.Commit)
	set(&dst.Branch, src.Branch)
	set(&dst.DefaultBranch, src.DefaultBranch)
	set(&dst.BuildID, src.BuildID)
	set(&dst.Variant, src.Variant)
	if src.PR != 0 {
		dst.PR = src.PR
	}
	if !src.Time.IsZero() {
		dst.Time = src.Time
	}
	dst.Channels = append(dst.Channels, src.Channels...)
	dst.ExistingTags = append(dst.ExistingTags, src.ExistingTags...)
	m := &dst.Metadata
	set(&m.Title, src.Metadata.Title)
	set(&m.Description, src.Metadata.Description)
	set(&m.Source, src.Metadata.Source)
	set(&m.URL, src.Metadata.URL)
	set(&m.Documentation, src.Metadata.Documentation)
	set(&m.Licenses, src.Metadata.Licenses)
	set(&m.Authors, src.Metadata.Authors)
	set(&m.Vendor, src.Metadata.Vendor)
	set(&m.BaseName, src.Metadata.BaseName)
	set(&m.BaseDigest, src.Metadata.BaseDigest)
	for k, v := range src.Metadata.Labels {
		if m.Labels == nil {
			m.Labels = map[string]string{}
		}
		m.Labels[k] = v
	}
}

// factsFromEnv reads the build facts GitHub Actions and GitLab CI provide.
func factsFromEnv(getenv func(string) string) tagging.Facts {
	var f tagging.Facts
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		f.Commit = getenv("GITHUB_SHA")
		f.BuildID = getenv("GITHUB_RUN_NUMBER")
		ref := getenv("GITHUB_REF")
		switch {
		case strings.HasPrefix(ref, "refs/tags/"):
			f.Version = strings.TrimPrefix(ref, "refs/tags/")
		case strings.HasPrefix(ref, "refs/heads/"):
			f.Branch = strings.TrimPrefix(ref, "refs/heads/")
		case strings.HasPrefix(ref, "refs/pull/"):
			n, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(ref, "refs/pull/"), "/", 2)[0])
			f.PR = n
			f.Branch = getenv("GITHUB_HEAD_REF")
		}
		if server, repo := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"); server != "" && repo != "" {
			f.Metadata.Source = server + "/" + repo
			f.Metadata.URL = f.Metadata.Source
			f.Metadata.Title = repo[strings.LastIndexByte(repo, '/')+1:]
		}
	case getenv("GITLAB_CI") == "true":
		f.Commit = getenv("CI_COMMIT_SHA")
		f.BuildID = getenv("CI_PIPELINE_IID")
		f.Version = getenv("CI_COMMIT_TAG")
		f.Branch = getenv("CI_COMMIT_BRANCH")
		f.DefaultBranch = getenv("CI_DEFAULT_BRANCH")
		if iid := getenv("CI_MERGE_REQUEST_IID"); iid != "" {
			f.PR, _ = strconv.Atoi(iid)
			f.Branch = getenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
		}
		f.Metadata.Source = getenv("CI_PROJECT_URL")
		f.Metadata.URL = f.Metadata.Source
		f.Metadata.Title = getenv("CI_PROJECT_NAME")
	}
	return f
}

// write prints the set in the chosen format.
func write(w io.Writer, o options, set tagging.Set) error {
	images := []string(o.images)
	switch o.format {
	case "lines":
		s, err := set.Lines(images...)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, s)
		return err
	case "docker":
		args, err := set.DockerArgs(images...)
		if err != nil {
			return err
		}
		for i, a := range args {
			if i > 0 {
				io.WriteString(w, " ")
			}
			io.WriteString(w, shellQuote(a))
		}
		_, err = io.WriteString(w, "\n")
		return err
	case "json":
		b, err := set.JSON(images...)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "bake":
		b, err := set.BakeFile(o.bakeTarget, images...)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "github":
		return githubOutput(w, set, images)
	case "set":
		for _, t := range set.Tags {
			fmt.Fprintf(w, "%-24s %-12s %-12s %s\n", t.Name, t.Kind, t.Form, t.Why)
		}
		for _, s := range set.Skipped {
			fmt.Fprintf(w, "skipped: %+v\n", s)
		}
		return nil
	}
	return fmt.Errorf("unknown --format %q (want lines, docker, json, bake, github or set)", o.format)
}

// githubOutput writes the step outputs tags, labels and version in the
// multi-line syntax of $GITHUB_OUTPUT.
func githubOutput(w io.Writer, set tagging.Set, images []string) error {
	tags, err := set.Lines(images...)
	if err != nil {
		return err
	}
	var labels strings.Builder
	for _, k := range slices.Sorted(maps.Keys(set.Labels)) {
		labels.WriteString(k + "=" + set.Labels[k] + "\n")
	}
	delim := "IMAGETAGS_EOF"
	for strings.Contains(tags+labels.String(), delim) {
		delim += "_"
	}
	_, err = fmt.Fprintf(w, "version=%s\ntags<<%s\n%s%s\nlabels<<%s\n%s%s\n", set.Version, delim, tags, delim, delim, labels.String(), delim)
	return err
}

// shellQuote quotes a for a POSIX shell when it needs it.
func shellQuote(a string) string {
	if a != "" && strings.IndexFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+", r))
	}) < 0 {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
