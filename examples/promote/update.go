package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/examples/internal/manifest"
	"github.com/imagetags/imagetags/reference"
)

// updatePlan is the rewrite of one manifest file, checked before the
// registry is touched and written after the move.
type updatePlan struct {
	path    string
	data    []byte
	images  []manifest.Image
	targets map[int]bool // indexes into images of the values to pin
	channel string
	out     []byte
	changed int
}

// planUpdate reads the file at path and chooses the images to pin: those
// of src's repository that name the channel tag (with or without a
// digest), and those at the given paths, which must be of src's
// repository too. Nothing else in the file is touched: not an image of
// the same repository on another tag (a staging CronJob, a sidecar on an
// older version).
func planUpdate(path string, src reference.Reference, channel string, paths []string) (*updatePlan, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := newPlan(path, data, src, channel, paths)
	if err != nil {
		return nil, err
	}
	if err := checkWritable(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// newPlan chooses the images to pin in data, the content of the file at
// path; see planUpdate.
func newPlan(path string, data []byte, src reference.Reference, channel string, paths []string) (*updatePlan, error) {
	images, err := manifest.Find(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := &updatePlan{path: path, data: data, images: images, targets: map[int]bool{}, channel: channel}
	repo := src.NameOnly().Familiar()
	var same []string // paths of images of the same repository, for messages
	for i, img := range images {
		r, err := reference.Parse(img.Value)
		if err != nil || r.Name() != src.Name() {
			continue
		}
		same = append(same, fmt.Sprintf("%s (line %d: %s)", img.Path, img.Line, img.Value))
		if r.Tag() == channel {
			p.targets[i] = true
		}
	}
	for _, want := range paths {
		i := slices.IndexFunc(images, func(img manifest.Image) bool { return img.Path == want })
		if i < 0 {
			return nil, fmt.Errorf("%s: --update-path %q: no image at that path; images of %s: %s", path, want, repo, listOrNone(same))
		}
		r, err := reference.Parse(images[i].Value)
		if err != nil || r.Name() != src.Name() {
			return nil, fmt.Errorf("%s: --update-path %q is %s, not an image of %s", path, want, images[i].Value, repo)
		}
		p.targets[i] = true
	}
	if len(p.targets) == 0 {
		return nil, fmt.Errorf("%s: no image of %s names the tag %q, and no --update-path was given; images of %s: %s",
			path, repo, channel, repo, listOrNone(same))
	}
	return p, nil
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

// prepare makes the rewrite that pins every target to channel@d, and
// verifies it: the result parses, holds the same images in the same
// places, and differs only in the targets' values.
func (p *updatePlan) prepare(d digest.Digest) error {
	want := make(map[int]string, len(p.targets))
	for i := range p.targets {
		v, err := pinned(p.images[i].Value, p.channel, d)
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", p.path, p.images[i].Line, err)
		}
		want[i] = v
	}
	type place struct {
		path, value string
		line        int
	}
	index := make(map[place]int, len(p.images))
	for i, img := range p.images {
		index[place{img.Path, img.Value, img.Line}] = i
	}
	out, n, err := manifest.Rewrite(p.data, p.images, func(img manifest.Image) (string, bool) {
		i, ok := index[place{img.Path, img.Value, img.Line}]
		if !ok {
			return "", false
		}
		v, ok := want[i]
		return v, ok
	})
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	again, err := manifest.Find(out)
	if err != nil {
		return fmt.Errorf("%s: the rewritten file does not parse (%v); nothing was changed", p.path, err)
	}
	if len(again) != len(p.images) {
		return fmt.Errorf("%s: the rewrite would change the file's images beyond the ones to pin; nothing was changed", p.path)
	}
	for i, img := range again {
		expect := p.images[i].Value
		if v, ok := want[i]; ok {
			expect = v
		}
		if img.Value != expect || img.Path != p.images[i].Path {
			return fmt.Errorf("%s: line %d: after the rewrite %s would read %q instead of %q (an alias or anchor shared with another image?); nothing was changed",
				p.path, img.Line, img.Path, img.Value, expect)
		}
	}
	p.out, p.changed = out, n
	return nil
}

// pinned returns value rewritten to channel@d, in the same spelling
// (short or fully qualified).
func pinned(value, channel string, d digest.Digest) (string, error) {
	r, err := reference.Parse(value)
	if err != nil {
		return "", err
	}
	tagged, err := r.NameOnly().WithTag(channel)
	if err != nil {
		return "", err
	}
	pin, err := tagged.WithDigest(d)
	if err != nil {
		return "", err
	}
	if value == r.Familiar() {
		return pin.Familiar(), nil
	}
	return pin.String(), nil
}

// write replaces the file with the prepared rewrite; it returns how many
// values changed (zero: nothing to write).
func (p *updatePlan) write() (int, error) {
	if p.out == nil {
		return 0, errors.New("internal error: the rewrite was not prepared")
	}
	if p.changed == 0 {
		return 0, nil
	}
	// The file is replaced atomically, keeping its mode, and only if it
	// still holds what was read and checked.
	return p.changed, manifest.WriteFile(p.path, p.data, p.out)
}

// checkWritable reports whether a new file can be made in dir, where the
// atomic write puts its temporary file.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".promote-check-*")
	if err != nil {
		return fmt.Errorf("cannot write next to it: %w", err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
