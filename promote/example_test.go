package promote_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// short abbreviates a digest for printing.
func short(d fmt.Stringer) string {
	s := d.String()
	if len(s) > 19 {
		return s[:19]
	}
	return s
}

// newExampleRegistry seeds two builds of registry.example.com/team/app.
func newExampleRegistry() *memory.Registry {
	reg := memory.New()
	if _, err := reg.Seed(
		memory.Image{Repository: "team/app", Tags: []string{"1.4.0"}},
		memory.Image{Repository: "team/app", Tags: []string{"1.5.0"}},
	); err != nil {
		panic(err)
	}
	return reg
}

func ExamplePublish() {
	ctx := context.Background()
	reg := newExampleRegistry()
	build := reference.MustParse("registry.example.com/team/app:1.5.0")

	// Build once, tag many.
	rec, err := promote.Publish(ctx, reg, build, []string{"1.5", "1", "latest"},
		promote.WithClock(func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("moved:", rec.Moved())

	// Running it again writes nothing.
	again, _ := promote.Publish(ctx, reg, build, []string{"1.5", "1", "latest"})
	fmt.Println("moved the second time:", again.Moved())

	// The record is the release note.
	rec.Digest = rec.Digest[:19]
	for i := range rec.Tags {
		rec.Tags[i].Digest = rec.Tags[i].Digest[:19]
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rec)
	// Output:
	// moved: [1.5 1 latest]
	// moved the second time: []
	// {
	//   "operation": "publish",
	//   "repository": "registry.example.com/team/app",
	//   "source": "registry.example.com/team/app:1.5.0",
	//   "digest": "sha256:ce2a7b889ed3",
	//   "tags": [
	//     {
	//       "tag": "1.5",
	//       "digest": "sha256:ce2a7b889ed3",
	//       "moved": true,
	//       "basis": "swap"
	//     },
	//     {
	//       "tag": "1",
	//       "digest": "sha256:ce2a7b889ed3",
	//       "moved": true,
	//       "basis": "swap"
	//     },
	//     {
	//       "tag": "latest",
	//       "digest": "sha256:ce2a7b889ed3",
	//       "moved": true,
	//       "basis": "swap"
	//     }
	//   ],
	//   "time": "2026-11-23T12:00:00Z"
	// }
}

func ExamplePromote() {
	ctx := context.Background()
	reg := newExampleRegistry()
	app := reference.MustParse("registry.example.com/team/app")
	tag := func(t string) reference.Reference { r, _ := app.WithTag(t); return r }

	_, _ = promote.Promote(ctx, reg, tag("1.4.0"), "production")
	_, _ = promote.Promote(ctx, reg, tag("1.5.0"), "staging")

	// Staging passed its checks: promote what staging runs to production,
	// but only if production is still where we saw it.
	seen, _ := reg.Resolve(ctx, tag("production"))
	rec, err := promote.Promote(ctx, reg, tag("staging"), "production", promote.ExpectCurrent(seen.Digest))
	fmt.Println(rec.Tags[0].Tag, short(rec.Tags[0].Previous), "->", short(rec.Digest), "moved:", rec.Tags[0].Moved, "error:", err)

	// A second promoter holding the old view loses, and is told why.
	_, err = promote.Promote(ctx, reg, tag("1.4.0"), "production", promote.ExpectCurrent(seen.Digest))
	fmt.Println(errors.Is(err, promote.ErrPreconditionFailed))
	// Output:
	// production sha256:d9a0ab82b510 -> sha256:ce2a7b889ed3 moved: true error: <nil>
	// true
}

func ExampleRollback() {
	ctx := context.Background()
	reg := newExampleRegistry()
	app := reference.MustParse("registry.example.com/team/app")
	v140, _ := app.WithTag("1.4.0")
	v150, _ := app.WithTag("1.5.0")

	_, _ = promote.Publish(ctx, reg, v140, []string{"1", "latest"})
	release, _ := promote.Publish(ctx, reg, v150, []string{"1", "latest", "1.5"})

	// 1.5.0 misbehaves: undo exactly what its release did.
	back, err := promote.Rollback(ctx, reg, release)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range back.Tags {
		fmt.Printf("%s: %s -> %q\n", t.Tag, short(t.Previous), short(t.Digest))
	}
	// Output:
	// 1: sha256:ce2a7b889ed3 -> "sha256:d9a0ab82b510"
	// latest: sha256:ce2a7b889ed3 -> "sha256:d9a0ab82b510"
	// 1.5: sha256:ce2a7b889ed3 -> ""
}

func ExampleRollbackTo() {
	ctx := context.Background()
	reg := newExampleRegistry()
	app := reference.MustParse("registry.example.com/team/app")
	v140, _ := app.WithTag("1.4.0")
	v150, _ := app.WithTag("1.5.0")
	_, _ = promote.Promote(ctx, reg, v150, "production")

	// Thirty-second rollback: production goes back to the older tag.
	rec, err := promote.RollbackTo(ctx, reg, v140, "production")
	fmt.Println(rec.Operation, rec.Tags[0].Tag, "->", short(rec.Digest), err)
	// Output:
	// rollback production -> sha256:d9a0ab82b510 <nil>
}

func ExamplePin() {
	ctx := context.Background()
	reg := newExampleRegistry()
	pinned, err := promote.Pin(ctx, reg, reference.MustParse("registry.example.com/team/app:1.5.0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pinned.String()[:len("registry.example.com/team/app:1.5.0@sha256:ce2a7b889ed3")])
	fmt.Println(pinned.IsPinned())
	// Output:
	// registry.example.com/team/app:1.5.0@sha256:ce2a7b889ed3
	// true
}

func ExampleWithImmutablePatterns() {
	ctx := context.Background()
	reg := newExampleRegistry()
	v150 := reference.MustParse("registry.example.com/team/app:1.5.0")
	// Someone tagged 1.4.0 as v1.4.0 earlier; release tags never move.
	v140 := reference.MustParse("registry.example.com/team/app:1.4.0")
	_, _ = promote.Publish(ctx, reg, v140, []string{"v1.4.0"})

	rec, err := promote.Publish(ctx, reg, v150, []string{"v1.4.0", "edge"}, promote.WithImmutablePatterns("v*.*.*"))
	fmt.Println("moved:", rec.Moved(), "failed:", rec.Failed())
	fmt.Println(errors.Is(err, promote.ErrTagImmutable))
	// Output:
	// moved: [edge] failed: [v1.4.0]
	// true
}
