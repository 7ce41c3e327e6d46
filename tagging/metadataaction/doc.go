// Package metadataaction speaks docker/metadata-action's language: it takes
// that action's inputs as a workflow writes them (images, tags, flavor,
// labels, annotations, the separators and the bake target), the context of
// the run and the repository's facts, and returns the same outputs:
// version, tags, tag-names, labels, annotations, json and the bake files,
// in the same order and shape.
//
// Parity is the contract. The package is tested against every case of
// metadata-action's own test suite, kept as data under testdata, and its
// date formats, versions and expressions against the answers of the
// libraries metadata-action uses (moment, semver, a PEP 440 parser,
// Handlebars).
//
// Where metadata-action silently does something surprising, this package
// either keeps the behaviour and reports it in Result.Warnings (a label
// line without '=', a semver rule whose version does not parse), or, where
// the outcome is a broken build or a quietly ignored setting, refuses with
// an *Error that names the input line and what is allowed: an unknown
// attribute or expression, a generated tag that the registry would reject,
// an image that is not a repository name.
//
// Opt-in improvements over metadata-action are documented where they are
// offered; the flavor latest=newest, for example, takes Options.ExistingTags
// and keeps latest and rolling tags such as 1 from moving back to an older
// release line on a hotfix.
//
// The package is pure: no clock (Options.Now), no files, no network, no
// time-zone database unless the caller passes one (Options.LoadLocation).
// The examples/metadata-action program runs it as a GitHub Action.
package metadataaction
