package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

// protect is the option every move takes: a tag that names one build is
// never moved.
var protect = promote.WithImmutable(func(tag string) bool {
	return tagging.Classify(tag).Kind == tagging.Immutable
})

// moveOptions are the options of a move the flags ask for: version and
// commit tags are never moved, and --expect is the precondition.
func moveOptions(o *options) ([]promote.Option, error) {
	opts := []promote.Option{protect}
	if o.expect != "" {
		d, err := digest.Parse(o.expect)
		if err != nil {
			return nil, fmt.Errorf("--expect %q: want a digest such as sha256:<64 hex digits>", o.expect)
		}
		opts = append(opts, promote.ExpectCurrent(d))
	}
	return opts, nil
}

// rollbackRecord undoes the moves of a record an earlier run printed.
func rollbackRecord(e env, o *options) int {
	if o.from != "" || o.to != "" {
		return usageError(e.stderr, "--record replaces --from and --to; give one or the other")
	}
	if o.expect != "" || o.update != "" || len(o.updatePaths) > 0 {
		return usageError(e.stderr, "--record undoes the record's own moves; it takes neither --expect nor --update")
	}
	data, err := os.ReadFile(o.recordFile)
	if err != nil {
		return usageError(e.stderr, "--record: %v", err)
	}
	var old promote.Record
	if err := json.Unmarshal(data, &old); err != nil {
		return usageError(e.stderr, "--record %s: %s", o.recordFile, demo.JSONError(err, "the JSON record an earlier promote printed"))
	}
	if old.Operation == "" || old.Repository == "" {
		return usageError(e.stderr, "--record %s: want the JSON record an earlier promote printed, with operation, repository, digest and tags", o.recordFile)
	}
	repo, err := reference.Parse(old.Repository)
	if err != nil {
		return usageError(e.stderr, "--record %s: repository %q: %v", o.recordFile, old.Repository, err)
	}
	reg, err := e.connect(o.demo, o.plainHTTP, e.stderr)
	if err != nil {
		return usageError(e.stderr, "%v", err)
	}
	if err := demo.Check(reg, "--record", repo); err != nil {
		return usageError(e.stderr, "%v", err)
	}
	backend, err := reg.Backend(repo)
	if err != nil {
		return failure(e.stderr, err)
	}
	rec, err := promote.Rollback(e.ctx, backend, old, protect)
	return finish(e.stdout, e.stderr, rec, err)
}

// moveChannel promotes, or rolls back, one channel tag, and pins the
// manifest given with --update.
func moveChannel(e env, o *options) int {
	if o.from == "" || o.to == "" {
		return usageError(e.stderr, "--from and --to are required (see promote --help)")
	}
	if len(o.updatePaths) > 0 && o.update == "" {
		return usageError(e.stderr, "--update-path needs --update FILE")
	}
	src, err := reference.Parse(o.from)
	if err != nil {
		return usageError(e.stderr, "--from %q: %v", o.from, demo.Message(err))
	}
	if err := reference.ValidateTag(o.to); err != nil {
		return usageError(e.stderr, "--to %q: %v", o.to, demo.Message(err))
	}
	if c := tagging.Classify(o.to); c.Kind == tagging.Immutable {
		return usageError(e.stderr, "--to %q: refusing to move it: %s, so it must always name the same image; promote to a channel tag such as staging or production", o.to, c.Explain())
	}
	opts, err := moveOptions(o)
	if err != nil {
		return usageError(e.stderr, "%v", err)
	}
	var plan *updatePlan
	if o.update != "" {
		// Everything the file needs is checked before the registry is
		// touched: it exists, parses, has the images to pin, and its
		// folder takes a new file.
		if plan, err = planUpdate(o.update, src, o.to, o.updatePaths); err != nil {
			return usageError(e.stderr, "--update %v", err)
		}
	}

	reg, err := e.connect(o.demo, o.plainHTTP, e.stderr)
	if err != nil {
		return usageError(e.stderr, "%v", err)
	}
	if err := demo.Check(reg, "--from", src); err != nil {
		return usageError(e.stderr, "%v", err)
	}
	backend, err := reg.Backend(src)
	if err != nil {
		return failure(e.stderr, err)
	}
	if plan != nil {
		// Resolve once and move exactly that digest, so the file is
		// pinned to what the channel was pointed at, even if --from's tag
		// moves in between; the rewrite is made and verified before the
		// move.
		desc, err := backend.Resolve(e.ctx, src)
		if err != nil {
			return failure(e.stderr, fmt.Errorf("--from %s: %w", src.Familiar(), err))
		}
		if err := plan.prepare(desc.Digest); err != nil {
			return usageError(e.stderr, "--update %v", err)
		}
		if src, err = src.WithDigest(desc.Digest); err != nil {
			return failure(e.stderr, err)
		}
	}
	var rec promote.Record
	if o.rollback {
		rec, err = promote.RollbackTo(e.ctx, backend, src, o.to, opts...)
	} else {
		rec, err = promote.Promote(e.ctx, backend, src, o.to, opts...)
	}
	if code := finish(e.stdout, e.stderr, rec, err); code != 0 || plan == nil {
		return code
	}
	n, err := plan.write()
	if err != nil {
		fmt.Fprintf(e.stderr, "promote: %s points at %s, but --update %s was not written: %v\n", o.to, rec.Digest, o.update, err)
		return demo.ExitFailed
	}
	if n == 0 {
		fmt.Fprintf(e.stderr, "promote: %s already pins %s\n", o.update, rec.Digest)
		return demo.ExitOK
	}
	fmt.Fprintf(e.stderr, "promote: pinned %d image reference(s) in %s to %s\n", n, o.update, rec.Digest)
	return demo.ExitOK
}

// finish prints the record and maps the error to an exit status. A
// failure before any tag was looked at (the source could not be resolved)
// has no record to print.
func finish(stdout, stderr io.Writer, rec promote.Record, err error) int {
	if rec.Operation != "" && (err == nil || len(rec.Tags) > 0) {
		b, jerr := json.MarshalIndent(rec, "", "  ")
		if jerr != nil {
			return failure(stderr, jerr)
		}
		fmt.Fprintf(stdout, "%s\n", b)
	}
	if err != nil {
		code := failure(stderr, err)
		if errors.Is(err, promote.ErrTagImmutable) {
			fmt.Fprintln(stderr, "promote: the registry protects that tag; promote to a channel tag instead")
		}
		return code
	}
	return demo.ExitOK
}
