package promote

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// CopyRecord is the outcome of Copy: the Record of the tags set at the
// destination (Operation "copy", Repository the destination repository,
// Source the source reference, Digest the image copied) and the Transfer
// that says what content arrived. It serialises to JSON with the Record's
// fields and a "content" object. Its Record rolls back with Rollback on
// the destination registry, which moves the tags back and leaves the
// copied content in place.
type CopyRecord struct {
	Record
	// Content is what the copy sent, mounted or found in place.
	Content Transfer `json:"content"`
}

// Transfer lists the content a copy moved, as the destination confirmed
// it. After a failure it holds exactly what was confirmed before the
// failure, so that a re-run can be expected to send only the rest.
//
// Lists are sorted by digest. Content below a manifest that was already at
// the destination is not examined and appears in no list.
type Transfer struct {
	// Sent is the content uploaded to the destination.
	Sent []Content `json:"sent"`
	// Mounted is the blobs the destination took from another repository
	// of the same registry, without an upload.
	Mounted []Content `json:"mounted"`
	// Present is the content the destination already held.
	Present []Content `json:"present"`
	// NotCopied is the non-distributable (foreign) layers the image
	// refers to, which are never copied: they stay where their URLs point.
	NotCopied []Content `json:"notCopied,omitempty"`
	// Referrers is every referrer (signature, SBOM, attestation) of the
	// image, or of one of its platform manifests, found at the source and
	// carried along, with what it refers to.
	Referrers []Referrer `json:"referrers"`
	// Unconfirmed is the content whose upload was under way when the copy
	// failed and whose arrival could not be checked afterwards (the
	// context was done, or the destination did not answer). Content whose
	// answer was lost but which the destination holds is in Sent.
	Unconfirmed []Content `json:"unconfirmed,omitempty"`
	// LegacyTags is what happened to the legacy cosign tags
	// (sha256-<hex>.sig, .att, .sbom) when CopyOptions.CosignTags asked for
	// them.
	LegacyTags []TagChange `json:"legacyTags,omitempty"`
	// Complete reports that the image and every referrer are at the
	// destination and that the destination lists each referrer.
	Complete bool `json:"complete"`
}

// Content is one manifest or blob.
type Content struct {
	Digest    digest.Digest `json:"digest"`
	MediaType string        `json:"mediaType"`
	Size      int64         `json:"size"`
}

// IsManifest reports whether c is a manifest or an index rather than a
// blob.
func (c Content) IsManifest() bool { return isManifestType(c.MediaType) }

// Referrer is a manifest whose subject is the image or one of its
// manifests.
type Referrer struct {
	Digest       digest.Digest `json:"digest"`
	MediaType    string        `json:"mediaType"`
	ArtifactType string        `json:"artifactType,omitempty"`
	// Subject is the manifest the referrer refers to.
	Subject digest.Digest `json:"subject"`
}

// ManifestsSent returns how many manifests were uploaded.
func (t Transfer) ManifestsSent() int { return countManifests(t.Sent, true) }

// BlobsSent returns how many blobs were uploaded.
func (t Transfer) BlobsSent() int { return countManifests(t.Sent, false) }

// BytesSent returns the bytes uploaded, manifests and blobs together.
func (t Transfer) BytesSent() int64 { return sumSizes(t.Sent) }

// BytesMounted returns the bytes the destination mounted instead of
// receiving them.
func (t Transfer) BytesMounted() int64 { return sumSizes(t.Mounted) }

// Summary is a one-line account of the transfer, such as
// "sent 2 manifests and 4 blobs (9137 bytes), mounted 0 blobs, 1 already present, 2 referrers".
func (t Transfer) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sent %d manifest(s) and %d blob(s) (%d bytes), mounted %d blob(s) (%d bytes), %d already present, %d referrer(s)",
		t.ManifestsSent(), t.BlobsSent(), t.BytesSent(), len(t.Mounted), t.BytesMounted(), len(t.Present), len(t.Referrers))
	if len(t.NotCopied) > 0 {
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(len(t.NotCopied)))
		b.WriteString(" non-distributable layer(s) not copied")
	}
	return b.String()
}

func countManifests(cs []Content, manifests bool) int {
	n := 0
	for _, c := range cs {
		if c.IsManifest() == manifests {
			n++
		}
	}
	return n
}

func sumSizes(cs []Content) int64 {
	var n int64
	for _, c := range cs {
		n += c.Size
	}
	return n
}

// Manifest media types, OCI and Docker.
const (
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeDockerForeign  = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
)

func isManifestType(mt string) bool {
	switch mt {
	case ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex, mediaTypeDockerManifest, mediaTypeDockerList:
		return true
	}
	return false
}

func isIndexType(mt string) bool {
	return mt == ocispec.MediaTypeImageIndex || mt == mediaTypeDockerList
}

// isForeignLayer reports the layer media types that registries do not
// distribute, which copies leave out.
func isForeignLayer(mt string) bool {
	return mt == mediaTypeDockerForeign || strings.HasPrefix(mt, "application/vnd.oci.image.layer.nondistributable.")
}

func contentOf(d ocispec.Descriptor) Content {
	return Content{Digest: d.Digest, MediaType: d.MediaType, Size: d.Size}
}
