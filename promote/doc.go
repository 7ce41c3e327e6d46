// Package promote moves image tags as a policy: it publishes a set of tags
// onto one digest ("build once, tag many"), promotes a channel tag such as
// staging or production to the digest another tag names without
// rebuilding, rolls a tag back, and pins a reference to its digest.
//
// All of it runs against a Registry, a three-method interface that backends
// implement: resolve a reference to a descriptor, point a tag at a manifest
// that is already there, and list a repository's tags page by page.
// Optional abilities (TagDeleter, ManifestFetcher, TagSwapper) are separate
// interfaces found by type assertion, in the way io.Copy looks for
// io.WriterTo. The in-memory registry in promote/memory is a complete
// implementation for tests; promote/registrytest checks any implementation
// against the contract.
//
// Every operation is idempotent: a tag that already points at the right
// digest is not written again, so re-running an operation after a failure
// converges. Every operation returns a Record (repository, digest, each tag
// with its previous digest, whether it moved, and any error) that
// serialises to JSON as release notes and an audit trail. When some tags
// moved and others did not, the operation returns the Record together with
// a *PartialError naming both. Every moved tag's Basis says how its
// previous digest is known: exactly, from an atomic swap (TagSwapper), or
// as read just before the write.
//
// DeriveAgainst lists a repository's tags and derives a tagging.Set
// against them, so a release published to a registry never moves a newer
// line's rolling tags or latest backwards.
//
// Errors from a Registry match the sentinels of this package with
// errors.Is: ErrNotFound, ErrTagImmutable, ErrPreconditionFailed,
// ErrUnauthorized, ErrDenied, ErrRateLimited and ErrUnsupported.
//
// Copy promotes across repositories and registries: it copies an image by
// digest, with its referrers (signatures, SBOMs, attestations), on
// oras-go's graph copy, then sets the destination tag with the rules of
// Promote, and returns a CopyRecord that also says what content arrived.
// Both registries offer their repositories through the optional
// ContentProvider interface. A PromotionManifest declares many such
// promotions as data; its Plan is the reviewed difference with the
// registries, and Plan.Apply carries it out with the plan's view of each
// tag as the precondition.
//
// Every call takes a context.Context and stops at its cancellation.
package promote
