package tagging_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/imagetags/imagetags/tagging"
)

func ExampleClassify() {
	for _, tag := range []string{"1.2.3", "v1", "20.04", "git-a3f2c8d", "build-42", "staging", "latest", "alpine", "final2"} {
		c := tagging.Classify(tag)
		fmt.Printf("%-12s %-12s %-11s %s\n", tag, c.Kind, c.Form, c.Reason)
	}
	fmt.Println(tagging.Classify("1.2").Explain())
	// Output:
	// 1.2.3        immutable    semver      full semantic version, names one release
	// v1           release-line major       major of a semver line
	// 20.04        release-line major.minor major.minor of a semver line
	// git-a3f2c8d  immutable    sha         git commit SHA
	// build-42     immutable    build-id    CI build id
	// staging      channel      channel     deployment channel, moves on promotion
	// latest       latest       latest      latest is a moving pointer
	// alpine       latest       flavor      bare flavor tag, the latest of that variant
	// final2       unknown      unknown     not a version, commit, build id, date, channel or latest word
	// "1.2" is release-line: major.minor of a semver line
}

func ExampleClassify_parts() {
	c := tagging.Classify("v2.4.1-rc.1-alpine")
	fmt.Println(c.Kind, c.Form, c.Precision)
	fmt.Printf("prefix=%q version=%s prerelease=%q variant=%q\n", c.Prefix, c.Version(), c.Prerelease, c.Variant)
	// Output:
	// immutable semver 3
	// prefix="v" version=2.4.1-rc.1 prerelease="rc.1" variant="alpine"
}

func ExampleClassifier() {
	c := tagging.Classifier{
		Channels:      []string{"uat", "live"},
		LatestAliases: []string{"rolling", "current"},
		SHAPrefixes:   []string{"rev-"},
	}
	for _, tag := range []string{"uat", "staging", "current", "rev-a3f2c8d"} {
		fmt.Println(c.Classify(tag).Explain())
	}
	// Output:
	// "uat" is channel: deployment channel, moves on promotion
	// "staging" is unknown: not a version, commit, build id, date, channel or latest word
	// "current" is latest: alias of latest, a moving pointer
	// "rev-a3f2c8d" is immutable: git commit SHA
}

func ExampleDerive() {
	set, err := tagging.Derive(tagging.Facts{
		Version: "v2.4.1",
		Commit:  "a3f2c8d91e44b7e1a4c52f0d3b9e8a7c6d5e4f30",
	}, tagging.DefaultScheme())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range set.Tags {
		fmt.Printf("%-12s %-12s %s\n", t.Name, t.Kind, t.Why)
	}
	// Output:
	// 2.4.1        immutable    the version of the build
	// 2.4          release-line 2.4.1 is assumed the newest patch of 2.4 (no existing tags given)
	// 2            release-line 2.4.1 is assumed the newest release of major 2 (no existing tags given)
	// sha-a3f2c8d  immutable    the commit of the build
	// latest       latest       2.4.1 is assumed the newest stable release (no existing tags given)
}

// A hotfix on an older line moves that line's rolling tags, and leaves the
// newer major and latest alone.
func ExampleDerive_hotfix() {
	set, err := tagging.Derive(tagging.Facts{
		Version:      "1.9.1",
		ExistingTags: []string{"1.9.0", "1.9", "1", "2.0.1", "2.0", "2", "latest"},
	}, tagging.DefaultScheme())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(set.Names(), " "))
	for _, s := range set.Skipped {
		fmt.Println("skipped", s.Tag+":", s.Reason)
	}
	// Output:
	// 1.9.1 1.9 1
	// skipped latest: not moved: 2.0.1 is newer
}

// The pipeline from the course: every merge to main is tagged with its
// commit, branch-commit and latest.
func ExampleDerive_pipeline() {
	set, err := tagging.Derive(tagging.Facts{
		Commit:        "a3f2c8d91e44b7e1a4c52f0d3b9e8a7c6d5e4f30",
		Branch:        "main",
		DefaultBranch: "main",
	}, tagging.Scheme{Rules: []tagging.Rule{
		{Type: tagging.RuleSHA},
		{Type: tagging.RuleBranchSHA},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(set.Names())
	// Output:
	// [a3f2c8d main-a3f2c8d latest]
}

func ExampleSet_DockerArgs() {
	epoch, err := tagging.SourceDateEpoch("1705276800") // os.Getenv("SOURCE_DATE_EPOCH")
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := tagging.Derive(tagging.Facts{Version: "v2.4.1", Time: epoch},
		tagging.Scheme{Rules: []tagging.Rule{
			{Type: tagging.RuleSemver, Pattern: "v{{version}}"},
			{Type: tagging.RuleSemver, Pattern: "v{{major}}.{{minor}}"},
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	args, err := set.DockerArgs("acmecorp/payment-api")
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < len(args); i += 2 {
		fmt.Println(args[i], args[i+1])
	}
	// Output:
	// -t acmecorp/payment-api:v2.4.1
	// -t acmecorp/payment-api:v2.4
	// -t acmecorp/payment-api:latest
	// --label org.opencontainers.image.created=2024-01-15T00:00:00Z
	// --label org.opencontainers.image.ref.name=v2.4.1
	// --label org.opencontainers.image.version=2.4.1
}

func ExampleSet_JSON() {
	set, err := tagging.Derive(tagging.Facts{Version: "1.2.3", Time: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)},
		tagging.Scheme{Rules: []tagging.Rule{{Type: tagging.RuleSemver, Pattern: "{{version}}"}}, Flavor: tagging.Flavor{Latest: tagging.LatestNever}})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := set.JSON("ghcr.io/acme/app")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {
	//   "tags": [
	//     "ghcr.io/acme/app:1.2.3"
	//   ],
	//   "labels": {
	//     "org.opencontainers.image.created": "2024-01-15T00:00:00Z",
	//     "org.opencontainers.image.ref.name": "1.2.3",
	//     "org.opencontainers.image.version": "1.2.3"
	//   },
	//   "annotations": [
	//     "manifest:org.opencontainers.image.created=2024-01-15T00:00:00Z",
	//     "manifest:org.opencontainers.image.ref.name=1.2.3",
	//     "manifest:org.opencontainers.image.version=1.2.3"
	//   ]
	// }
}

func ExampleSet_Lines() {
	set, err := tagging.Derive(tagging.Facts{Version: "2.0.1", Commit: "abc1234"},
		tagging.Scheme{Rules: []tagging.Rule{
			{Type: tagging.RuleSemver, Pattern: "{{version}}"},
			{Type: tagging.RuleSemver, Pattern: "{{major}}.{{minor}}"},
			{Type: tagging.RuleSemver, Pattern: "{{major}}"},
			{Type: tagging.RuleSHA, Prefix: "git-"},
		}, Flavor: tagging.Flavor{Latest: tagging.LatestNever}})
	if err != nil {
		fmt.Println(err)
		return
	}
	lines, err := set.Lines("registry.example.com/team/serving")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(lines)
	// Output:
	// registry.example.com/team/serving:2.0.1
	// registry.example.com/team/serving:2.0
	// registry.example.com/team/serving:2
	// registry.example.com/team/serving:git-abc1234
}

func ExampleSanitize() {
	for _, branch := range []string{"feature/login", "refs/heads/Fix: the #42 bug", "..weird.."} {
		tag, err := tagging.Sanitize(branch)
		fmt.Println(tag, err)
	}
	// Output:
	// feature-login <nil>
	// Fix-the-42-bug <nil>
	// weird <nil>
}
