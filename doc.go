// Package imagetags turns container image tagging from a habit into a
// policy. It is a set of Go packages for release pipelines, promotion bots,
// developer-workspace platforms and policy checkers:
//
//   - reference parses, normalizes and prints image references
//     ("ubuntu:20.04" is "docker.io/library/ubuntu:20.04"), grammar-exact
//     with github.com/distribution/reference and many times faster.
//   - tagging derives the whole tag set of a build from its version and
//     commit (2.4.1, 2.4, 2, sha-a3f2c8d, latest only when it is right),
//     emits OCI annotations, and says what any tag is: immutable, rolling,
//     channel or latest.
//   - policy decides when a workspace or deployment must be rebuilt or may
//     be upgraded, picks the newest allowed tag, and lints references and
//     tag schemes against an organisation's rules.
//   - promote publishes a tag set onto one digest, promotes, rolls back and
//     pins by digest with audit records, against any registry behind a small
//     interface; promote/memory is an in-memory registry for test suites.
//
// A short tour:
//
//	r, _ := reference.Parse("acmecorp/payment-api:v2.4.1")
//	fmt.Println(r)            // docker.io/acmecorp/payment-api:v2.4.1
//	fmt.Println(r.Familiar()) // acmecorp/payment-api:v2.4.1
//	fmt.Println(r.Tag())      // v2.4.1
//	pinned, _ := r.WithDigest("sha256:9c1e…")
//	fmt.Println(pinned.IsPinned()) // true
//
// Run the full tour with "go run ./examples/quickstart". This package holds
// documentation only.
package imagetags
