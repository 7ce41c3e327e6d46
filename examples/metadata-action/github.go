package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/imagetags/imagetags/tagging/metadataaction"
)

// github reads the repository and commit facts metadata-action reads from
// the GitHub API.
type github struct {
	client *http.Client
	api    string
	repoID string // owner/name, from GITHUB_REPOSITORY
	token  string
}

// newGitHub asks about GITHUB_REPOSITORY, or else the payload's
// repository, as the actions toolkit does.
func newGitHub(env environment, token string, payload metadataaction.Payload) *github {
	api := strings.TrimRight(env.getenv("GITHUB_API_URL"), "/")
	if api == "" {
		api = "https://api.github.com"
	}
	id := env.getenv("GITHUB_REPOSITORY")
	if id == "" {
		id = payload.Repository
	}
	return &github{client: env.client, api: api, repoID: id, token: token}
}

// get fetches path from the API into v. Errors name the URL and the
// status, never the token.
func (g *github) get(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	u := g.api + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("GitHub API %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("User-Agent", "imagetags-metadata-action")
	if g.token != "" {
		req.Header.Set("Authorization", "token "+g.token)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return fmt.Errorf("GitHub API GET %s: %s", u, redact(err.Error(), g.token))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("GitHub API GET %s: reading the answer: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		var msg struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &msg)
		return fmt.Errorf("GitHub API GET %s: %s %s", u, resp.Status, redact(msg.Message, g.token))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GitHub API GET %s: the answer is not the expected JSON: %w", u, err)
	}
	return nil
}

func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "***")
}

func (g *github) ownerRepo() (string, bool) {
	owner, name, ok := strings.Cut(g.repoID, "/")
	if !ok || owner == "" || name == "" {
		return "", false
	}
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name), true
}

// repo returns the repository's facts; without a repository to ask about
// (no GITHUB_REPOSITORY, none in the payload) the labels it fills stay
// empty, where metadata-action stops.
func (g *github) repo(ctx context.Context) (metadataaction.Repo, error) {
	var r metadataaction.Repo
	p, ok := g.ownerRepo()
	if !ok {
		return r, nil
	}
	if err := g.get(ctx, p, &r); err != nil {
		return metadataaction.Repo{}, fmt.Errorf("repository labels: %w", err)
	}
	return r, nil
}

// commitDate asks the API for the committer date of sha, as
// metadata-action does when the payload does not hold it; false when
// the API cannot tell.
func (g *github) commitDate(ctx context.Context, sha string) (time.Time, bool) {
	p, ok := g.ownerRepo()
	if !ok || sha == "" {
		return time.Time{}, false
	}
	var c struct {
		Commit struct {
			Committer *struct {
				Date string `json:"date"`
			} `json:"committer"`
		} `json:"commit"`
	}
	if err := g.get(ctx, p+"/commits/"+url.PathEscape(sha), &c); err != nil || c.Commit.Committer == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, c.Commit.Committer.Date)
	return t, err == nil
}
