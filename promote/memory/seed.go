package memory

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/reference"
)

// Image describes a synthetic image for Seed.
type Image struct {
	// Repository names the repository, normalized as reference.Parse
	// normalizes names: "team/app" is stored as "team/app", "ubuntu" and
	// "docker.io/library/ubuntu" as "library/ubuntu" (so that resolving
	// "ubuntu:20.04" finds it), and a registry host such as
	// "registry.example.com/team/app" is dropped, since the fake is one
	// registry. A name with a tag or digest, or with uppercase letters, is
	// refused.
	Repository string
	// Tags are the tags to point at the image; none leaves it untagged.
	Tags []string
	// Labels go into the image config (of every child of an index).
	Labels map[string]string
	// Annotations go onto the manifest, or onto the index.
	Annotations map[string]string
	// Platforms, when not empty, make the image a multi-arch index with one
	// child image per platform. When empty the image is a single
	// linux/amd64 image manifest.
	Platforms []ocispec.Platform
	// Content makes otherwise identical images distinct: it becomes the
	// layer's file content. When empty the repository and tags are used.
	Content string
}

// Seed stores synthetic images, each with a real config blob, a real tar
// layer and a real OCI manifest or index, and returns the digest of each
// top-level manifest or index in order. Digests are the sha256 of the
// stored bytes, so seeding the same Image twice gives the same digest.
//
// Seed is for test setup: it bypasses faults and immutable rules (a seeded
// tag moves to the new image) and is not recorded in the event log or the
// call counts. It returns an error naming the first invalid repository or
// tag, and then stores nothing of that image or later ones.
func (r *Registry) Seed(images ...Image) ([]digest.Digest, error) {
	out := make([]digest.Digest, 0, len(images))
	for i, img := range images {
		repo, err := seedRepository(img.Repository)
		if err != nil {
			return out, fmt.Errorf("memory: seed image %d: %w", i, err)
		}
		img.Repository = repo
		for _, t := range img.Tags {
			if err := reference.ValidateTag(t); err != nil {
				return out, fmt.Errorf("memory: seed image %d: %w", i, err)
			}
		}
		content := img.Content
		if content == "" {
			content = img.Repository + ":" + strings.Join(img.Tags, ",")
		}
		var blobs []blob
		var manifests []blob
		top, err := buildTop(img, content, &blobs, &manifests)
		if err != nil {
			return out, fmt.Errorf("memory: seed image %d: %w", i, err)
		}
		r.mu.Lock()
		rp := r.repoForWriteLocked(img.Repository)
		for _, b := range blobs {
			rp.blobs[b.desc.Digest] = b.data
		}
		var topManifest *manifest
		for _, m := range manifests {
			pm, err := parseManifest(m.desc.MediaType, m.data)
			if err != nil { // cannot happen: the bytes were built above
				r.mu.Unlock()
				return out, fmt.Errorf("memory: seed image %d: %w", i, err)
			}
			if have, ok := rp.manifests[pm.desc.Digest]; ok {
				pm = have
			} else {
				rp.manifests[pm.desc.Digest] = pm
			}
			if pm.desc.Digest == top {
				topManifest = pm
			}
		}
		for _, t := range img.Tags {
			r.storeTagLocked(rp, img.Repository, t, topManifest)
		}
		r.mu.Unlock()
		out = append(out, top)
	}
	return out, nil
}

type blob struct {
	desc ocispec.Descriptor
	data []byte
}

func newBlob(mediaType string, data []byte) blob {
	return blob{desc: ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}, data: data}
}

// buildTop builds the image or index for img, appending blobs and
// manifests (children first) and returning the top-level digest.
func buildTop(img Image, content string, blobs, manifests *[]blob) (digest.Digest, error) {
	if len(img.Platforms) == 0 {
		m, err := buildImage(img, content, ocispec.Platform{OS: "linux", Architecture: "amd64"}, img.Annotations, blobs)
		if err != nil {
			return "", err
		}
		*manifests = append(*manifests, m)
		return m.desc.Digest, nil
	}
	idx := ocispec.Index{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageIndex,
		Annotations: maps.Clone(img.Annotations),
	}
	for _, p := range img.Platforms {
		m, err := buildImage(img, content, p, nil, blobs)
		if err != nil {
			return "", err
		}
		*manifests = append(*manifests, m)
		d := m.desc
		pc := p
		pc.OSFeatures = append([]string(nil), p.OSFeatures...)
		d.Platform = &pc
		idx.Manifests = append(idx.Manifests, d)
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return "", err
	}
	m := newBlob(ocispec.MediaTypeImageIndex, data)
	*manifests = append(*manifests, m)
	return m.desc.Digest, nil
}

func buildImage(img Image, content string, p ocispec.Platform, annotations map[string]string, blobs *[]blob) (blob, error) {
	layer, err := tarFile("content.txt", content+"\n"+platformString(p)+"\n")
	if err != nil {
		return blob{}, err
	}
	lb := newBlob(ocispec.MediaTypeImageLayer, layer)
	cfg := ocispec.Image{
		Platform: p,
		Config:   ocispec.ImageConfig{Labels: maps.Clone(img.Labels)},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{lb.desc.Digest}},
	}
	cfgData, err := json.Marshal(cfg)
	if err != nil {
		return blob{}, err
	}
	cb := newBlob(ocispec.MediaTypeImageConfig, cfgData)
	*blobs = append(*blobs, cb, lb)
	man := ocispec.Manifest{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageManifest,
		Config:      cb.desc,
		Layers:      []ocispec.Descriptor{lb.desc},
		Annotations: maps.Clone(annotations),
	}
	data, err := json.Marshal(man)
	if err != nil {
		return blob{}, err
	}
	return newBlob(ocispec.MediaTypeImageManifest, data), nil
}

func platformString(p ocispec.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// tarFile returns a tar archive holding one regular file.
func tarFile(name, content string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// seedRepository normalizes the repository name of a seeded image as
// reference.Parse does and returns its path.
func seedRepository(name string) (string, error) {
	if strings.ToLower(name) != name {
		// reference.Parse would take an uppercase first component for a
		// registry host; a seeded name is refused instead.
		if err := reference.ValidateRepository(name); err != nil {
			return "", err
		}
	}
	ref, err := reference.Parse(name)
	if err != nil {
		return "", err
	}
	if ref.HasTag() || ref.IsPinned() {
		return "", fmt.Errorf("repository %q carries a tag or digest: give the repository alone and the tags in Image.Tags: %w",
			name, reference.ErrInvalidFormat)
	}
	return ref.Repository(), nil
}
