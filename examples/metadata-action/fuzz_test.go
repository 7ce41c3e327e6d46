package main

import (
	"strings"
	"testing"
)

// FuzzGitRef feeds gitRef arbitrary decorations of a detached HEAD (the
// output of git show -s --pretty=%D) and tag lists: it must return a ref
// under refs/ or an error, never panic.
func FuzzGitRef(f *testing.F) {
	for _, s := range []string{"HEAD, tag: v1.0.0, origin/main", "HEAD, pull/7/merge", "grafted, HEAD, origin/feature/x", "HEAD", "HEAD, origin/a, b", "main"} {
		f.Add(s, "refs/tags/v1.0.0\nrefs/tags/v1.0")
	}
	f.Fuzz(func(t *testing.T, deco, tags string) {
		git := func(args ...string) (string, error) {
			switch args[0] {
			case "branch":
				return "", nil
			case "show":
				return deco, nil
			case "for-each-ref":
				if args[len(args)-1] == "refs/tags/" {
					return tags, nil
				}
				return "", nil
			case "tag":
				return "", nil
			}
			return "", nil
		}
		ref, err := gitRef(git)
		if err == nil && !strings.HasPrefix(ref, "refs/") {
			t.Fatalf("ref %q from %q", ref, deco)
		}
	})
}
