package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/imagetags/imagetags/tagging"
)

// write prints the set in the chosen format.
func write(w io.Writer, o options, set tagging.Set) error {
	images := []string(o.images)
	switch o.format {
	case "lines":
		s, err := set.Lines(images...)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, s)
		return err
	case "docker":
		args, err := set.DockerArgs(images...)
		if err != nil {
			return err
		}
		for i, a := range args {
			if i > 0 {
				io.WriteString(w, " ")
			}
			io.WriteString(w, shellQuote(a))
		}
		_, err = io.WriteString(w, "\n")
		return err
	case "json":
		b, err := set.JSON(images...)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "bake":
		b, err := set.BakeFile(o.bakeTarget, images...)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "github":
		return githubOutput(w, set, images)
	case "set":
		return writeSet(w, set)
	}
	return fmt.Errorf("unknown --format %q (want lines, docker, json, bake, github or set)", o.format)
}

// formats are the values --format takes.
var formats = []string{"lines", "docker", "json", "bake", "github", "set"}

func validFormat(f string) bool { return slices.Contains(formats, f) }

// writeSet prints the set for a person: each tag with its kind, form and
// reason, the tags not emitted and why, and the labels.
func writeSet(w io.Writer, set tagging.Set) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, t := range set.Tags {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Kind, t.Form, t.Why)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(set.Skipped) > 0 {
		fmt.Fprintln(w, "\nnot emitted:")
		for _, s := range set.Skipped {
			what := s.Tag
			if what == "" {
				what = "(" + s.Rule + ")"
			}
			fmt.Fprintf(tw, "  %s\t%s\n", what, s.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(set.Labels) > 0 {
		fmt.Fprintln(w, "\nlabels:")
		for _, k := range slices.Sorted(maps.Keys(set.Labels)) {
			fmt.Fprintf(w, "  %s=%s\n", k, set.Labels[k])
		}
	}
	return nil
}

// githubOutput writes the step outputs tags, labels and version in the
// multi-line syntax of $GITHUB_OUTPUT.
func githubOutput(w io.Writer, set tagging.Set, images []string) error {
	tags, err := set.Lines(images...)
	if err != nil {
		return err
	}
	var labels strings.Builder
	for _, k := range slices.Sorted(maps.Keys(set.Labels)) {
		labels.WriteString(k + "=" + set.Labels[k] + "\n")
	}
	delim := "IMAGETAGS_EOF"
	for strings.Contains(tags+labels.String(), delim) {
		delim += "_"
	}
	_, err = fmt.Fprintf(w, "version=%s\ntags<<%s\n%s%s\nlabels<<%s\n%s%s\n", set.Version, delim, tags, delim, delim, labels.String(), delim)
	return err
}

// shellQuote quotes a for a POSIX shell when it needs it, so the printed
// command line reaches docker build intact when pasted into bash or sh:
// inside single quotes nothing is special but the quote itself.
func shellQuote(a string) string {
	if a != "" && strings.IndexFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+", r))
	}) < 0 {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
