package main

import (
	"strings"
	"testing"
)

// FuzzParse feeds the workload-list parser arbitrary input: it never
// panics, every error names the input, and every entry it accepts has an
// image.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"- name: a\n  image: ubuntu:20.04\n  digest: sha256:" + strings.Repeat("a", 64) + "\n",
		`[{"name":"a","image":"ubuntu","prereleases":true,"tracking":"minor"}]`,
		"- name: a\n  imgae: x\n",
		"name: x\n",
		"- [1, 2]\n",
		"- &a {image: x}\n- *a\n",
		"- {image: x, image: y}\n",
		"",
		"- image: x\n  platformDigest: nope\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		works, err := parse("fleet.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fleet.yaml: ") {
				t.Fatalf("error does not name the input: %v", err)
			}
			if strings.Contains(err.Error(), "main.") {
				t.Fatalf("error names a Go type: %v", err)
			}
			return
		}
		if len(works) == 0 {
			t.Fatal("no error and no entries")
		}
		for i, w := range works {
			if w.Image == "" {
				t.Fatalf("entry %d accepted without an image", i+1)
			}
		}
	})
}
