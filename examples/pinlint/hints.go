package main

import (
	"slices"
	"strings"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/reference"
)

// saferFix returns the fix hint of v for ref, reworded where the policy's
// own hint would suggest something another rule forbids or that pinlint
// cannot vouch for: an example tag that may not exist, latest, a registry
// pattern instead of a host, or a registry the policy does not allow.
// all are the violations of ref, v among them.
func saferFix(pol policy.Policy, env string, ref reference.Reference, v policy.Violation, all []policy.Violation) string {
	pin := "pin it by digest (pinlint --fix writes the digest its tag names now)"
	switch v.Type {
	case policy.RuleNoLatest:
		return "use one of the version tags " + ref.Name() + " publishes instead of latest, or " + pin
	case policy.RuleMutableNeedsDigest, policy.RuleDigestRequired:
		return pin
	case policy.RuleAllowedRegistries:
		rule, ok := ruleOf(pol, env, v.Rule)
		if !ok {
			return v.Fix
		}
		var hosts, patterns []string
		for _, r := range rule.Registries {
			if strings.ContainsAny(r, "*?[") {
				patterns = append(patterns, r)
			} else {
				hosts = append(hosts, r)
			}
		}
		switch {
		case len(hosts) > 0:
			return "pull it from " + strings.Join(hosts, " or ") + " (" + ref.Repository() + " must be mirrored there)"
		default:
			return "pull it from a registry whose host matches " + strings.Join(patterns, " or ")
		}
	case policy.RuleForbiddenRegistries:
		rule, ok := ruleOf(pol, env, v.Rule)
		if !ok || rule.Use == "" {
			return v.Fix
		}
		name := rule.Use + "/" + ref.Repository()
		candidate, err := reference.Parse(name + ":" + ref.TagOrLatest())
		if err != nil {
			return "pull it from a registry the policy allows"
		}
		rep, err := pol.Check(env, []reference.Reference{candidate})
		if err != nil {
			return v.Fix
		}
		hint := "use " + candidate.Familiar()
		for _, o := range rep.Violations {
			switch o.Type {
			case policy.RuleAllowedRegistries, policy.RuleForbiddenRegistries:
				return "pull it from a registry the policy allows (" + rule.Use + ", named by rule " + v.Rule + ", is not allowed by rule " + o.Rule + ")"
			case policy.RuleNoLatest:
				hint = "use " + name + " with one of its version tags"
			}
		}
		if slices.ContainsFunc(all, isPinRule) || slices.ContainsFunc(rep.Violations, isPinRule) {
			hint += ", pinned by digest"
		}
		return hint
	}
	return v.Fix
}

func isPinRule(v policy.Violation) bool {
	return v.Type == policy.RuleMutableNeedsDigest || v.Type == policy.RuleDigestRequired
}

// ruleOf finds the rule with id among those that apply in env.
func ruleOf(pol policy.Policy, env, id string) (policy.LintRule, bool) {
	rules := slices.Clone(pol.Rules)
	if env != "" {
		rules = append(rules, pol.Environments[env]...)
	}
	for _, r := range rules {
		if r.ID == id {
			return r, true
		}
	}
	return policy.LintRule{}, false
}
