package tagging

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/imagetags/imagetags/reference"
)

// DefaultBakeTarget is the bake target name BakeFile uses when given none,
// the same as docker/metadata-action's, so existing bake files that
// inherit from it keep working.
const DefaultBakeTarget = "docker-metadata-action"

// Refs returns the full reference of every tag on every image, images in
// the order given and tags in set order: "ghcr.io/acme/app:2.4.1". An
// image is a repository name as it should appear, such as
// "ghcr.io/acme/app" or "acme/app", without tag or digest. With no images,
// Refs returns the bare tags. The slice is the caller's.
func (s Set) Refs(images ...string) ([]string, error) {
	if err := checkImages(images); err != nil {
		return nil, err
	}
	if len(images) == 0 {
		return s.Names(), nil
	}
	out := make([]string, 0, len(images)*len(s.Tags))
	for _, im := range images {
		for _, t := range s.Tags {
			out = append(out, im+":"+t.Name)
		}
	}
	return out, nil
}

// checkImages validates repository names with reference.Parse.
func checkImages(images []string) error {
	for _, im := range images {
		r, err := reference.Parse(im)
		if err != nil {
			return &Error{Rule: "images", Input: im, Reason: "is not a repository name", Err: ErrInvalidInput, Cause: err}
		}
		if r.HasTag() || r.IsPinned() {
			return &Error{Rule: "images", Input: im, Reason: "has a tag or digest; give the repository name only, such as ghcr.io/acme/app", Err: ErrInvalidInput}
		}
	}
	return nil
}

// Lines returns one reference per line (see Refs), each line ending in a
// newline, as metadata-action's tags output.
func (s Set) Lines(images ...string) (string, error) {
	refs, err := s.Refs(images...)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, r := range refs {
		b.WriteString(r)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// DockerArgs returns the arguments for docker build (or docker buildx
// build): "-t" and a reference for every tag on every image, then
// "--label" and "key=value" for every label, keys sorted. It needs at
// least one image. The arguments are separate strings for exec, not a
// shell line, so values need no quoting.
func (s Set) DockerArgs(images ...string) ([]string, error) {
	if len(images) == 0 {
		return nil, &Error{Rule: "images", Input: "", Reason: "docker build needs at least one image name", Err: ErrInvalidInput}
	}
	refs, err := s.Refs(images...)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, 2*len(refs)+2*len(s.Labels))
	for _, r := range refs {
		out = append(out, "-t", r)
	}
	for _, k := range sortedKeys(s.Labels) {
		out = append(out, "--label", k+"="+s.Labels[k])
	}
	return out, nil
}

// metaJSON is the shape of metadata-action's json output.
type metaJSON struct {
	Tags        []string          `json:"tags"`
	Labels      map[string]string `json:"labels"`
	Annotations []string          `json:"annotations"`
}

// JSON returns the set in the shape of docker/metadata-action's json
// output: {"tags": [references], "labels": {key: value}, "annotations":
// ["manifest:key=value", …]}, annotations sorted by key.
func (s Set) JSON(images ...string) ([]byte, error) {
	refs, err := s.Refs(images...)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(metaJSON{Tags: refs, Labels: nonNil(s.Labels), Annotations: s.annotationLines()}, "", "  ")
}

// bakeTarget is one target of a buildx bake file.
type bakeTarget struct {
	Tags        []string          `json:"tags"`
	Labels      map[string]string `json:"labels"`
	Annotations []string          `json:"annotations"`
	Args        map[string]string `json:"args"`
}

// BakeFile returns a docker buildx bake file in JSON form with one target
// holding the tags, labels and annotations, and the args
// DOCKER_META_IMAGES (images joined with ",") and DOCKER_META_VERSION
// (the set's Version), like metadata-action's bake-file output. An empty
// target means DefaultBakeTarget.
func (s Set) BakeFile(target string, images ...string) ([]byte, error) {
	if target == "" {
		target = DefaultBakeTarget
	}
	refs, err := s.Refs(images...)
	if err != nil {
		return nil, err
	}
	file := map[string]map[string]bakeTarget{"target": {target: {
		Tags:        refs,
		Labels:      nonNil(s.Labels),
		Annotations: s.annotationLines(),
		Args: map[string]string{
			"DOCKER_META_IMAGES":  strings.Join(images, ","),
			"DOCKER_META_VERSION": s.Version,
		},
	}}}
	return json.MarshalIndent(file, "", "  ")
}

// annotationLines renders the annotations as "manifest:key=value", sorted.
func (s Set) annotationLines() []string {
	out := make([]string, 0, len(s.Annotations))
	for _, k := range sortedKeys(s.Annotations) {
		out = append(out, "manifest:"+k+"="+s.Annotations[k])
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
