package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

// withRegistry derives the set against the tags the --image repositories
// have, then prints it (--read-tags) or publishes it (--publish).
func withRegistry(ctx context.Context, o options, facts tagging.Facts, scheme tagging.Scheme, env environment, stdout, stderr io.Writer) int {
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "release: "+format+"\n", a...)
		return demo.ExitUsage
	}
	var d digest.Digest
	if o.publish != "" {
		var err error
		if d, err = digest.Parse(o.publish); err != nil {
			return usage("--publish %q: want a digest such as sha256:<64 hex digits>", o.publish)
		}
	}
	if len(o.images) == 0 {
		if o.publish != "" {
			return usage("--publish needs at least one --image")
		}
		return usage("--read-tags needs at least one --image")
	}
	var repos []reference.Reference
	for _, im := range o.images {
		r, err := reference.Parse(im)
		if err == nil && (r.HasTag() || r.IsPinned()) {
			err = errors.New("give the repository name only, without tag or digest")
		}
		if err != nil {
			return usage("--image %q: %s", im, demo.Message(err))
		}
		repos = append(repos, r)
	}
	reg, err := env.connect(o.demo, o.plainHTTP, stderr)
	if err != nil {
		return usage("%s", demo.Message(err))
	}
	for _, r := range repos {
		if err := demo.Check(reg, "--image", r); err != nil {
			return usage("%s", err)
		}
	}
	set, err := promote.DeriveAgainst(ctx, reg, facts, scheme, repos...)
	if err != nil {
		fmt.Fprintln(stderr, "release:", demo.Message(err))
		return demo.ExitFailed
	}
	if err := nonEmpty(set, facts); err != nil {
		return usage("%s", demo.Message(err))
	}
	if o.publish == "" {
		if err := write(stdout, o, set); err != nil {
			return usage("%s", demo.Message(err))
		}
		return demo.ExitOK
	}
	return publish(ctx, o, reg, repos, d, set, env, stdout, stderr)
}

// publish points the set's tags at the digest in every image repository
// and prints the records or the release notes.
func publish(ctx context.Context, o options, reg *remote.Router, repos []reference.Reference, d digest.Digest, set tagging.Set, env environment, stdout, stderr io.Writer) int {
	code := demo.ExitOK
	var records []promote.Record
	progress := demo.NewProgress(stderr, env.terminal, fmt.Sprintf("release: publishing %d tags: repository", len(set.Tags)))
	for i, repo := range repos {
		progress.Update(i, len(repos))
		src, err := repo.WithDigest(d)
		if err != nil {
			progress.Done()
			fmt.Fprintf(stderr, "release: --image %s: %s\n", repo.Familiar(), demo.Message(err))
			return demo.ExitUsage
		}
		backend, err := reg.Backend(src)
		if err == nil {
			var rec promote.Record
			rec, err = promote.Publish(ctx, backend, src, set.Names(), promote.WithClock(env.now),
				// A version or commit tag names one build: never move it.
				promote.WithImmutable(func(tag string) bool { return tagging.Classify(tag).Kind == tagging.Immutable }))
			if rec.Operation != "" && len(rec.Tags) > 0 {
				records = append(records, rec)
			}
		}
		if err != nil {
			progress.Done()
			fmt.Fprintln(stderr, "release:", demo.Message(err))
			code = demo.ExitFailed
		}
	}
	progress.Update(len(repos), len(repos))
	progress.Done()
	if o.notes {
		for _, rec := range records {
			writeNotes(stdout, rec, set)
		}
		return code
	}
	if records == nil {
		records = []promote.Record{}
	}
	b, err := json.MarshalIndent(records, "", "  ")
	if err != nil {
		fmt.Fprintln(stderr, "release:", err)
		return demo.ExitFailed
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
