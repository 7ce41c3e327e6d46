// Command quickstart is a short tour of imagetags: it parses and normalizes
// a few image references the way a release pipeline or a policy checker
// would see them.
//
//	go run ./examples/quickstart
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	fmt.Fprintln(w, "== references: one canonical form for every way of writing an image")
	for _, s := range []string{
		"ubuntu:20.04",
		"acmecorp/payment-api:v2.4.1",
		"registry.corp:5000/company/department/software:3",
		"ghcr.io/acme/payment-api:v2.4.1@sha256:9c1e3a5b7d2f8e4a6c0b2d4f6a8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d",
	} {
		r, err := reference.Parse(s)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n    canonical %s\n    registry=%s repository=%s pulls=%s pinned=%t\n",
			s, r, r.Registry(), r.Repository(), r.TagOrLatest(), r.IsPinned())
	}
	if _, err := reference.Parse("acme/Payment-API:latest"); err != nil {
		fmt.Fprintln(w, "rejected:", err)
	}

	fmt.Fprintln(w, "\n== tagging: build once, tag many (acmecorp/payment-api v2.4.1, commit a3f2c8d)")
	set, err := tagging.Derive(tagging.Facts{
		Version: "v2.4.1",
		Commit:  "a3f2c8d91e44b7e1a4c52f0d3b9e8a7c6d5e4f30",
		// A hotfix of the 2.4 line after 2.5.0: 2.4 moves, 2 and latest stay on 2.5.0.
		ExistingTags: []string{"2.4.0", "2.5.0", "2.5", "2", "latest"},
	}, tagging.DefaultScheme())
	if err != nil {
		return err
	}
	for _, t := range set.Tags {
		fmt.Fprintf(w, "  %-12s %-9s %-11s %s\n", t.Name, t.Class.Kind, t.Class.Form, t.Why)
	}
	for _, s := range set.Skipped {
		fmt.Fprintf(w, "  %-12s (not emitted: %s)\n", s.Tag, s.Reason)
	}
	for _, tag := range []string{"20.04", "rolling", "main-a3f2c8d", "final2"} {
		fmt.Fprintln(w, " ", tagging.Classify(tag).Explain())
	}
	return nil
}
