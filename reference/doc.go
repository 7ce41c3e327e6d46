// Package reference parses, normalizes and prints container image
// references such as "ubuntu:20.04" or
// "registry:5000/team/app:1.2.3@sha256:…".
//
// A Reference is a small immutable value. Parse normalizes the way the
// Docker CLI does, so that every reference has one canonical String form:
//
//	r, err := reference.Parse("ubuntu:20.04")
//	// r.String()     == "docker.io/library/ubuntu:20.04"
//	// r.Familiar()   == "ubuntu:20.04"
//	// r.Registry()   == "docker.io"
//	// r.Repository() == "library/ubuntu"
//	// r.Tag()        == "20.04"
//
// A reference that names neither tag nor digest is pulled as "latest";
// TagOrLatest says so explicitly, so that policy code treats "app" and
// "app:latest" alike. IsPinned reports a digest, which names one manifest
// whatever the tag later points at.
//
// # Grammar
//
// Parse accepts the grammar of github.com/distribution/reference, after the
// Docker CLI's normalization:
//
//	reference  := name [ ":" tag ] [ "@" digest ]
//	name       := [ registry "/" ] path
//	registry   := host [ ":" port ]
//	host       := label ( "." label )* | "[" [0-9A-Fa-f:]+ "]"
//	label      := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
//	port       := [0-9]+
//	path       := component ( "/" component )*          (at most 255 bytes)
//	component  := [a-z0-9]+ ( separator [a-z0-9]+ )*
//	separator  := "." | "_" | "__" | "-"+
//	tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//	digest     := "sha256:" [a-f0-9]{64} | "sha384:" [a-f0-9]{96} | "sha512:" [a-f0-9]{128}
//
// The text before the first "/" is a registry only when it contains a "."
// or a ":", is "localhost", or contains an uppercase letter; otherwise the
// reference is on docker.io. "index.docker.io" is rewritten to "docker.io",
// and a one-component path on docker.io gains the "library/" prefix of
// official images. The path limit applies after that prefix is added.
// Digests of other algorithms follow the general grammar
// (algorithm ":" at least 32 hex digits) but are refused with
// ErrUnsupportedDigest; the hash functions for the three supported ones are
// linked in by this package, so callers need not import crypto packages.
//
// # Deviations from distribution/reference
//
// Parse is tested differentially, by table and by fuzzing, against
// distribution/reference's ParseNormalizedNamed. It agrees on every input
// except these, each chosen because the other behaviour surprises users:
//
//	input                       distribution/reference                       this package
//	--------------------------  -------------------------------------------  -------------------------------------------
//	sha256:<64 hex>             docker.io/library/sha256 with the hex as tag  ErrInvalidFormat: a bare digest is not a name
//	(also sha384, sha512)
//	exa_mple.com/foo            a name with an empty registry                 ErrInvalidFormat: invalid registry host
//	(first component has a "."
//	but is not a valid host)
//	Familiar of                 "a.b/c", which reads back as registry a.b     "docker.io/a.b/c", which reads back the same
//	docker.io/a.b/c
//
// The last row generalizes: Familiar drops "docker.io/" (and "library/")
// only when the short form parses back to the same reference, so
// Parse(r.Familiar()) == r holds for every r, as does Parse(r.String()) == r.
//
// Error categories can also differ when an input breaks several rules at
// once; both parsers reject such input.
//
// # Errors
//
// Every error is an *Error carrying the input, the byte offset where
// scanning failed (or -1) and a plain-words reason, and matches exactly one
// sentinel with errors.Is: ErrInvalidFormat, ErrUppercase, ErrNameTooLong,
// ErrInvalidTag, ErrInvalidDigest or ErrUnsupportedDigest.
//
// # Speed
//
// Parse scans the input once, without regular expressions. It allocates
// nothing when the input is already canonical and once otherwise; String,
// Familiar and the accessors slice the stored string and never allocate.
// BenchmarkParse compares it with distribution/reference on a mixed corpus.
package reference
