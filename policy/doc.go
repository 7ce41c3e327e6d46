// Package policy decides what to do about image tags: whether a workspace
// or deployment must be rebuilt and to what, which tag is the newest one a
// rule allows, and whether references and tag sets follow an
// organisation's rules.
//
// The package is pure. It never talks to a registry, reads a file or looks
// at the clock: callers observe the registry (package promote does it with
// one resolve per distinct tag) and hand the observation in as a value,
// with the time. The same inputs always give the same answer, which makes
// decisions cheap to test and safe to embed.
//
// # Rebuild decisions
//
// A Build says what a deployment was built from: the reference as written,
// the digest the tag named then (and, for a multi-arch image, its
// platform's own manifest digest), and how it follows updates. An
// Observation says what the registry shows now. Decide compares them:
//
//	d := policy.Decide(policy.Build{
//		Ref:    ref,    // reference.Parse("ubuntu:20.04")
//		Digest: built,  // the digest recorded at build time
//	}, policy.Observation{
//		Digest: now,    // what "20.04" names today
//		Tags:   tags,   // the repository's tags
//	})
//	if d.Action == policy.ActionRebuild {
//		fmt.Println(d.Message) // ubuntu:20.04 was republished (sha256:…); rebuild to get its updates
//	}
//
// Unless the Build overrides it, the tag's tagging.Class sets the Tracking:
// "latest", "rolling", flavors such as "ubuntu" and unknown words follow
// every republish of the tag, new majors included; "20.04" gets its patches
// but never moves to 20.10; "v1" follows v1.x but never v2; "v1.3.1" is
// pinned, so it prompts for nothing unless it moves, which is a security
// alert. Patch, minor and major tracking also offer newer tags of the same
// prefix, variant and precision ("1.12-alpine" → "1.13-alpine", never
// "1.15-alpine-perl").
//
//	Outcome               Action            When
//	UpToDate              none              nothing the deployment follows needs action
//	TagRepublished        rebuild           the same tag names a new image (Carries: which version)
//	NewerInRange          upgrade           a newer tag of the tracked line exists
//	ImmutableTagMoved     alert             a full-version, commit, build or pinned tag moved
//	PinnedByDigest        none / upgrade    the reference carries a digest
//	TagDeleted            upgrade / alert   the tag is gone; Candidate is its replacement
//	RepositoryNotFound    alert             the registry has no such repository
//	PlatformUnavailable   alert             the new image lacks the deployment's platform
//	PendingMaturity       none              the update is younger than the minimum age
//	InvalidInput          alert             the build record cannot be decided on (no digest)
//	Unknown               retry             the observation was incomplete
//
// So d.Outcome == policy.UpToDate is the check for "nothing to do": a v1
// deployment stays up to date when v2 ships. What the deployment does not
// follow is in the Notes: NewerOutOfRange (v2 for v1, 22.04 for 20.04) and
// PrereleaseAvailable (a newer prerelease, not opted in).
//
// An incomplete observation is never reported as up to date. A multi-arch
// index that changed while the deployment's platform manifest did not is
// up to date. NewWorkspaceTag and ReplacementTag answer the questions of an
// image catalog with a designated default tag: what a new workspace should
// use, and where a workspace on a decommissioned tag should go.
//
// To decide about many builds of one repository, classify its tags once
// with Decider.ClassifyTags and decide with TagList.Decide: the same
// Decisions, without reading every tag again for every build.
//
// # Newest allowed tag
//
// Select picks the newest tag a Strategy allows from a list of tags: a
// semver constraint ("^2", ">=1.2 <2"), a release line from a current tag
// (patch, minor or major), a regular expression with a capture to order
// by, numeric or alphabetical order, or variant compatibility. Strategies
// are data values with JSON tags; the Result says how many tags were
// considered and why the others were excluded.
//
// # Lint
//
// A Policy bundles lint Rules per environment: no latest, no mutable tag
// without a digest in production, a digest for critical workloads, allowed
// and forbidden registries, one tag scheme per repository, a naming scheme
// such as "{registry}/{company}/{department}/{software}:{major}", and
// immutable tag patterns. Policies load from JSON (ParsePolicy,
// LoadPolicy) with errors that name the bad field, such as
// environments.production[1].severity. Check lints references and
// CheckTags a repository's tag set; both return a Report whose Violations
// carry the rule id, Severity, subject, message and fix hint, sorted so
// the same input always gives the same JSON. Policy.ImmutableTags hands
// the immutable patterns to promotion tools, which consult them before
// moving a tag:
//
//	p, err := policy.LoadPolicy(file)
//	rep, err := p.Check("production", refs)
//	if rep.Fails(policy.SeverityError) {
//		json.NewEncoder(os.Stdout).Encode(rep)
//	}
package policy
