package promote

import (
	"oras.land/oras-go/v2"

	"github.com/imagetags/imagetags/reference"
)

// ContentProvider is implemented by registries that can hand out one
// repository's content (manifests, blobs, referrers and tags) as an
// oras-go graph target. Copy, Plan and Apply need it on the source and on
// the destination: they move content with oras-go's graph copy, which
// walks indexes, platform manifests, configs and layers, skips what the
// destination already holds and mounts blobs across repositories.
//
// The target's Predecessors lists the referrers of a manifest (through the
// OCI referrers API, or the referrers tag schema where a registry has no
// such API), and its Push of a manifest with a subject makes the manifest
// discoverable as a referrer at the destination. A target that also
// implements oras-go's registry.Mounter is asked to mount blobs from
// another repository of the same registry instead of receiving them.
type ContentProvider interface {
	// ContentTarget returns the repository repo names (its tag and digest
	// are ignored) as an oras-go target. It does not contact the registry.
	// A reference the registry does not serve gives an error.
	ContentTarget(repo reference.Reference) (oras.GraphTarget, error)
}
