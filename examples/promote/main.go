// Command promote is a promotion bot: it points a channel tag (staging,
// production) at the image another tag or digest names, without
// rebuilding, and prints the JSON record of what moved: release notes and
// audit trail in one.
//
//	promote --from ghcr.io/acme/payment-api:v2.4.1 --to production
//	promote --from … --to production --expect sha256:…        # only if production is still there
//	promote --rollback --from ghcr.io/acme/payment-api:v2.4.0 --to production
//	promote --rollback --record last-promotion.json            # undo a recorded promotion
//	promote --from … --to production --update deploy.yaml      # and pin the manifest's production image
//	promote --demo --from registry.example.com/acmecorp/payment-api:v2.4.1 --to production
//
// The registry is the one the reference names, reached with the
// credentials of the user's docker config; --demo works on an in-memory
// registry with demo images instead, and says so. Tags that name one
// build (1.2.3, sha-a3f2c8d, build-42) are never moved.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/imagetags/imagetags/examples/internal/demo"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], demo.Connect, os.Stdout, os.Stderr))
}

// options are the parsed flags.
type options struct {
	demo        bool
	plainHTTP   demo.ListFlag
	from, to    string
	expect      string
	rollback    bool
	recordFile  string
	update      string
	updatePaths demo.ListFlag
}

// env is what a mode works with.
type env struct {
	ctx            context.Context
	connect        demo.Connector
	fs             *flag.FlagSet // parsed; fs.Visit lists the flags given
	stdout, stderr io.Writer
}

// A mode is one job of the program. run tries the modes in order; the
// first whose try reports done decides the exit status. Other files of
// the package add modes (and their flags) through extensions.
type mode struct {
	name string
	try  func(e env, o *options) (code int, done bool)
}

// extensions lets other files of this package add flags and modes: each
// function registers its flags on fs and returns its mode, which is tried
// before the built-in ones. A mode opens its registry with e.connect(
// o.demo, o.plainHTTP, e.stderr): a router to each reference's own host
// (or the demo registry), whose Backend gives one host's registry; it
// checks references with demo.Check before any write, and builds the
// options of a move with moveOptions.
var extensions []func(fs *flag.FlagSet) mode

// builtin are the modes of this file, tried in order; the last one takes
// whatever is left.
var builtin = []mode{
	{name: "rollback from a record", try: func(e env, o *options) (int, bool) {
		if !o.rollback || o.recordFile == "" {
			return 0, false
		}
		return rollbackRecord(e, o), true
	}},
	{name: "promote or roll back one channel", try: func(e env, o *options) (int, bool) {
		return moveChannel(e, o), true
	}},
}

const usageText = `usage: promote --from REF --to CHANNEL [--expect DIGEST] [--update FILE [--update-path PATH]...]
       promote --rollback --from OLDER-REF --to CHANNEL
       promote --rollback --record FILE
Points a channel tag at the image another tag or digest names, without a rebuild, and prints
the JSON record of what moved. The registry is the one REF names (docker.io when it names none),
with the credentials of your docker config; --demo uses an in-memory registry with demo images.

Exit status:
  0  done, or the channel already pointed there (nothing moved)
  1  the registry refused or failed (the record on stdout says which tags moved)
  2  bad input (flags, references, files); nothing was changed

Flags:
`

func run(ctx context.Context, args []string, connect demo.Connector, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("promote", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.demo, "demo", false, "work on an in-memory registry with demo images, served as "+demo.Host+" only")
	fs.Var(&o.plainHTTP, "plain-http", "speak plain HTTP to registry `HOST` (repeatable); loopback hosts always do")
	fs.StringVar(&o.from, "from", "", "source reference: a tag or digest, such as ghcr.io/acme/payment-api:v2.4.1")
	fs.StringVar(&o.to, "to", "", "channel tag to move, such as staging or production")
	fs.StringVar(&o.expect, "expect", "", "digest the channel must point at now; refuse if another promoter moved it.\n"+
		"On a real registry the check and the write are two requests (the OCI API has no conditional\n"+
		"write): it stops a promoter who saw an old state, not one racing within milliseconds")
	fs.BoolVar(&o.rollback, "rollback", false, "roll back: point --to at the older --from, or undo the record given with --record")
	fs.StringVar(&o.recordFile, "record", "", "with --rollback: a JSON record printed by an earlier run")
	fs.StringVar(&o.update, "update", "", "Kubernetes manifest or Compose file whose images naming the --to channel of this\n"+
		"repository are pinned to the promoted digest; checked before anything moves")
	fs.Var(&o.updatePaths, "update-path", "with --update: also pin the image at `PATH`, as listed in errors\n"+
		"(such as \"Deployment/web: spec.template.spec.containers[0].image\"; repeatable)")
	modes := make([]mode, 0, len(extensions)+len(builtin))
	for _, ext := range extensions {
		modes = append(modes, ext(fs))
	}
	modes = append(modes, builtin...)
	if code, stop := demo.Parse(fs, args, stdout, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "unexpected argument %q: promote takes flags only (see promote --help)", fs.Arg(0))
	}
	e := env{ctx: ctx, connect: connect, fs: fs, stdout: stdout, stderr: stderr}
	for _, m := range modes {
		if code, done := m.try(e, &o); done {
			return code
		}
	}
	return usageError(stderr, "nothing to do (see promote --help)")
}

// usageError prints a bad-input message and returns the status for it.
func usageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "promote: "+format+"\n", a...)
	return demo.ExitUsage
}

// failure prints an error of the registry or the file system and returns
// the status for it.
func failure(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "promote:", demo.Message(err))
	return demo.ExitFailed
}
