// Package manifest finds container image references in Kubernetes
// manifests, Compose files and Dockerfiles, and rewrites them in place,
// leaving every other byte of the file as it was.
//
// YAML is read with a real YAML parser (go.yaml.in/yaml/v3), so comments,
// anchors, aliases, merge keys (<<: *base), tags, flow style and
// multi-document streams are understood. Dockerfiles are read by a small
// parser of their own that follows line continuations, the escape
// directive, stage names and ARG defaults.
//
// A rewrite edits the original bytes, then parses the result again and
// checks that exactly the intended values changed and that everything
// else — every other scalar, key, comment and document — is as it was.
// When the check fails the rewrite is refused and nothing is returned, so
// a caller never writes a file that was edited in the wrong place.
// WriteFile then replaces the file atomically.
//
// Files that are neither (a Helm values file, a UTF-16 file, a YAML
// document that is not a Kubernetes object or a Compose file) are refused
// with an error matching ErrUnsupported instead of being reported clean.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/imagetags/imagetags/reference"
)

// ErrUnsupported is matched (with errors.Is) by the errors of Find and
// FindFile for input this package does not read: a file type other than
// YAML or Dockerfile, a text encoding other than UTF-8, or a YAML document
// that is neither a Kubernetes object nor a Compose file.
var ErrUnsupported = errors.New("unsupported input")

// Format is the kind of file images were found in.
type Format int

// The formats Find and FindFile read.
const (
	// YAML is a stream of Kubernetes objects or a Compose file.
	YAML Format = iota + 1
	// Dockerfile is a Dockerfile or Containerfile.
	Dockerfile
)

// String returns "yaml" or "dockerfile".
func (f Format) String() string {
	switch f {
	case YAML:
		return "yaml"
	case Dockerfile:
		return "dockerfile"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Image is one image reference found in a file.
type Image struct {
	// Value is the reference as written, for example "nginx:1.27" or,
	// in a Compose file, "nginx:${TAG:-1.27}".
	Value string
	// Resolved is the reference Value stands for: Value itself, or, for a
	// Compose variable or a Dockerfile ARG, Value with the defaults
	// written in the file substituted ("nginx:1.27"). It is empty when
	// the reference cannot be known from the file alone; Unresolved then
	// says why.
	Resolved string
	// Unresolved says why Resolved is empty, for example
	// "uses ${TAG}, which has no default in the file".
	Unresolved string
	// Path says where it was found, for example
	// "Deployment/web: spec.template.spec.containers[0].image",
	// "services.api.image" or "FROM (stage 2, build)".
	Path string
	// Line is the 1-based line where the value is written: for an image
	// reached through an alias or a merge key, the line of the anchored
	// value, which is where a rewrite edits it.
	Line int
	// Via names the alias or merge key through which the image was
	// reached, such as "<<: *base (line 12)" or "*img (line 7)"; empty
	// when the value is written at Path itself.
	Via string

	format Format
	key    string // identifies the written value: same key, same bytes
	start  int    // byte range of the written value, quotes included
	end    int
	style  style
	// locErr says why the value cannot be rewritten in place (nil when it
	// can).
	locErr error
	// uses is how many places read the written value once aliases and
	// merge keys are expanded; extension is true when it is written under
	// a Compose extension field (x-…). Both are YAML only.
	uses      int
	extension bool
	node      *yaml.Node // while Find runs
}

type style int

const (
	plain style = iota
	doubleQuoted
	singleQuoted
	block
)

// Editable returns nil when Rewrite can change img in place, or an error
// saying why not: a block scalar, a value spread over several lines, a
// value built from variables, or one whose bytes could not be located
// exactly.
func (img Image) Editable() error {
	if img.locErr != nil {
		return img.locErr
	}
	if img.Resolved != img.Value {
		return fmt.Errorf("line %d: %s is built from variables (%s); edit the value or its default by hand", img.Line, img.Path, img.Value)
	}
	return nil
}

// Find returns the image references in data, a YAML stream of one or more
// Kubernetes objects or a Compose file, in file order. Kubernetes images are
// the "image" fields of items under containers, initContainers and
// ephemeralContainers at any depth (so Deployments, Jobs, CronJobs and
// custom resources embedding a pod template all work); Compose images are
// services.<name>.image. Aliases and merge keys are followed: an image a
// service inherits with <<: *base is reported for that service, located
// at the anchor where it is written.
//
// A document that is neither a Kubernetes object (it has a kind)
// nor a Compose file (services), and input that is not UTF-8, give an
// error matching ErrUnsupported. Empty documents are skipped.
func Find(data []byte) ([]Image, error) {
	return findYAML(data)
}

// FindFile returns the image references of the file called name (only its
// base name is looked at) whose contents are data: a Dockerfile when the
// name is Dockerfile or Containerfile, starts with "Dockerfile." or ends
// with ".dockerfile" or ".containerfile" (any case); YAML as read by Find
// when it ends with .yaml, .yml or .json. Any other name gives an error
// matching ErrUnsupported.
func FindFile(name string, data []byte) ([]Image, error) {
	switch DetectFormat(name) {
	case Dockerfile:
		return FindDockerfile(data)
	case YAML:
		return findYAML(data)
	}
	return nil, fmt.Errorf("%w: %s is not a YAML file (.yaml, .yml, .json) or a Dockerfile (Dockerfile, Containerfile, *.dockerfile); those are the files read", ErrUnsupported, filepath.Base(name))
}

// DetectFormat returns the format FindFile reads a file called name as, or
// 0 when it reads neither.
func DetectFormat(name string) Format {
	base := strings.ToLower(filepath.Base(name))
	switch {
	case base == "dockerfile" || base == "containerfile" ||
		strings.HasPrefix(base, "dockerfile.") || strings.HasPrefix(base, "containerfile.") ||
		strings.HasSuffix(base, ".dockerfile") || strings.HasSuffix(base, ".containerfile"):
		return Dockerfile
	case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".json"):
		return YAML
	}
	return 0
}

var bomUTF8 = []byte{0xEF, 0xBB, 0xBF}

// checkEncoding refuses input that is not UTF-8 and returns the length of
// a UTF-8 byte order mark to skip (0 or 3).
func checkEncoding(data []byte) (int, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0x00, 0x00, 0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return 0, fmt.Errorf("%w: the file is UTF-32 encoded; convert it to UTF-8", ErrUnsupported)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return 0, fmt.Errorf("%w: the file is UTF-16 encoded; convert it to UTF-8", ErrUnsupported)
	case bytes.IndexByte(data, 0) >= 0:
		return 0, fmt.Errorf("%w: the file contains NUL bytes (UTF-16 without a byte order mark, or binary); convert it to UTF-8 text", ErrUnsupported)
	case bytes.HasPrefix(data, bomUTF8):
		return len(bomUTF8), nil
	}
	return 0, nil
}

// Spell returns ref written the way written is: in its short form
// ("nginx:1.27") when written names no registry host, fully qualified
// ("docker.io/library/nginx:1.27") otherwise. Rewrites use it to keep a
// file's style.
func Spell(written string, ref reference.Reference) string {
	if looksFamiliar(written) {
		return ref.Familiar()
	}
	return ref.String()
}

// looksFamiliar reports whether a reference is written without its
// registry host, as the Docker CLI allows for Docker Hub.
func looksFamiliar(s string) bool {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return true
	}
	host := s[:i]
	return !strings.ContainsAny(host, ".:") && host != "localhost"
}
