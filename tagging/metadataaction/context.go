package metadataaction

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Context is what metadata-action reads from the workflow run: the
// event, the git ref and commit, the parts of the event payload its rules
// use, and the commit time.
type Context struct {
	EventName string // GITHUB_EVENT_NAME: push, pull_request, schedule, …
	Ref       string // GITHUB_REF: refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge
	SHA       string // the commit
	RunNumber int64  // GITHUB_RUN_NUMBER
	RunID     int64  // GITHUB_RUN_ID
	// CommitDate is the commit's time, used by {{commit_date}}; the zero
	// time means it is not known (the caller fills it from the API or the
	// clock, as metadata-action does).
	CommitDate time.Time
	Payload    Payload
}

// Payload is the part of the webhook event payload metadata-action reads.
type Payload struct {
	// BaseRef is the push payload's base_ref (a branch for a tag push),
	// empty when absent or null.
	BaseRef string
	// Number is the pull request number of pull_request_target events.
	Number int64
	// PullRequest holds pull_request.base.ref and pull_request.head.sha.
	PullRequest struct {
		BaseRef string
		HeadSHA string
	}
	// DefaultBranch is repository.default_branch.
	DefaultBranch string
	// Repository is "owner/name" from repository.owner.login and
	// repository.name, when the payload has both.
	Repository string
	// Commits are the pushed commits' ids and timestamps, head commit
	// last when the payload has one.
	Commits []Commit
	// HeadCommit is head_commit, when present.
	HeadCommit *Commit
}

// Commit is a commit id and timestamp from a payload.
type Commit struct {
	ID        string
	Timestamp time.Time
}

type rawCommit struct {
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
}

type rawPayload struct {
	BaseRef     *string `json:"base_ref"`
	PullRequest *struct {
		Base *struct {
			Ref *string `json:"ref"`
		} `json:"base"`
		Head *struct {
			SHA *string `json:"sha"`
		} `json:"head"`
	} `json:"pull_request"`
	Repository *struct {
		DefaultBranch *string `json:"default_branch"`
		Name          string  `json:"name"`
		Owner         *struct {
			Login string `json:"login"`
		} `json:"owner"`
	} `json:"repository"`
	Commits    []rawCommit `json:"commits"`
	HeadCommit *rawCommit  `json:"head_commit"`
}

// ParsePayload reads an event payload (the JSON file at
// GITHUB_EVENT_PATH). Empty input is an empty payload, as when the file
// is missing. Fields of an unexpected type are errors naming the field.
func ParsePayload(data []byte) (Payload, error) {
	var p Payload
	if len(strings.TrimSpace(string(data))) == 0 {
		return p, nil
	}
	var raw struct {
		rawPayload
		Number json.RawMessage `json:"number"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return p, &Error{Input: "context", Line: "event payload", Reason: "is not a webhook event payload", Err: ErrSyntax, Cause: err}
	}
	if raw.BaseRef != nil {
		p.BaseRef = *raw.BaseRef
	}
	if len(raw.Number) > 0 && string(raw.Number) != "null" {
		n, err := strconv.ParseInt(string(raw.Number), 10, 64)
		if err != nil {
			return p, &Error{Input: "context", Line: "event payload", Reason: "number " + string(raw.Number) + " is not a pull request number", Err: ErrSyntax}
		}
		p.Number = n
	}
	if pr := raw.PullRequest; pr != nil {
		if pr.Base != nil && pr.Base.Ref != nil {
			p.PullRequest.BaseRef = *pr.Base.Ref
		}
		if pr.Head != nil && pr.Head.SHA != nil {
			p.PullRequest.HeadSHA = *pr.Head.SHA
		}
	}
	if r := raw.Repository; r != nil {
		if r.DefaultBranch != nil {
			p.DefaultBranch = *r.DefaultBranch
		}
		if r.Owner != nil && r.Owner.Login != "" && r.Name != "" {
			p.Repository = r.Owner.Login + "/" + r.Name
		}
	}
	for _, c := range raw.Commits {
		ts, _ := time.Parse(time.RFC3339, c.Timestamp)
		p.Commits = append(p.Commits, Commit{ID: c.ID, Timestamp: ts})
	}
	if raw.HeadCommit != nil {
		ts, _ := time.Parse(time.RFC3339, raw.HeadCommit.Timestamp)
		p.HeadCommit = &Commit{ID: raw.HeadCommit.ID, Timestamp: ts}
	}
	return p, nil
}

// ContextOptions are metadata-action's environment switches that change
// the context.
type ContextOptions struct {
	// PRHeadSHA uses the pull request's head commit instead of the merge
	// commit on pull_request and pull_request_target events
	// (DOCKER_METADATA_PR_HEAD_SHA=true).
	PRHeadSHA bool
}

// WorkflowContext builds the context of a workflow run from its event
// name, ref, commit and payload the way metadata-action does: a
// pull_request_target event gets the ref refs/pull/<number>/merge,
// PRHeadSHA swaps in the head commit, and the commit date comes from the
// payload's commits or head commit when one of them is the commit (else
// it stays zero for the caller to fill).
func WorkflowContext(eventName, ref, sha string, runNumber, runID int64, payload Payload, opts ContextOptions) Context {
	c := Context{EventName: eventName, Ref: ref, SHA: sha, RunNumber: runNumber, RunID: runID, Payload: payload}
	if strings.Contains(eventName, "pull_request_target") {
		c.Ref = "refs/pull/" + strconv.FormatInt(payload.Number, 10) + "/merge"
	}
	if opts.PRHeadSHA && strings.Contains(eventName, "pull_request") && payload.PullRequest.HeadSHA != "" {
		c.SHA = payload.PullRequest.HeadSHA
	}
	for _, cm := range payload.Commits {
		if cm.ID == c.SHA && !cm.Timestamp.IsZero() {
			c.CommitDate = cm.Timestamp
			return c
		}
	}
	if h := payload.HeadCommit; h != nil && h.ID == c.SHA && !h.Timestamp.IsZero() {
		c.CommitDate = h.Timestamp
	}
	return c
}

// Repo is what metadata-action reads about the repository from the
// GitHub API: it fills the title, description, url, source and licenses
// labels, and the default branch used by type=edge.
type Repo struct {
	Name          string `json:"name"`
	Description   string `json:"description"`
	HTMLURL       string `json:"html_url"`
	DefaultBranch string `json:"default_branch"`
	License       *struct {
		SPDXID string `json:"spdx_id"`
	} `json:"license"`
}

// Licenses returns the licence's SPDX id, or "".
func (r Repo) Licenses() string {
	if r.License == nil {
		return ""
	}
	return r.License.SPDXID
}
