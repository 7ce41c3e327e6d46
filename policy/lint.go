package policy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

// LintRuleType names a built-in lint rule.
type LintRuleType string

// The built-in rules. Each lists the LintRule fields it uses; setting another
// field is an error.
const (
	// RuleNoLatest flags references that pull latest, explicitly or by
	// naming no tag, or a tag that floats like it ("rolling",
	// "latest-alpine", a bare flavor such as "alpine"). A reference pinned
	// by digest is not flagged. Default severity: error.
	RuleNoLatest LintRuleType = "no-latest"
	// RuleMutableNeedsDigest flags references whose tag moves (rolling,
	// channel, latest) or whose tag is of no known scheme, unless pinned
	// by digest. Default severity: error.
	RuleMutableNeedsDigest LintRuleType = "mutable-needs-digest"
	// RuleDigestRequired flags every reference not pinned by digest; use
	// it in the environment of critical workloads. Default severity: error.
	RuleDigestRequired LintRuleType = "digest-required"
	// RuleAllowedRegistries flags references on a registry not matching
	// Registries (globs over the host with port). Default severity: error.
	RuleAllowedRegistries LintRuleType = "allowed-registries"
	// RuleForbiddenRegistries flags references on a registry matching
	// Registries; Use names the registry to pull through instead, and
	// the fix hint spells the rewritten reference. Default severity:
	// critical.
	RuleForbiddenRegistries LintRuleType = "forbidden-registries"
	// RuleTagScheme flags tags whose Kind is not in Kinds and whose Form is
	// not in Forms: one tag scheme per repository. With OnePrefix it also
	// flags version tags whose prefix differs from the one most version
	// tags of the set use ("v1.2.3" among "1.2.4", "1.3.0"). Applies to
	// references' tags and to tag sets. Default severity: warning.
	RuleTagScheme LintRuleType = "tag-scheme"
	// RuleNamingScheme flags references that do not follow Pattern, a
	// NamingScheme such as "{registry}/{company}/{department}/{software}:{major}".
	// Matching references are listed in the Report with their fields.
	// Default severity: warning.
	RuleNamingScheme LintRuleType = "naming-scheme"
	// RuleImmutableTags declares immutable tags with Include and Exclude
	// globs (see ImmutableRule), which Policy.ImmutableTags returns for
	// promotion tools, and flags tags it makes immutable although they are
	// meant to move ("latest" under Include "*"): the registry would
	// refuse to update them. Default severity: warning.
	RuleImmutableTags LintRuleType = "immutable-tags"
)

var ruleTypes = []LintRuleType{RuleNoLatest, RuleMutableNeedsDigest, RuleDigestRequired, RuleAllowedRegistries,
	RuleForbiddenRegistries, RuleTagScheme, RuleNamingScheme, RuleImmutableTags}

var defaultSeverity = map[LintRuleType]Severity{
	RuleNoLatest: SeverityError, RuleMutableNeedsDigest: SeverityError, RuleDigestRequired: SeverityError,
	RuleAllowedRegistries: SeverityError, RuleForbiddenRegistries: SeverityCritical, RuleTagScheme: SeverityWarning,
	RuleNamingScheme: SeverityWarning, RuleImmutableTags: SeverityWarning,
}

// fields each rule type uses, besides id, type, severity and repositories.
var ruleFields = map[LintRuleType][]string{
	RuleNoLatest:            nil,
	RuleMutableNeedsDigest:  nil,
	RuleDigestRequired:      nil,
	RuleAllowedRegistries:   {"registries"},
	RuleForbiddenRegistries: {"registries", "use"},
	RuleTagScheme:           {"kinds", "forms", "onePrefix"},
	RuleNamingScheme:        {"pattern"},
	RuleImmutableTags:       {"include", "exclude"},
}

// LintRule is one lint rule, a data value loaded from JSON. Type says which
// built-in rule it is and which other fields it uses.
type LintRule struct {
	// ID names the rule in violations; unique within an environment.
	ID string `json:"id"`
	// Type is one of the LintRuleType constants.
	Type LintRuleType `json:"type"`
	// Severity overrides the type's default severity.
	Severity Severity `json:"severity,omitempty"`
	// Repositories limits the rule to repositories whose path ("team/app")
	// matches one of these globs; empty means all.
	Repositories []string `json:"repositories,omitempty"`
	// Registries are globs over registry hosts ("docker.io",
	// "*.corp.example", "registry.corp:5000").
	Registries []string `json:"registries,omitempty"`
	// Use is the registry to pull through instead of a forbidden one.
	Use string `json:"use,omitempty"`
	// Kinds and Forms are the tag kinds and forms a tag scheme allows.
	Kinds []tagging.Kind `json:"kinds,omitempty"`
	Forms []tagging.Form `json:"forms,omitempty"`
	// OnePrefix asks a tag scheme for one version prefix per tag set.
	OnePrefix bool `json:"onePrefix,omitempty"`
	// Pattern is a NamingScheme.
	Pattern string `json:"pattern,omitempty"`
	// Include and Exclude are tag globs of an immutable-tags rule.
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
}

// used reports which optional fields r sets.
func (r LintRule) used() map[string]bool {
	return map[string]bool{
		"registries": r.Registries != nil, "use": r.Use != "", "kinds": r.Kinds != nil, "forms": r.Forms != nil,
		"onePrefix": r.OnePrefix, "pattern": r.Pattern != "", "include": r.Include != nil, "exclude": r.Exclude != nil,
	}
}

// Validate checks r on its own. Errors match ErrInvalidPolicy (and
// ErrInvalidPattern for a bad glob or naming pattern) and name the field.
func (r LintRule) Validate() error { return r.validate("rule") }

func (r LintRule) validate(at string) error {
	bad := func(field, input, reason string, cause error) error {
		return &Error{Field: at + "." + field, Input: input, Reason: reason, Err: ErrInvalidPolicy, Cause: cause}
	}
	if strings.TrimSpace(r.ID) == "" {
		return bad("id", r.ID, "is required: a short name for violations, such as \"no-latest-in-prod\"", nil)
	}
	if !slices.Contains(ruleTypes, r.Type) {
		names := make([]string, len(ruleTypes))
		for i, t := range ruleTypes {
			names[i] = string(t)
		}
		return bad("type", string(r.Type), "is not a rule type (want one of "+strings.Join(names, ", ")+")", nil)
	}
	if r.Severity != "" && r.Severity.Rank() == 0 {
		return bad("severity", string(r.Severity), "is not info, warning, error or critical", nil)
	}
	allowed := ruleFields[r.Type]
	for name, set := range r.used() {
		if set && !slices.Contains(allowed, name) {
			return bad(name, "", "is not used by rule type "+string(r.Type)+usesText(allowed), nil)
		}
	}
	if err := checkGlobs(at+".repositories", r.Repositories); err != nil {
		return inPolicy("", err)
	}
	switch r.Type {
	case RuleAllowedRegistries, RuleForbiddenRegistries:
		if len(r.Registries) == 0 {
			return bad("registries", "", "needs at least one registry host or glob", nil)
		}
		if err := checkGlobs(at+".registries", r.Registries); err != nil {
			return inPolicy("", err)
		}
		if r.Use != "" {
			if p, err := reference.Parse(r.Use + "/x"); err != nil || p.Registry() != r.Use {
				return bad("use", r.Use, "is not a registry host such as \"registry.corp:5000\" (a host has a \".\" or a port, or is localhost)", err)
			}
		}
	case RuleTagScheme:
		if len(r.Kinds) == 0 && len(r.Forms) == 0 && !r.OnePrefix {
			return bad("kinds", "", "or forms or onePrefix is needed: say which tags the scheme allows", nil)
		}
	case RuleNamingScheme:
		if _, err := ParseNamingScheme(r.Pattern); err != nil {
			return inPolicy(at+".", err)
		}
	case RuleImmutableTags:
		m := ImmutableRule{Include: r.Include, Exclude: r.Exclude}
		if err := m.Validate(); err != nil {
			return inPolicy(at+".", err)
		}
	}
	return nil
}

// inPolicy turns a pattern error into a policy error naming the rule's
// field: it matches ErrInvalidPolicy and ErrInvalidPattern.
func inPolicy(prefix string, err error) error {
	var pe *Error
	if !errors.As(err, &pe) {
		return err
	}
	cause := ErrInvalidPattern
	if pe.Cause != nil {
		cause = fmt.Errorf("%w: %w", ErrInvalidPattern, pe.Cause)
	}
	return &Error{Field: prefix + pe.Field, Input: pe.Input, Reason: pe.Reason, Err: ErrInvalidPolicy, Cause: cause}
}

func usesText(fields []string) string {
	if len(fields) == 0 {
		return " (it takes only id, type, severity and repositories)"
	}
	return " (it takes " + strings.Join(fields, ", ") + ")"
}

// Policy bundles lint rules per environment. Rules apply in every
// environment; Environments adds rules for one environment each, such as
// "production". Classifier, when set, reads tags (channel names, latest
// aliases, prefixes); nil means the default classifier.
//
// A Policy is plain data: load it with ParsePolicy or LoadPolicy, or build
// it in code and call Validate.
type Policy struct {
	Classifier   *tagging.Classifier   `json:"classifier,omitempty"`   // reads tags; nil means the default
	Rules        []LintRule            `json:"rules,omitempty"`        // apply in every environment
	Environments map[string][]LintRule `json:"environments,omitempty"` // extra rules per environment name
}

// Validate checks every rule and that rule ids are unique within each
// environment. The error names the rule by its place, such as
// environments.production[1].severity.
func (p Policy) Validate() error {
	if c := p.Classifier; c != nil && (c.MinSHALength < 0 || c.MinSHALength > 64) {
		return &Error{Field: "classifier.minSHALength", Input: strconv.Itoa(c.MinSHALength),
			Reason: "is not a commit length (want 0 for the default, or 1 to 64)", Err: ErrInvalidPolicy}
	}
	for i, r := range p.Rules {
		if err := r.validate("rules[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
	}
	if err := uniqueIDs("rules", p.Rules, nil); err != nil {
		return err
	}
	for _, env := range sortedKeys(p.Environments) {
		if strings.TrimSpace(env) == "" {
			return &Error{Field: "environments", Input: env, Reason: "has an empty environment name", Err: ErrInvalidPolicy}
		}
		at := "environments." + env
		for i, r := range p.Environments[env] {
			if err := r.validate(at + "[" + strconv.Itoa(i) + "]"); err != nil {
				return err
			}
		}
		if err := uniqueIDs(at, p.Environments[env], p.Rules); err != nil {
			return err
		}
	}
	return nil
}

func uniqueIDs(at string, rules, common []LintRule) error {
	seen := map[string]bool{}
	for _, r := range common {
		seen[r.ID] = true
	}
	for i, r := range rules {
		if seen[r.ID] {
			return &Error{Field: at + "[" + strconv.Itoa(i) + "].id", Input: r.ID, Reason: "is used by another rule of the environment; ids must be unique", Err: ErrInvalidPolicy}
		}
		seen[r.ID] = true
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rawPolicy is Policy with rules left raw, so each rule is decoded on its
// own and an error can say which rule it is in.
type rawPolicy struct {
	Classifier   *tagging.Classifier          `json:"classifier"`
	Rules        []json.RawMessage            `json:"rules"`
	Environments map[string][]json.RawMessage `json:"environments"`
}

// ParsePolicy decodes a JSON policy document and validates it. Unknown
// fields are errors. Every error matches ErrInvalidPolicy and names the
// place: rules[2].type, environments.production[0].severity, or the JSON
// syntax error's offset.
//
//	{
//	  "rules": [{"id": "internal-only", "type": "forbidden-registries",
//	             "registries": ["docker.io"], "use": "registry.corp:5000"}],
//	  "environments": {
//	    "production": [{"id": "no-latest", "type": "no-latest"},
//	                   {"id": "pin", "type": "mutable-needs-digest"}]
//	  }
//	}
func ParsePolicy(data []byte) (Policy, error) {
	var raw rawPolicy
	err := decodeStrict(data, &raw)
	if at := locate(data, reflect.TypeFor[rawPolicy]()); at != "" || err != nil {
		field := "policy"
		if at != "" {
			field = strings.TrimPrefix(at, ".")
		}
		if err == nil {
			return Policy{}, &Error{Field: field, Input: snippet(data),
				Reason: "is not a field of a policy (names are case-sensitive)", Err: ErrInvalidPolicy}
		}
		return Policy{}, &Error{Field: field, Input: snippet(data), Reason: "is not a valid policy document", Err: ErrInvalidPolicy, Cause: plainJSONError(err)}
	}
	p := Policy{Classifier: raw.Classifier}
	if p.Rules, err = decodeRules("rules", raw.Rules); err != nil {
		return Policy{}, err
	}
	if raw.Environments != nil {
		p.Environments = make(map[string][]LintRule, len(raw.Environments))
		for _, env := range sortedKeys(raw.Environments) {
			if p.Environments[env], err = decodeRules("environments."+env, raw.Environments[env]); err != nil {
				return Policy{}, err
			}
		}
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// LoadPolicy reads a JSON policy document from r; see ParsePolicy.
func LoadPolicy(r io.Reader) (Policy, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Policy{}, &Error{Field: "policy", Reason: "could not be read", Err: ErrInvalidPolicy, Cause: err}
	}
	return ParsePolicy(data)
}

func decodeRules(at string, raws []json.RawMessage) ([]LintRule, error) {
	if raws == nil {
		return nil, nil
	}
	rules := make([]LintRule, len(raws))
	for i, raw := range raws {
		err := decodeStrict(raw, &rules[i])
		where := locate(raw, reflect.TypeFor[LintRule]())
		if err == nil && where == "" {
			continue
		}
		place := at + "[" + strconv.Itoa(i) + "]" + where
		if err == nil {
			return nil, &Error{Field: place, Input: snippet(raw), Reason: "is not a field of a rule (names are case-sensitive)", Err: ErrInvalidPolicy}
		}
		return nil, &Error{Field: place, Input: snippet(raw), Reason: "is not a valid rule", Err: ErrInvalidPolicy, Cause: plainJSONError(err)}
	}
	return rules, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func snippet(b []byte) string {
	const max = 60
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// Violation is one broken rule.
type Violation struct {
	// Rule is the rule's id, Type its type.
	Rule string       `json:"rule"`
	Type LintRuleType `json:"type"`
	// Severity is the rule's severity.
	Severity Severity `json:"severity"`
	// Subject is what broke the rule: a reference in its familiar form,
	// or repository:tag for a tag set.
	Subject string `json:"subject"`
	// Message says what is wrong; Fix how to put it right.
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// NameMatch is a reference that follows a naming-scheme rule, with the
// fields the scheme matched.
type NameMatch struct {
	Rule    string            `json:"rule"`    // the naming-scheme rule's id
	Subject string            `json:"subject"` // the reference, in its familiar form
	Fields  map[string]string `json:"fields"`  // the scheme's fields and the values they matched
}

// Report is the result of a Check. It serialises to JSON; Violations are
// sorted by severity (most severe first), then subject, rule and message,
// so two runs over the same input give the same report. A reference given
// twice is counted twice in Checked but its violations appear once.
type Report struct {
	// Environment is the environment checked; empty for the common rules.
	Environment string `json:"environment,omitempty"`
	// Checked is the number of references or tags checked.
	Checked int `json:"checked"`
	// Violations are the broken rules, sorted.
	Violations []Violation `json:"violations"`
	// Names are references that follow a naming scheme, sorted by subject.
	Names []NameMatch `json:"names,omitempty"`
}

// Worst returns the highest severity among the violations, or "" when
// there are none.
func (r Report) Worst() Severity {
	var w Severity
	for _, v := range r.Violations {
		if v.Severity.Rank() > w.Rank() {
			w = v.Severity
		}
	}
	return w
}

// Fails reports whether any violation is at least as severe as min.
func (r Report) Fails(min Severity) bool { return r.Worst().Rank() >= min.Rank() && r.Worst() != "" }

// ImmutableTags returns the immutable-tags rules of env (with the common
// ones) for promotion tools to consult before moving a tag. The result is
// the caller's to keep.
func (p Policy) ImmutableTags(env string) (ImmutableTags, error) {
	rules, err := p.rulesFor(env)
	if err != nil {
		return nil, err
	}
	var out ImmutableTags
	for _, r := range rules {
		if r.Type == RuleImmutableTags {
			out = append(out, ImmutableRule{Repositories: slices.Clone(r.Repositories),
				Include: slices.Clone(r.Include), Exclude: slices.Clone(r.Exclude)})
		}
	}
	return out, nil
}

func (p Policy) rulesFor(env string) ([]LintRule, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if env == "" {
		return p.Rules, nil
	}
	extra, ok := p.Environments[env]
	if !ok {
		return nil, &Error{Field: "environment", Input: env, Reason: "is not an environment of the policy (it has " + strings.Join(sortedKeys(p.Environments), ", ") + ")", Err: ErrUnknownEnvironment}
	}
	return append(slices.Clip(p.Rules), extra...), nil
}

func (p Policy) classifier() tagging.Classifier {
	if p.Classifier != nil {
		return *p.Classifier
	}
	return tagging.Classifier{}
}

// Check lints references with the rules of env: the common rules plus
// the environment's own; env "" means the common rules only. The error
// reports an invalid policy or an unknown environment.
func (p Policy) Check(env string, refs []reference.Reference) (Report, error) {
	rules, err := p.rulesFor(env)
	if err != nil {
		return Report{}, err
	}
	cl := p.classifier()
	rep := Report{Environment: env, Checked: len(refs), Violations: []Violation{}}
	for _, r := range rules {
		var scheme NamingScheme
		if r.Type == RuleNamingScheme {
			scheme, _ = ParseNamingScheme(r.Pattern) // validated
		}
		for _, ref := range refs {
			if ref.IsZero() || len(r.Repositories) > 0 && !matchAny(r.Repositories, ref.Repository()) {
				continue
			}
			if r.Type == RuleNamingScheme {
				if fields, ok := scheme.Match(ref); ok {
					rep.Names = append(rep.Names, NameMatch{Rule: r.ID, Subject: ref.Familiar(), Fields: fields})
					continue
				}
			}
			if v, ok := checkRef(r, cl, ref); ok {
				rep.Violations = append(rep.Violations, v)
			}
		}
	}
	rep.sort()
	return rep, nil
}

// CheckTags lints the tag set of one repository (its path, "team/app")
// with the tag-scheme and immutable-tags rules of env.
func (p Policy) CheckTags(env, repository string, tags []string) (Report, error) {
	rules, err := p.rulesFor(env)
	if err != nil {
		return Report{}, err
	}
	cl := p.classifier()
	classes := make([]tagging.Class, len(tags))
	for i, t := range tags {
		classes[i] = cl.Classify(t)
	}
	rep := Report{Environment: env, Checked: len(tags), Violations: []Violation{}}
	for _, r := range rules {
		if len(r.Repositories) > 0 && !matchAny(r.Repositories, repository) {
			continue
		}
		switch r.Type {
		case RuleTagScheme:
			for _, c := range classes {
				if v, ok := tagScheme(r, repository+":"+c.Tag, c); ok {
					rep.Violations = append(rep.Violations, v)
				}
			}
			if r.OnePrefix {
				rep.Violations = append(rep.Violations, onePrefix(r, repository, classes)...)
			}
		case RuleImmutableTags:
			for _, c := range classes {
				if v, ok := immutableMoving(r, repository, c); ok {
					rep.Violations = append(rep.Violations, v)
				}
			}
		}
	}
	rep.sort()
	return rep, nil
}

func (rep *Report) sort() {
	slices.SortFunc(rep.Violations, func(a, b Violation) int {
		return cmp.Or(
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			strings.Compare(a.Subject, b.Subject),
			strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.Message, b.Message),
			strings.Compare(a.Fix, b.Fix),
		)
	})
	rep.Violations = slices.Compact(rep.Violations)
	slices.SortFunc(rep.Names, func(a, b NameMatch) int {
		return cmp.Or(strings.Compare(a.Subject, b.Subject), strings.Compare(a.Rule, b.Rule))
	})
	// A reference checked twice follows a scheme once.
	rep.Names = slices.CompactFunc(rep.Names, func(a, b NameMatch) bool { return a.Subject == b.Subject && a.Rule == b.Rule })
}

func violation(r LintRule, subject, msg, fix string) Violation {
	sev := r.Severity
	if sev == "" {
		sev = defaultSeverity[r.Type]
	}
	return Violation{Rule: r.ID, Type: r.Type, Severity: sev, Subject: subject, Message: msg, Fix: fix}
}

// checkRef applies one rule to one reference.
func checkRef(r LintRule, cl tagging.Classifier, ref reference.Reference) (Violation, bool) {
	subject := ref.Familiar()
	tag := ref.TagOrLatest()
	switch r.Type {
	case RuleNoLatest:
		if ref.IsPinned() || tag == "" {
			return Violation{}, false
		}
		c := cl.Classify(tag)
		if c.Kind != tagging.Latest {
			return Violation{}, false
		}
		msg := subject + " pulls " + strconv.Quote(tag) + ", which floats to whatever was pushed last"
		if !ref.HasTag() {
			msg = subject + " names no tag, so it pulls \"latest\", which floats to whatever was pushed last"
		}
		return violation(r, subject, msg, "use a version tag such as "+ref.Name()+":1.2.3, or pin a digest"), true
	case RuleMutableNeedsDigest:
		if ref.IsPinned() || tag == "" {
			return Violation{}, false
		}
		c := cl.Classify(tag)
		if !c.Kind.Moves() && c.Kind != tagging.Unknown {
			return Violation{}, false
		}
		return violation(r, subject, subject+" uses the "+c.Kind.String()+" tag "+strconv.Quote(tag)+" without a digest, so what runs can change",
			"pin it: "+ref.Name()+":"+tag+"@sha256:…, or use an immutable version tag"), true
	case RuleDigestRequired:
		if ref.IsPinned() {
			return Violation{}, false
		}
		return violation(r, subject, subject+" is not pinned by digest", "pin it: "+ref.Name()+":"+tag+"@sha256:…"), true
	case RuleAllowedRegistries:
		if matchAny(r.Registries, ref.Registry()) {
			return Violation{}, false
		}
		return violation(r, subject, subject+" is on "+ref.Registry()+", which is not an allowed registry",
			"pull it from "+strings.Join(r.Registries, " or ")), true
	case RuleForbiddenRegistries:
		if !matchAny(r.Registries, ref.Registry()) {
			return Violation{}, false
		}
		fix := "pull it from an internal registry"
		if r.Use != "" {
			fix = "use " + r.Use + "/" + ref.Repository()
			if tag != "" {
				fix += ":" + tag
			}
			if ref.IsPinned() {
				fix += "@" + string(ref.Digest())
			}
		}
		return violation(r, subject, subject+" pulls directly from "+ref.Registry()+", which is forbidden", fix), true
	case RuleTagScheme:
		if tag == "" {
			return Violation{}, false
		}
		return tagScheme(r, subject, cl.Classify(tag))
	case RuleNamingScheme:
		return violation(r, subject, subject+" does not follow the naming scheme "+r.Pattern,
			"name the image like "+r.Pattern), true
	case RuleImmutableTags:
		if tag == "" {
			return Violation{}, false
		}
		v, ok := immutableMoving(r, ref.Repository(), cl.Classify(tag))
		v.Subject = subject
		return v, ok
	}
	return Violation{}, false
}

// tagScheme flags a tag whose kind and form the scheme does not allow.
// subject is the reference, or repository:tag for a tag set.
func tagScheme(r LintRule, subject string, c tagging.Class) (Violation, bool) {
	if len(r.Kinds) == 0 && len(r.Forms) == 0 {
		return Violation{}, false
	}
	if slices.Contains(r.Kinds, c.Kind) || slices.Contains(r.Forms, c.Form) {
		return Violation{}, false
	}
	return violation(r, subject, c.Explain()+"; the repository's scheme allows "+schemeText(r),
		"pick one tagging strategy and be consistent: retag it in the scheme or delete it"), true
}

func schemeText(r LintRule) string {
	var parts []string
	for _, k := range r.Kinds {
		parts = append(parts, k.String()+" tags")
	}
	for _, f := range r.Forms {
		parts = append(parts, f.String())
	}
	return strings.Join(parts, ", ")
}

// onePrefix flags version tags whose prefix is not the one most version
// tags use (ties go to the shorter, then smaller prefix).
func onePrefix(r LintRule, repository string, classes []tagging.Class) []Violation {
	count := map[string]int{}
	for _, c := range classes {
		if c.Precision > 0 && c.Form != tagging.FormDate {
			count[c.Prefix]++
		}
	}
	if len(count) < 2 {
		return nil
	}
	major := ""
	for _, p := range sortedKeys(count) {
		if n, m := count[p], count[major]; n > m || n == m && len(p) < len(major) {
			major = p
		}
	}
	var out []Violation
	for _, c := range classes {
		if c.Precision == 0 || c.Form == tagging.FormDate || c.Prefix == major {
			continue
		}
		out = append(out, violation(r, repository+":"+c.Tag,
			strconv.Quote(c.Tag)+" has version prefix "+strconv.Quote(c.Prefix)+" while "+strconv.Itoa(count[major])+" version tags use "+strconv.Quote(major),
			"use one version prefix for the repository: "+strconv.Quote(major+strings.TrimPrefix(c.Tag, c.Prefix))))
	}
	return out
}

// immutableMoving flags a tag made immutable although its kind moves.
func immutableMoving(r LintRule, repository string, c tagging.Class) (Violation, bool) {
	m := ImmutableRule{Include: r.Include, Exclude: r.Exclude}
	if !c.Kind.Moves() || !m.Matches(repository, c.Tag) {
		return Violation{}, false
	}
	return violation(r, repository+":"+c.Tag,
		strconv.Quote(c.Tag)+" is "+c.Kind.String()+" and must move, but the immutable-tags rule covers it, so the registry will refuse to update it",
		"add "+strconv.Quote(c.Tag)+" to exclude, or narrow include"), true
}
