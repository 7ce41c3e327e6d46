package policy_test

import (
	"fmt"
	"strings"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/reference"
	"github.com/opencontainers/go-digest"
)

func ExampleDecide() {
	built := digest.FromString("image built last week")
	patched := digest.FromString("image republished today")
	tags := []string{"latest", "rolling", "20.04", "20.10", "22.04", "v1", "v1.3", "v1.3.1", "v2"}

	for _, c := range []struct {
		ref string
		now digest.Digest
	}{
		{"ubuntu:latest", patched},
		{"ubuntu:20.04", patched},
		{"ubuntu:20.04", built},
		{"mycorp/myproj:v1", built},
		{"mycorp/myproj:v1.3.1", built},
		{"mycorp/myproj:v1.3.1", patched},
	} {
		d := policy.Decide(policy.Build{Ref: reference.MustParse(c.ref), Digest: built},
			policy.Observation{Digest: c.now, Tags: tags})
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-22s %-20s %-7s %s", c.ref, d.Outcome, d.Action, d.Candidate)))
	}
	// Output:
	// ubuntu:latest          tag-republished      rebuild latest
	// ubuntu:20.04           tag-republished      rebuild 20.04
	// ubuntu:20.04           newer-out-of-range   none
	// mycorp/myproj:v1       newer-out-of-range   none
	// mycorp/myproj:v1.3.1   up-to-date           none
	// mycorp/myproj:v1.3.1   immutable-tag-moved  alert
}

func ExampleDecide_multiArch() {
	d := policy.Decide(policy.Build{
		Ref:            reference.MustParse("ubuntu:22.04"),
		Digest:         digest.FromString("index v1"),
		Platform:       "linux/amd64",
		PlatformDigest: digest.FromString("amd64 manifest"),
	}, policy.Observation{
		Digest:         digest.FromString("index v2, arm64 rebuilt"),
		PlatformDigest: digest.FromString("amd64 manifest"),
	})
	fmt.Println(d.Outcome, d.Action)
	fmt.Println(d.Notes[0].Message)
	// Output:
	// up-to-date none
	// the index changed for other platforms; linux/amd64 is unchanged
}

func ExampleReplacementTag() {
	s := policy.ReplacementTag([]string{"20.10", "22.04", "latest"}, "latest", "20.04")
	fmt.Println(s.Tag, "-", s.Reason)
	fmt.Println(policy.NewWorkspaceTag([]string{"20.10", "22.04", "latest"}, "22.04").Tag)
	// Output:
	// 20.10 - nearest newer tag of the same line
	// 22.04
}

func ExampleSelect() {
	tags := []string{"1.4.2", "1.4.3", "1.5.0", "2.0.0", "1.5.1-rc.1", "latest"}
	r, err := policy.Select(tags, policy.Strategy{Kind: policy.ByLine, Current: "1.4.2", Line: policy.LineMinor})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Tag, r.Considered, r.Eligible, r.Excluded)
	// Output:
	// 1.5.0 6 3 map[not-a-version:1 out-of-range:1 prerelease:1]
}

func ExampleSelect_pattern() {
	tags := []string{"main-a3f2c8d-1700000100", "main-b4e3d9e-1700000900", "feature-x-1800000000", "latest"}
	r, _ := policy.Select(tags, policy.Strategy{
		Kind:    policy.ByNumeric,
		Pattern: `^main-[a-f0-9]+-(?P<ts>[0-9]+)`,
		Extract: "$ts",
	})
	fmt.Println(r.Tag)
	// Output:
	// main-b4e3d9e-1700000900
}

func ExampleSelect_semver() {
	tags := []string{"1.1.9", "1.2.0", "v1.9.4", "2.0.0", "1.9.5-alpine"}
	r, _ := policy.Select(tags, policy.Strategy{Kind: policy.BySemver, Constraint: ">=1.2 <2"})
	fmt.Println(r.Tag, r.Excluded)
	// Output:
	// v1.9.4 map[out-of-range:2 variant:1]
}

func ExamplePolicy_Check() {
	p, err := policy.ParsePolicy([]byte(`{
		"rules": [
			{"id": "internal-registry", "type": "forbidden-registries", "registries": ["docker.io"], "use": "registry.corp:5000"},
			{"id": "naming", "type": "naming-scheme", "pattern": "{registry}/{company}/{department}/{software}:{major}"}
		],
		"environments": {
			"production": [{"id": "no-latest", "type": "no-latest"}]
		}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	refs := []reference.Reference{
		reference.MustParse("ubuntu"),
		reference.MustParse("registry.corp:5000/acme/data/spark:3"),
	}
	rep, err := p.Check("production", refs)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range rep.Violations {
		fmt.Printf("%s %s %s\n    fix: %s\n", v.Severity, v.Rule, v.Subject, v.Fix)
	}
	for _, n := range rep.Names {
		fmt.Println(n.Subject, "department:", n.Fields["department"], "major:", n.Fields["major"])
	}
	// Output:
	// critical internal-registry ubuntu
	//     fix: use registry.corp:5000/library/ubuntu:latest
	// error no-latest ubuntu
	//     fix: use a version tag such as docker.io/library/ubuntu:1.2.3, or pin a digest
	// warning naming ubuntu
	//     fix: name the image like {registry}/{company}/{department}/{software}:{major}
	// registry.corp:5000/acme/data/spark:3 department: data major: 3
}

func ExampleParsePolicy_error() {
	_, err := policy.ParsePolicy([]byte(`{"environments": {"production": [{"id": "pin", "type": "digest-required", "severity": "fatal"}]}}`))
	fmt.Println(err)
	// Output:
	// policy: environments.production[0].severity: "fatal" is not info, warning, error or critical
}

func ExampleImmutableTags() {
	ecr := policy.ImmutableTags{{Include: []string{"*"}, Exclude: []string{"latest", "dev-*"}}}
	for _, tag := range []string{"1.2.3", "latest", "dev-42"} {
		fmt.Println(tag, ecr.Matches("team/app", tag))
	}
	// Output:
	// 1.2.3 true
	// latest false
	// dev-42 false
}
