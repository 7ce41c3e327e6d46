package promote_test

import (
	"context"
	"testing"

	"oras.land/oras-go/v2"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/reference"
)

// BenchmarkCopy measures Copy of a signed two-platform index between two
// in-memory registries, first to an empty destination and then as a
// re-run that finds everything in place, against oras-go's own Copy of
// the same image (which finds no referrers and sets no preconditions):
// the price of discovery, verification and the record.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	src := memory.New()
	signedImage(b, src, "team/app")
	from := reference.MustParse("s.test/team/app:1.0.0")
	to := reference.MustParse("d.test/team/app:1.0.0")

	b.Run("promote.Copy/empty destination", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := promote.Copy(ctx, src, from, memory.New(), to, promote.CopyOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("oras.Copy/empty destination", func(b *testing.B) {
		b.ReportAllocs()
		st, _ := src.ContentTarget(from)
		for b.Loop() {
			dt, _ := memory.New().ContentTarget(to)
			if _, err := oras.Copy(ctx, st, "1.0.0", dt, "1.0.0", oras.DefaultCopyOptions); err != nil {
				b.Fatal(err)
			}
		}
	})
	dst := memory.New()
	if _, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{}); err != nil {
		b.Fatal(err)
	}
	b.Run("promote.Copy/re-run", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := promote.Copy(ctx, src, from, dst, to, promote.CopyOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("oras.Copy/re-run", func(b *testing.B) {
		b.ReportAllocs()
		st, _ := src.ContentTarget(from)
		dt, _ := dst.ContentTarget(to)
		for b.Loop() {
			if _, err := oras.Copy(ctx, st, "1.0.0", dt, "1.0.0", oras.DefaultCopyOptions); err != nil {
				b.Fatal(err)
			}
		}
	})
}
