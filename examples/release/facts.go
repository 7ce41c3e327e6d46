package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/tagging"
)

// gather merges the facts from the three sources and makes the scheme
// the flags ask for.
func gather(o options, fs *flag.FlagSet, getenv func(string) string, now func() time.Time) (tagging.Facts, tagging.Scheme, error) {
	facts := factsFromEnv(getenv)
	if o.versionFile != "" {
		data, err := os.ReadFile(o.versionFile)
		if err != nil {
			return tagging.Facts{}, tagging.Scheme{}, fmt.Errorf("--version-file: %w", err)
		}
		var file tagging.Facts
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&file); err != nil {
			return tagging.Facts{}, tagging.Scheme{}, fmt.Errorf("--version-file %s: %s", o.versionFile, demo.JSONError(err, "a JSON object with "+factKeys))
		}
		merge(&facts, file)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	flagFacts := o.facts
	if !set["pr"] {
		flagFacts.PR = 0
	}
	merge(&facts, flagFacts)
	facts.Channels = append(facts.Channels, o.channels...)
	if o.existing != "" {
		for _, t := range strings.Split(o.existing, ",") {
			if t = strings.TrimSpace(t); t != "" {
				facts.ExistingTags = append(facts.ExistingTags, t)
			}
		}
	}
	if o.noBuildID {
		facts.BuildID = ""
	}
	if err := missingFacts(facts); err != nil {
		return tagging.Facts{}, tagging.Scheme{}, err
	}
	if facts.DefaultBranch == "" {
		facts.DefaultBranch = "main"
	}
	if facts.Time.IsZero() {
		t, err := tagging.BuildTime(getenv("SOURCE_DATE_EPOCH"), now())
		if err != nil {
			return tagging.Facts{}, tagging.Scheme{}, err
		}
		facts.Time = t
	}

	scheme := tagging.DefaultScheme()
	scheme.VersionPrefix = o.versionPrefix
	if o.noSHA {
		for i := range scheme.Rules {
			if scheme.Rules[i].Type == tagging.RuleSHA {
				scheme.Rules[i].Disabled = true
			}
		}
	}
	if o.branchTags || facts.Version == "" {
		scheme.Rules = append(scheme.Rules,
			tagging.Rule{Type: tagging.RuleBranch},
			tagging.Rule{Type: tagging.RuleBranchSHA},
			tagging.Rule{Type: tagging.RulePR})
	}
	if facts.BuildID != "" {
		scheme.Rules = append(scheme.Rules, tagging.Rule{Type: tagging.RuleBuildID})
	}
	return facts, scheme, nil
}

// factKeys are the keys of a --version-file, as the user writes them.
const factKeys = "version, commit, branch, defaultBranch, pr, buildID, time, variant, channels, existingTags, metadata"

// missingFacts reports a build with no fact a tag can come from, so that
// the next CI step never builds an untagged image.
func missingFacts(f tagging.Facts) error {
	if f.Version != "" || f.Commit != "" || f.Branch != "" || f.PR != 0 || f.BuildID != "" || len(f.Channels) > 0 {
		return nil
	}
	return errors.New("no build facts to derive a tag from: give --release-version, --commit, --branch, --pr, --build-id or --channel, " +
		"or a --version-file, or run in GitHub Actions or GitLab CI (neither GITHUB_ACTIONS nor GITLAB_CI is \"true\")")
}

// nonEmpty reports a set without tags, naming the facts given and why
// each rule emitted nothing.
func nonEmpty(set tagging.Set, f tagging.Facts) error {
	if len(set.Tags) > 0 {
		return nil
	}
	var given []string
	add := func(name, v string) {
		if v != "" {
			given = append(given, name+" "+v)
		}
	}
	add("version", f.Version)
	add("commit", f.Commit)
	add("branch", f.Branch)
	if f.PR != 0 {
		add("pull request", strconv.Itoa(f.PR))
	}
	add("build id", f.BuildID)
	var why []string
	for _, s := range set.Skipped {
		w := s.Reason
		if s.Tag != "" {
			w = s.Tag + ": " + w
		}
		why = append(why, w)
	}
	msg := "no tag to emit from " + strings.Join(given, ", ")
	if len(why) > 0 {
		msg += " (" + strings.Join(why, "; ") + ")"
	}
	return errors.New(msg + ": enable a rule that uses these facts (drop --no-sha?) or give --release-version, --branch or --channel")
}

// merge copies the non-empty fields of src over dst.
func merge(dst *tagging.Facts, src tagging.Facts) {
	set := func(d *string, s string) {
		if s != "" {
			*d = s
		}
	}
	set(&dst.Version, src.Version)
	set(&dst.Commit, src.Commit)
	set(&dst.Branch, src.Branch)
	set(&dst.DefaultBranch, src.DefaultBranch)
	set(&dst.BuildID, src.BuildID)
	set(&dst.Variant, src.Variant)
	if src.PR != 0 {
		dst.PR = src.PR
	}
	if !src.Time.IsZero() {
		dst.Time = src.Time
	}
	dst.Channels = append(dst.Channels, src.Channels...)
	dst.ExistingTags = append(dst.ExistingTags, src.ExistingTags...)
	m := &dst.Metadata
	set(&m.Title, src.Metadata.Title)
	set(&m.Description, src.Metadata.Description)
	set(&m.Source, src.Metadata.Source)
	set(&m.URL, src.Metadata.URL)
	set(&m.Documentation, src.Metadata.Documentation)
	set(&m.Licenses, src.Metadata.Licenses)
	set(&m.Authors, src.Metadata.Authors)
	set(&m.Vendor, src.Metadata.Vendor)
	set(&m.BaseName, src.Metadata.BaseName)
	set(&m.BaseDigest, src.Metadata.BaseDigest)
	for k, v := range src.Metadata.Labels {
		if m.Labels == nil {
			m.Labels = map[string]string{}
		}
		m.Labels[k] = v
	}
}

// factsFromEnv reads the build facts GitHub Actions and GitLab CI provide.
func factsFromEnv(getenv func(string) string) tagging.Facts {
	var f tagging.Facts
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		f.Commit = getenv("GITHUB_SHA")
		f.BuildID = getenv("GITHUB_RUN_NUMBER")
		ref := getenv("GITHUB_REF")
		switch {
		case strings.HasPrefix(ref, "refs/tags/"):
			f.Version = strings.TrimPrefix(ref, "refs/tags/")
		case strings.HasPrefix(ref, "refs/heads/"):
			f.Branch = strings.TrimPrefix(ref, "refs/heads/")
		case strings.HasPrefix(ref, "refs/pull/"):
			n, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(ref, "refs/pull/"), "/", 2)[0])
			f.PR = n
			f.Branch = getenv("GITHUB_HEAD_REF")
		}
		if server, repo := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"); server != "" && repo != "" {
			f.Metadata.Source = server + "/" + repo
			f.Metadata.URL = f.Metadata.Source
			f.Metadata.Title = repo[strings.LastIndexByte(repo, '/')+1:]
		}
	case getenv("GITLAB_CI") == "true":
		f.Commit = getenv("CI_COMMIT_SHA")
		f.BuildID = getenv("CI_PIPELINE_IID")
		f.Version = getenv("CI_COMMIT_TAG")
		f.Branch = getenv("CI_COMMIT_BRANCH")
		f.DefaultBranch = getenv("CI_DEFAULT_BRANCH")
		if iid := getenv("CI_MERGE_REQUEST_IID"); iid != "" {
			f.PR, _ = strconv.Atoi(iid)
			f.Branch = getenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
		}
		f.Metadata.Source = getenv("CI_PROJECT_URL")
		f.Metadata.URL = f.Metadata.Source
		f.Metadata.Title = getenv("CI_PROJECT_NAME")
	}
	return f
}
