package policy

import (
	"path"
	"strconv"
)

// ImmutableRule marks tags that must never move once pushed, the way an
// ECR repository's immutability setting with exclusion filters or a Harbor
// immutability rule does. A tag is immutable under the rule when its
// repository matches Repositories (or Repositories is empty), the tag
// matches one of Include and none of Exclude.
//
// Patterns are globs: "*" matches any run of characters, "?" one
// character, "[a-z]" a class, and "\" quotes the next character. A tag has
// no "/", so "*" matches any tag; in Repositories "*" stops at "/"
// ("team/*" matches "team/app", not "team/app/api").
//
// ECR's IMMUTABLE_WITH_EXCLUSION with filters "latest" and "dev-*" is
//
//	ImmutableRule{Include: []string{"*"}, Exclude: []string{"latest", "dev-*"}}
//
// and a Harbor rule protecting releases of team repositories is
//
//	ImmutableRule{Repositories: []string{"team/*"}, Include: []string{"v*"}}
type ImmutableRule struct {
	// Repositories are globs over the repository path ("team/app"); empty
	// means every repository.
	Repositories []string `json:"repositories,omitempty"`
	// Include are globs over tags that are immutable.
	Include []string `json:"include"`
	// Exclude are globs over tags that stay mutable even when included.
	Exclude []string `json:"exclude,omitempty"`
}

// Validate reports the first pattern that is not a valid glob, or an empty
// Include. Errors match ErrInvalidPattern and name the field.
func (m ImmutableRule) Validate() error {
	if len(m.Include) == 0 {
		return &Error{Field: "include", Reason: "needs at least one tag pattern (\"*\" for every tag)", Err: ErrInvalidPattern}
	}
	for _, f := range []struct {
		name string
		list []string
	}{{"repositories", m.Repositories}, {"include", m.Include}, {"exclude", m.Exclude}} {
		if err := checkGlobs(f.name, f.list); err != nil {
			return err
		}
	}
	return nil
}

func checkGlobs(field string, globs []string) error {
	for i, g := range globs {
		if g == "" {
			return &Error{Field: field + "[" + strconv.Itoa(i) + "]", Input: g, Reason: "is empty; write a glob such as \"v*\"", Err: ErrInvalidPattern}
		}
		if _, err := path.Match(g, ""); err != nil {
			return &Error{Field: field + "[" + strconv.Itoa(i) + "]", Input: g, Reason: "is not a valid glob (use *, ?, [a-z] and \\ to quote)", Err: ErrInvalidPattern, Cause: err}
		}
	}
	return nil
}

// matchAny reports whether s matches one of globs. A pattern that is not
// a valid glob matches nothing; Validate reports it.
func matchAny(globs []string, s string) bool {
	for _, g := range globs {
		if ok, err := path.Match(g, s); err == nil && ok {
			return true
		}
	}
	return false
}

// Matches reports whether tag in the repository with path repository
// ("team/app", as reference.Reference.Repository returns it) is immutable
// under m.
func (m ImmutableRule) Matches(repository, tag string) bool {
	if len(m.Repositories) > 0 && !matchAny(m.Repositories, repository) {
		return false
	}
	return matchAny(m.Include, tag) && !matchAny(m.Exclude, tag)
}

// ImmutableTags is a set of ImmutableRules: a tag is immutable when any
// rule says so. Policy.ImmutableTags collects them for an environment, so
// that a promotion can refuse to move a protected tag before the registry
// does.
type ImmutableTags []ImmutableRule

// Matches reports whether any rule makes tag in repository immutable.
func (s ImmutableTags) Matches(repository, tag string) bool {
	for _, m := range s {
		if m.Matches(repository, tag) {
			return true
		}
	}
	return false
}
