package promote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/imagetags/imagetags/reference"
)

// PromotionManifest is a declarative promotion: which images, by digest,
// go from a source to one or more destinations, and the tags each must
// carry there. It is data, read from JSON (ParsePromotionManifest), in the
// shape of Kubernetes' image promoter manifests:
//
//	{
//	  "source": "registry.staging.example/team",
//	  "destinations": ["registry.prod.example/team", "mirror.example/team"],
//	  "images": [
//	    {"name": "app", "digests": {"sha256:…": ["1.4.2", "1.4", "production"]},
//	     "allowMove": ["production"]}
//	  ]
//	}
//
// An image's repository is its Name below the source, and below each
// destination. Plan compares the manifest with the registries; Apply
// carries the plan out.
type PromotionManifest struct {
	// Source is the registry host, with an optional repository path
	// prefix, that images are copied from, such as
	// "registry.staging.example/team". The host is never implied.
	Source string `json:"source"`
	// Destinations are the registry hosts, with optional path prefixes,
	// that images are copied to.
	Destinations []string `json:"destinations"`
	// Images lists each image with the digests to promote.
	Images []PromotedImage `json:"images"`
	// AllowMove lists path.Match globs of the tags that may move from
	// another digest at a destination, in every image. Any other tag that
	// points elsewhere is refused.
	AllowMove []string `json:"allowMove,omitempty"`
	// NoReferrers leaves signatures, SBOMs and attestations behind.
	NoReferrers bool `json:"noReferrers,omitempty"`
	// CosignTags also copies the legacy cosign tags (CopyOptions.CosignTags).
	CosignTags bool `json:"cosignTags,omitempty"`
}

// PromotedImage is one image of a PromotionManifest.
type PromotedImage struct {
	// Name is the repository path below the source and destination
	// prefixes, such as "app" or "tools/cli"; empty when the prefix is
	// the repository itself.
	Name string `json:"name"`
	// Digests maps each digest to promote to the tags it must carry at
	// every destination; an empty list copies the image untagged.
	Digests map[digest.Digest][]string `json:"digests"`
	// AllowMove adds tag globs that may move, for this image only.
	AllowMove []string `json:"allowMove,omitempty"`
}

// Limits of a promotion manifest, so a malformed one cannot exhaust
// memory or send a run to thousands of registries.
const (
	maxManifestDocument = 1 << 20
	maxDestinations     = 64
)

// ParsePromotionManifest reads a PromotionManifest from JSON and checks it
// (see PromotionManifest.Validate). Unknown fields are refused, so a
// misspelt key cannot silently do nothing. For YAML, convert to JSON
// first.
func ParsePromotionManifest(data []byte) (PromotionManifest, error) {
	if len(data) > maxManifestDocument {
		return PromotionManifest{}, fmt.Errorf("promote: promotion manifest of %d bytes exceeds the %d byte limit", len(data), maxManifestDocument)
	}
	var m PromotionManifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return PromotionManifest{}, fmt.Errorf("promote: promotion manifest: %w", err)
	}
	if dec.More() {
		return PromotionManifest{}, errors.New("promote: promotion manifest: more than one JSON document")
	}
	if err := m.Validate(); err != nil {
		return PromotionManifest{}, err
	}
	return m, nil
}

// Validate checks the manifest: the source and each destination name a
// registry host explicitly (with an optional path), no destination is the
// source or repeats, each image name is a valid path and appears once,
// each digest is valid, each tag is valid and names one digest per image,
// and each allowMove glob is well formed. The error names the first
// problem and where it is.
func (m PromotionManifest) Validate() error {
	if err := validLocation(m.Source); err != nil {
		return fmt.Errorf("promote: promotion manifest: source: %w", err)
	}
	if len(m.Destinations) == 0 {
		return errors.New("promote: promotion manifest: no destinations")
	}
	if len(m.Destinations) > maxDestinations {
		return fmt.Errorf("promote: promotion manifest: %d destinations, at most %d allowed", len(m.Destinations), maxDestinations)
	}
	seen := map[string]bool{strings.TrimSuffix(m.Source, "/"): true}
	for i, d := range m.Destinations {
		if err := validLocation(d); err != nil {
			return fmt.Errorf("promote: promotion manifest: destinations[%d]: %w", i, err)
		}
		key := strings.TrimSuffix(d, "/")
		if key == strings.TrimSuffix(m.Source, "/") {
			return fmt.Errorf("promote: promotion manifest: destinations[%d] %q is the source", i, d)
		}
		if seen[key] {
			return fmt.Errorf("promote: promotion manifest: destinations[%d] %q is listed twice", i, d)
		}
		seen[key] = true
	}
	if err := validGlobs(m.AllowMove); err != nil {
		return fmt.Errorf("promote: promotion manifest: allowMove: %w", err)
	}
	if len(m.Images) == 0 {
		return errors.New("promote: promotion manifest: no images")
	}
	names := map[string]bool{}
	for i, img := range m.Images {
		where := fmt.Sprintf("images[%d] (%q)", i, img.Name)
		if names[img.Name] {
			return fmt.Errorf("promote: promotion manifest: %s: image listed twice", where)
		}
		names[img.Name] = true
		for _, loc := range append([]string{m.Source}, m.Destinations...) {
			if _, err := locationRepo(loc, img.Name); err != nil {
				return fmt.Errorf("promote: promotion manifest: %s: %w", where, err)
			}
		}
		if len(img.Digests) == 0 {
			return fmt.Errorf("promote: promotion manifest: %s: no digests", where)
		}
		if err := validGlobs(img.AllowMove); err != nil {
			return fmt.Errorf("promote: promotion manifest: %s: allowMove: %w", where, err)
		}
		owner := map[string]digest.Digest{}
		for _, d := range sortedDigests(img.Digests) {
			if err := reference.ValidateDigest(string(d)); err != nil {
				return fmt.Errorf("promote: promotion manifest: %s: digest %q: %w", where, d, err)
			}
			for _, tag := range img.Digests[d] {
				if err := reference.ValidateTag(tag); err != nil {
					return fmt.Errorf("promote: promotion manifest: %s: digest %s: %w", where, d, err)
				}
				if prev, ok := owner[tag]; ok {
					if prev == d {
						return fmt.Errorf("promote: promotion manifest: %s: tag %q is listed twice for %s", where, tag, d)
					}
					return fmt.Errorf("promote: promotion manifest: %s: tag %q is given to both %s and %s; a tag names one digest", where, tag, prev, d)
				}
				owner[tag] = d
			}
		}
	}
	return nil
}

func validGlobs(globs []string) error {
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("pattern %q: %w", g, err)
		}
	}
	return nil
}

// validLocation checks "host" or "host/path/prefix".
func validLocation(loc string) error {
	if loc == "" {
		return errors.New("empty; want a registry host with an optional path, such as registry.example.com/team")
	}
	host, _, _ := strings.Cut(loc, "/")
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return fmt.Errorf("%q does not start with a registry host (one with a dot or a port, or localhost); the host is never implied", loc)
	}
	return nil
}

// locationRepo joins a location and an image name into a repository
// reference and checks that it parses back to the same host and path.
func locationRepo(loc, name string) (reference.Reference, error) {
	loc = strings.TrimSuffix(loc, "/")
	full := loc
	if name != "" {
		full = loc + "/" + name
	}
	host, p, _ := strings.Cut(full, "/")
	if p == "" {
		return reference.Reference{}, fmt.Errorf("%q names a registry but no repository; give the image a name", loc)
	}
	r, err := reference.Parse(full)
	if err != nil {
		return reference.Reference{}, fmt.Errorf("repository %q: %w", full, err)
	}
	if r.Registry() != host || r.Repository() != p || r.HasTag() || r.IsPinned() {
		return reference.Reference{}, fmt.Errorf("repository %q: want host/path with neither tag nor digest", full)
	}
	return r, nil
}

func sortedDigests(m map[digest.Digest][]string) []digest.Digest {
	out := make([]digest.Digest, 0, len(m))
	for d := range m {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// allowMove reports whether tag matches any glob.
func allowMove(tag string, globs ...[]string) bool {
	for _, list := range globs {
		for _, g := range list {
			if ok, _ := path.Match(g, tag); ok {
				return true
			}
		}
	}
	return false
}
