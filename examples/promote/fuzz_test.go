package main

import (
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/examples/internal/manifest"
	"github.com/imagetags/imagetags/reference"
)

// FuzzUpdatePlan feeds --update arbitrary files: choosing and preparing
// the rewrite never panics, and a rewrite it accepts reads back with
// exactly the chosen images changed, to the pinned value, and every other
// image as it was.
func FuzzUpdatePlan(f *testing.F) {
	for _, seed := range []string{
		deployDoc,
		"services:\n  api:\n    image: registry.example.com/acmecorp/payment-api:production\n",
		"services:\n  api:\n    image: 'registry.example.com/acmecorp/payment-api:production' # pinned\n",
		"base: &img registry.example.com/acmecorp/payment-api:production\nservices:\n  a:\n    image: *img\n  b:\n    image: *img\n",
		"kind: Pod\nspec:\n  containers: [{name: a, image: \"registry.example.com/acmecorp/payment-api:production\"}]\n",
		"\ufeffservices:\n  api:\n    image: registry.example.com/acmecorp/payment-api:production\n",
	} {
		f.Add([]byte(seed))
	}
	src := reference.MustParse(app + ":v2.4.1")
	d := digest.FromString("fuzz")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := newPlan("deploy.yaml", data, src, "production", nil)
		if err != nil {
			return
		}
		if err := p.prepare(d); err != nil {
			if !strings.HasPrefix(err.Error(), "deploy.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		again, err := manifest.Find(p.out)
		if err != nil {
			t.Fatalf("accepted a rewrite that does not parse: %v", err)
		}
		if len(again) != len(p.images) {
			t.Fatalf("accepted a rewrite with %d images, want %d", len(again), len(p.images))
		}
		for i, img := range again {
			want := p.images[i].Value
			if p.targets[i] {
				want, _ = pinned(p.images[i].Value, "production", d)
			}
			if img.Value != want {
				t.Fatalf("image %d reads %q, want %q", i, img.Value, want)
			}
		}
		if p.changed == 0 && string(p.out) != string(data) {
			t.Fatal("nothing changed, yet the bytes differ")
		}
	})
}
