// Command release is what a CI step runs around docker build: it gathers
// the build facts (version, commit, branch, pull request, build id) from
// flags, a version.json file or the CI environment (GitHub Actions,
// GitLab CI), derives the image's tag set and OCI labels, and prints them
// in the form the next step needs.
//
//	release --release-version 2.4.1 --commit a3f2c8d --image ghcr.io/acme/payment-api
//	eval "docker build $(release --format docker --image ghcr.io/acme/app) ."   # -t … --label …, shell-quoted
//	release --format json                                   # metadata-action's json output
//	release --format github >> "$GITHUB_OUTPUT"             # step outputs tags, labels, version
//	release --release-version 2.4.1 --image ghcr.io/acme/payment-api --publish sha256:… --notes
//
// With --publish DIGEST it reads the tags each --image repository has on
// its registry (the one the image names, with the credentials of the
// user's docker config), derives the set against them so that a hotfix of
// an older line never moves a newer line's tags or latest, points every
// tag at that digest, and prints the JSON record, or with --notes Markdown
// release notes. --read-tags does the same reading without publishing.
// --demo works on an in-memory registry with demo images instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/tagging"
)

func main() {
	env := environment{getenv: os.Getenv, now: time.Now, connect: demo.Connect, terminal: demo.IsTerminal(os.Stderr)}
	os.Exit(run(context.Background(), os.Args[1:], env, os.Stdout, os.Stderr))
}

// environment is what the command takes from the outside world, so tests
// can replace it.
type environment struct {
	getenv   func(string) string
	now      func() time.Time
	connect  demo.Connector
	terminal bool // standard error is a terminal: show progress
}

type options struct {
	facts         tagging.Facts
	versionFile   string
	images        demo.ListFlag
	channels      demo.ListFlag
	existing      string
	readTags      bool
	format        string
	bakeTarget    string
	versionPrefix string
	noSHA         bool
	noBuildID     bool
	branchTags    bool
	publish       string
	notes         bool
	demo          bool
	plainHTTP     demo.ListFlag
}

const usageText = `usage: release [flags]
Derives an image's tag set and OCI labels from build facts, and prints them or publishes them.
Flags win over --version-file, which wins over the CI environment (GitHub Actions, GitLab CI)
and SOURCE_DATE_EPOCH. With --publish or --read-tags the tags each --image repository already
has are read from its registry first (docker config credentials), so rolling tags and latest
only move forward; --demo uses an in-memory registry with demo images instead.

Exit status:
  0  printed, or published every tag
  1  the registry refused or failed (with --publish, the records say which tags moved)
  2  bad input, or no build facts to derive a tag from; nothing was published

Flags:
`

func run(ctx context.Context, args []string, env environment, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.facts.Version, "release-version", "", "release `VERSION`, such as 2.4.1 or v2.4.1 (empty for builds that are not releases)")
	fs.StringVar(&o.facts.Commit, "commit", "", "git commit SHA, short or full")
	fs.StringVar(&o.facts.Branch, "branch", "", "git branch")
	fs.StringVar(&o.facts.DefaultBranch, "default-branch", "", "the repository's default branch (default from CI, else main)")
	fs.IntVar(&o.facts.PR, "pr", 0, "pull-request number")
	fs.StringVar(&o.facts.BuildID, "build-id", "", "CI build id (default from CI: GITHUB_RUN_NUMBER, CI_PIPELINE_IID)")
	fs.BoolVar(&o.noBuildID, "no-build-id", false, "emit no build-<id> tag, whatever the CI environment says")
	fs.StringVar(&o.facts.Variant, "variant", "", "image variant appended to every tag, such as alpine")
	fs.StringVar(&o.versionFile, "version-file", "", "JSON `FILE` with build facts (version, commit, branch, pr, buildID, metadata…)")
	fs.Var(&o.images, "image", "image `REPOSITORY` to tag, such as ghcr.io/acme/app (repeatable)")
	fs.Var(&o.channels, "channel", "extra channel `TAG`, such as staging (repeatable)")
	fs.StringVar(&o.existing, "existing", "", "comma-separated tags the repository already has, so rolling tags and latest move only forward")
	fs.BoolVar(&o.readTags, "read-tags", false, "read each --image repository's tags from its registry and derive against them (implied by --publish)")
	fs.StringVar(&o.format, "format", "lines", "output: lines, docker, json, bake, github, set. docker prints shell-quoted\n"+
		"arguments: paste them, or eval \"docker build $(release --format docker …) .\" (a bare $(…) would split\n"+
		"label values at their spaces)")
	fs.StringVar(&o.bakeTarget, "bake-target", "", "target name in the bake file (default docker-metadata-action)")
	fs.StringVar(&o.versionPrefix, "version-prefix", "", "monorepo git-tag prefix stripped from the version, such as app/")
	fs.BoolVar(&o.noSHA, "no-sha", false, "do not emit the sha-<commit> tag")
	fs.BoolVar(&o.branchTags, "branch-tags", false, "also emit <branch> and <branch>-<sha> tags")
	fs.StringVar(&o.publish, "publish", "", "`DIGEST` to publish the tag set on, in every --image repository")
	fs.BoolVar(&o.notes, "notes", false, "with --publish: print Markdown release notes instead of the JSON record")
	fs.BoolVar(&o.demo, "demo", false, "with --publish or --read-tags: work on an in-memory registry with demo images, served as "+demo.Host+" only")
	fs.Var(&o.plainHTTP, "plain-http", "speak plain HTTP to registry `HOST` (repeatable); loopback hosts always do")
	if len(args) > 1 && slices.ContainsFunc(args, func(a string) bool {
		return a == "--version" || a == "-version" || strings.HasPrefix(a, "--version=") || strings.HasPrefix(a, "-version=")
	}) {
		fmt.Fprintln(stderr, "release: --version prints the program's version; the release version is --release-version VERSION (see release --help)")
		return demo.ExitUsage
	}
	if code, stop := demo.Parse(fs, args, stdout, stderr); stop {
		return code
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "release: "+format+"\n", a...)
		return demo.ExitUsage
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q (the release version is --release-version; see release --help)", fs.Arg(0))
	}
	if o.notes && o.publish == "" {
		return usage("--notes needs --publish")
	}
	if o.publish == "" && !o.readTags {
		if o.demo {
			return usage("--demo needs --publish or --read-tags: nothing else uses a registry")
		}
		if len(o.plainHTTP) > 0 {
			return usage("--plain-http needs --publish or --read-tags: nothing else uses a registry")
		}
	}
	if !validFormat(o.format) {
		return usage("unknown --format %q (want lines, docker, json, bake, github or set)", o.format)
	}
	facts, scheme, err := gather(o, fs, env.getenv, env.now)
	if err != nil {
		return usage("%s", demo.Message(err))
	}
	if o.publish != "" || o.readTags {
		return withRegistry(ctx, o, facts, scheme, env, stdout, stderr)
	}
	set, err := tagging.Derive(facts, scheme)
	if err == nil {
		err = nonEmpty(set, facts)
	}
	if err != nil {
		return usage("%s", demo.Message(err))
	}
	if err := write(stdout, o, set); err != nil {
		return usage("%s", demo.Message(err))
	}
	return demo.ExitOK
}
