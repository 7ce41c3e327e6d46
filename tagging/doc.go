// Package tagging turns build facts into an image's tag set, and says what
// any tag is.
//
// Build once, tag many: one image built from commit a3f2c8d as release
// 2.4.1 deserves several tags that all point at the same digest, each for
// a different reader. "2.4.1" pins the release for a rollback, "2.4" and
// "2" follow a release line, "sha-a3f2c8d" leads back to the source, and
// "latest" tells a laptop what is newest. Derive computes that set from
// the facts of the build and a Scheme (which rules apply, with what
// prefixes), and adds the org.opencontainers.image.* labels and
// annotations. The encoders print the set as plain lines, docker build
// arguments, metadata-action's JSON or a buildx bake file, so a pipeline
// can replace docker/metadata-action with one step.
//
//	set, err := tagging.Derive(tagging.Facts{
//		Version: "v2.4.1",
//		Commit:  "a3f2c8d91e44b7e1a4c52f0d3b9e8a7c6d5e4f30",
//		Time:    buildTime, // time.Now(), or tagging.SourceDateEpoch(...)
//	}, tagging.DefaultScheme())
//	if err != nil {
//		return err
//	}
//	args, err := set.DockerArgs("ghcr.io/acme/payment-api")
//	// -t ghcr.io/acme/payment-api:2.4.1 -t …:2.4 -t …:2 -t …:sha-a3f2c8d -t …:latest --label …
//
// Unlike metadata-action, Derive moves a rolling tag only to the newest
// release of its line when it is given the repository's existing tags, so
// a 1.9.1 hotfix published after 2.0.1 moves "1.9" and "1" but never "2"
// or "latest"; flavor prefixes and suffixes compose with each rule's own
// instead of replacing them; and every tag it returns is valid, with long
// branch names cut and given a hash suffix so they never collide.
//
// The other half of the package reads tags back. Classify says what a tag
// is and how it behaves over time, which is what rebuild prompts and lint
// rules in package policy decide on:
//
//	Kind         Form          Examples
//	Immutable    semver        1.2.3  v1.3.1  1.2.3-rc.1  2.4.1-alpine
//	Immutable    sha           a3f2c8d  git-a3f2c8d  sha-a3f2c8d  main-a3f2c8d
//	Immutable    build-id      build-42
//	Immutable    date          20240115  20240115.1  2024.01.15-rc.1  nightly-20240115
//	ReleaseLine  major.minor   1.2  20.04  v2.4-alpine
//	ReleaseLine  major         1  v1
//	Channel      channel       dev  staging  production  prod  qa  canary  stable  edge  nightly  beta  rc
//	Channel      pr            pr-42
//	Latest       latest        latest  rolling  latest-alpine
//	Latest       flavor        alpine  ubuntu  bookworm-slim
//	Unknown      unknown       new  final2
//
// A release-line tag receives updates but never leaves its line: "20.04" gets
// patches, never 20.10; "v1" follows v1.x, never v2. A channel moves to
// whatever is promoted to it. Latest and flavor tags move to anything.
// Every Class explains itself in one line:
//
//	"1.2" is release-line: major.minor of a semver line
//
// The Classifier's word lists (channels, latest aliases, flavors, commit,
// build and pull-request prefixes, prerelease labels) are configurable;
// its zero value, used by Classify, has the documented defaults.
//
// The package is pure: no network, no files, no clock and no environment.
// Build time is a fact the caller passes in, and SourceDateEpoch parses
// the SOURCE_DATE_EPOCH value for reproducible builds. Same input, same
// output.
package tagging

import "github.com/imagetags/imagetags/reference"

const maxTagLen = reference.TagMaxLength
