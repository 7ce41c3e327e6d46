package main

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/imagetags/imagetags/tagging/metadataaction"
)

// gitContext replaces the ref, commit and commit date with the git
// checkout's, for CI systems other than GitHub Actions.
func (a *action) gitContext(ctx context.Context, c *metadataaction.Context) error {
	git := func(args ...string) (string, error) {
		out, err := a.env.git(ctx, a.env.dir, args...)
		return strings.TrimSpace(out), err
	}
	ref, err := gitRef(git)
	if err != nil {
		return fmt.Errorf("context git: %w", err)
	}
	sha, err := git("show", "--format=%H", "HEAD", "--quiet", "--")
	if err != nil {
		return fmt.Errorf("context git: %w", err)
	}
	date, err := git("show", "-s", "--format=%cI", sha)
	if err != nil {
		return fmt.Errorf("context git: %w", err)
	}
	t, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return fmt.Errorf("context git: commit date %q: %w", date, err)
	}
	c.Ref, c.SHA, c.CommitDate = ref, sha, t
	return nil
}

var (
	pullRef      = regexp.MustCompile(`^pull/\d+/(head|merge)$`)
	remoteBranch = regexp.MustCompile(`^[^/]+/[^/]+, (.+)$`)
	remoteOnly   = regexp.MustCompile(`^[^/]+/(.+)$`)
)

// gitRef finds the ref of HEAD: the branch checked out, or for a
// detached HEAD (as CI checkouts are) the tag, pull request or branch it
// points at.
func gitRef(git func(...string) (string, error)) (string, error) {
	branch, err := git("branch", "--show-current")
	if err != nil {
		return "", err
	}
	if branch != "" {
		return git("symbolic-ref", "HEAD")
	}
	deco, err := git("show", "-s", "--pretty=%D")
	if err != nil {
		return "", err
	}
	d := strings.TrimSpace(strings.TrimPrefix(deco, "grafted, "))
	if d == "HEAD" || d == "" {
		return inferRef(git)
	}
	rest, ok := strings.CutPrefix(d, "HEAD, ")
	if !ok {
		return "", fmt.Errorf("cannot find the ref of the detached HEAD in %q", deco)
	}
	rest = strings.TrimSpace(rest)
	switch {
	case strings.HasPrefix(rest, "tag: "):
		out, err := git("for-each-ref", "--format=%(refname)", "--points-at", "HEAD", "refs/tags/")
		if err != nil {
			return "", err
		}
		var refs []string
		for _, r := range strings.Fields(out) {
			if strings.HasPrefix(r, "refs/tags/") {
				refs = append(refs, r)
			}
		}
		sort.SliceStable(refs, func(i, j int) bool { return len(refs[i]) > len(refs[j]) })
		for _, r := range refs {
			t := "tag: " + strings.TrimPrefix(r, "refs/tags/")
			if rest == t || strings.HasPrefix(rest, t+", ") {
				return r, nil
			}
		}
		if len(refs) == 1 {
			return refs[0], nil
		}
		return "", fmt.Errorf("cannot find the tag of the detached HEAD in %q", deco)
	case pullRef.MatchString(rest):
		return "refs/" + rest, nil
	}
	if m := remoteBranch.FindStringSubmatch(rest); m != nil {
		return "refs/heads/" + strings.TrimSpace(m[1]), nil
	}
	if m := remoteOnly.FindStringSubmatch(rest); m != nil {
		return "refs/heads/" + strings.TrimSpace(m[1]), nil
	}
	return "", fmt.Errorf("unsupported ref of the detached HEAD in %q", deco)
}

// inferRef finds a branch, remote branch or tag that contains HEAD.
func inferRef(git func(...string) (string, error)) (string, error) {
	for _, ns := range []string{"refs/heads/", "refs/remotes/"} {
		out, err := git("for-each-ref", "--format=%(refname)", "--contains", "HEAD", ns)
		if err != nil {
			return "", err
		}
		if refs := strings.Fields(out); len(refs) > 0 {
			r := refs[0]
			if ns == "refs/remotes/" {
				if _, b, ok := strings.Cut(strings.TrimPrefix(r, ns), "/"); ok {
					return "refs/heads/" + b, nil
				}
			}
			return r, nil
		}
	}
	out, err := git("tag", "--contains", "HEAD")
	if err != nil {
		return "", err
	}
	if tags := strings.Fields(out); len(tags) > 0 {
		return "refs/tags/" + tags[0], nil
	}
	return "", fmt.Errorf("cannot infer the ref of the detached HEAD")
}
