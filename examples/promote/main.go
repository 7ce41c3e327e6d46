// Command promote is a promotion bot: it points a channel tag (staging,
// production) at the image another tag or digest names, without
// rebuilding, and prints the JSON record of what moved: release notes and
// audit trail in one.
//
//	promote --from acmecorp/payment-api:v2.4.1 --to production
//	promote --from acmecorp/payment-api:v2.4.1 --to production --expect sha256:…   # only if production is still there
//	promote --rollback --from acmecorp/payment-api:v2.4.0 --to production
//	promote --rollback --record last-promotion.json                                # undo a recorded promotion
//	promote --from … --to production --update deploy.yaml                          # and pin the manifest to the digest
//
// Without --registry it works on an in-memory registry seeded with a demo
// catalogue. Tags that name one build (1.2.3, sha-a3f2c8d, build-42) are
// never moved. Exit status: 0 on success, 1 when the registry refused the
// change, 2 on bad input.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/examples/internal/manifest"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], demo.Open, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, open demo.Opener, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("promote", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: promote --from REF --to CHANNEL [--expect DIGEST] [--update FILE]")
		fmt.Fprintln(stderr, "       promote --rollback --from OLDER-REF --to CHANNEL")
		fmt.Fprintln(stderr, "       promote --rollback --record FILE")
		fmt.Fprintln(stderr, "Points a channel tag at the image another tag or digest names and prints the JSON record.")
		fs.PrintDefaults()
	}
	host := fs.String("registry", "", "registry host to work on (default: an in-memory registry with demo images)")
	from := fs.String("from", "", "source reference: a tag or digest, such as acmecorp/payment-api:v2.4.1")
	to := fs.String("to", "", "channel tag to move, such as staging or production, or a full destination reference such as registry.prod.example/team/app:production")
	expect := fs.String("expect", "", "digest the channel must point at now (refuse if another promoter moved it)")
	rollback := fs.Bool("rollback", false, "roll back: point --to at the older --from, or undo the record given with --record")
	recordFile := fs.String("record", "", "with --rollback: a JSON record printed by an earlier run")
	update := fs.String("update", "", "Kubernetes manifest whose image of this repository is rewritten to the promoted digest")
	cross := addCrossFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "promote: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}

	opts := []promote.Option{promote.WithImmutable(func(tag string) bool {
		return tagging.Classify(tag).Kind == tagging.Immutable
	})}
	if *expect != "" {
		d, err := digest.Parse(*expect)
		if err != nil {
			return usage("--expect %q: %v", *expect, err)
		}
		opts = append(opts, promote.ExpectCurrent(d))
	}

	if code, done := cross.handle(ctx, fs, opts, open, stdout, stderr); done {
		return code
	}
	var (
		src reference.Reference
		rec promote.Record
		err error
	)
	switch {
	case *rollback && *recordFile != "":
		if *from != "" || *to != "" {
			return usage("--record replaces --from and --to")
		}
		if *expect != "" || *update != "" {
			return usage("--record undoes the record's own moves; it takes neither --expect nor --update")
		}
		data, err := os.ReadFile(*recordFile)
		if err != nil {
			return usage("%v", err)
		}
		var old promote.Record
		if err := json.Unmarshal(data, &old); err != nil {
			return usage("%s: not a record: %v", *recordFile, err)
		}
		reg, err := open(*host)
		if err != nil {
			return usage("%v", err)
		}
		rec, err = promote.Rollback(ctx, reg, old, opts...)
		return finish(stdout, stderr, rec, err)
	case *from == "" || *to == "":
		return usage("--from and --to are required (see --help)")
	}
	if src, err = reference.Parse(*from); err != nil {
		return usage("--from: %v", err)
	}
	if err := reference.ValidateTag(*to); err != nil {
		return usage("--to: %v", err)
	}
	if c := tagging.Classify(*to); c.Kind == tagging.Immutable {
		fmt.Fprintf(stderr, "promote: refusing to move %q: %s, so it must always name the same image; promote to a channel tag such as staging or production\n", *to, c.Explain())
		return 1
	}
	reg, err := open(*host)
	if err != nil {
		return usage("%v", err)
	}
	if *rollback {
		rec, err = promote.RollbackTo(ctx, reg, src, *to, opts...)
	} else {
		rec, err = promote.Promote(ctx, reg, src, *to, opts...)
	}
	if code := finish(stdout, stderr, rec, err); code != 0 || *update == "" {
		return code
	}
	n, err := pinManifest(*update, src, *to, rec.Digest)
	if err != nil {
		fmt.Fprintln(stderr, "promote: --update:", err)
		return 1
	}
	if n == 0 {
		fmt.Fprintf(stderr, "promote: %s already pins %s\n", *update, rec.Digest)
		return 0
	}
	fmt.Fprintf(stderr, "promote: pinned %d image reference(s) in %s to %s\n", n, *update, rec.Digest)
	return 0
}

// finish prints the record and maps the error to an exit status.
func finish(stdout, stderr io.Writer, rec promote.Record, err error) int {
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
		if errors.Is(err, promote.ErrTagImmutable) {
			fmt.Fprintln(stderr, "promote: the registry protects that tag; promote to a channel tag instead")
		}
		return 1
	}
	return 0
}

// pinManifest rewrites, in the Kubernetes manifest at path, every image of
// src's repository to repository:channel@digest, leaving the rest of the
// file untouched.
func pinManifest(path string, src reference.Reference, channel string, d digest.Digest) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	images, err := manifest.Find(data)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	matched := 0
	out, n, err := manifest.Rewrite(data, images, func(img manifest.Image) (string, bool) {
		r, err := reference.Parse(img.Value)
		if err != nil || r.Name() != src.Name() {
			return "", false
		}
		matched++
		tagged, err := r.WithTag(channel)
		if err != nil {
			return "", false
		}
		pinned, err := tagged.WithDigest(d)
		if err != nil {
			return "", false
		}
		if img.Value == r.Familiar() {
			return pinned.Familiar(), true
		}
		return pinned.String(), true
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if matched == 0 {
		return 0, fmt.Errorf("%s has no image of %s", path, src.Name())
	}
	if n == 0 {
		return 0, nil // already pinned to this digest
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return n, os.WriteFile(path, out, info.Mode().Perm())
}
