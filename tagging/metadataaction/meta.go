package metadataaction

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

// Inputs are metadata-action's inputs, list inputs already split into
// items (see ParseList).
type Inputs struct {
	Images      []string
	Tags        []string // empty means DefaultTags
	Flavor      []string
	Labels      []string
	Annotations []string
	// SepTags, SepLabels and SepAnnotations join the lines of the tags
	// (and tag-names), labels and annotations outputs; empty means "\n".
	SepTags        string
	SepLabels      string
	SepAnnotations string
	// BakeTarget names the target of the bake files; empty means
	// tagging.DefaultBakeTarget.
	BakeTarget string
}

// Options hold the facts metadata-action takes from its environment.
type Options struct {
	// Now is the time of the run: {{date}}, schedule patterns and the
	// created label. It is required (this package reads no clock).
	Now time.Time
	// ShortSHALength is the length of {{sha}} and type=sha's short form
	// (DOCKER_METADATA_SHORT_SHA_LENGTH); zero means 7.
	ShortSHALength int
	// AnnotationLevels are the levels the annotations output is given
	// (DOCKER_METADATA_ANNOTATIONS_LEVELS split at ','): manifest, index,
	// manifest-descriptor, index-descriptor, each optionally with a
	// platform such as manifest[linux/amd64]. Empty means manifest.
	AnnotationLevels []string
	// LoadLocation resolves the tz='Zone' of {{date}} and
	// {{commit_date}}, such as time.LoadLocation; nil allows only UTC.
	LoadLocation func(name string) (*time.Location, error)
	// ExistingTags are the tags the images already have. They are read
	// only with the flavor latest=newest.
	ExistingTags []string
}

// Version is the version metadata-action derives: the first tag
// generated (Main, "" when none), the others in order (Partial), and
// whether latest goes on too.
type Version struct {
	Main    string   `json:"main"`
	Partial []string `json:"partial"`
	Latest  bool     `json:"latest"`
}

// Result is what Generate derives: the same facts as metadata-action's
// outputs. Warnings say what metadata-action would print as warnings:
// a rule that produced nothing, a label line without '='.
type Result struct {
	Version Version
	// Images are the enabled images, lower-cased.
	Images []string
	// Tags are the full references, image by image; TagNames are the
	// tags alone.
	Tags     []string
	TagNames []string
	// Labels and Annotations are "key=value" lines sorted by key, without
	// annotation levels.
	Labels      []string
	Annotations []string
	// AnnotationLevels are the levels the annotations output is given.
	AnnotationLevels []string
	// BakeTarget names the target of the bake files.
	BakeTarget string
	// SepTags, SepLabels and SepAnnotations join the lines of the text
	// outputs (see Outputs).
	SepTags        string
	SepLabels      string
	SepAnnotations string
	// Warnings are the notes metadata-action would log as warnings.
	Warnings []string
}

// gen holds one evaluation.
type gen struct {
	in     Inputs
	ctx    Context
	repo   Repo
	opts   Options
	flavor Flavor
	res    Result

	versionSet bool
	latestSet  bool
	latestFrom *newestCheck
}

// newestCheck is what latest=newest needs about the rule that decided
// latest: its version, to compare with the existing tags.
type newestCheck struct {
	existing []string // the existing tags without the rule's prefix and suffix
	newer    func(existing string) bool
}

// Generate evaluates metadata-action's inputs in a context and returns
// its outputs. Every input line that cannot be read, every expression
// that cannot be evaluated and every generated tag or image name that is
// not valid is an error naming the line.
func Generate(in Inputs, ctx Context, repo Repo, opts Options) (Result, error) {
	if opts.Now.IsZero() {
		return Result{}, &Error{Input: "options", Line: "Now", Reason: "is required: the time of the run, for {{date}} and the created label", Err: ErrSyntax}
	}
	g := &gen{in: in, ctx: ctx, repo: repo, opts: opts}
	if g.ctx.CommitDate.IsZero() {
		g.ctx.CommitDate = opts.Now
	}
	if g.opts.ShortSHALength <= 0 {
		g.opts.ShortSHALength = 7
	}
	levels := opts.AnnotationLevels
	if len(levels) == 0 {
		levels = []string{"manifest"}
	}
	for _, l := range levels {
		if !validLevel(l) {
			return Result{}, &Error{Input: "annotation levels", Line: l, Reason: "is not an annotation level; allowed: manifest, index, manifest-descriptor, index-descriptor, each optionally with a platform such as manifest[linux/amd64]", Err: ErrSyntax}
		}
	}
	g.res.AnnotationLevels = slices.Clone(levels)
	g.res.BakeTarget = or(in.BakeTarget, tagging.DefaultBakeTarget)
	g.res.SepTags = or(in.SepTags, "\n")
	g.res.SepLabels = or(in.SepLabels, "\n")
	g.res.SepAnnotations = or(in.SepAnnotations, "\n")

	images, err := ParseImages(in.Images)
	if err != nil {
		return Result{}, err
	}
	for _, im := range images {
		if !im.Enable {
			continue
		}
		name := strings.ToLower(im.Name)
		if err := checkImage(name); err != nil {
			return Result{}, &Error{Input: "images", Line: im.Name, Reason: "is not a repository name such as ghcr.io/owner/app (no tag, no digest)", Err: ErrInvalidTag, Cause: err}
		}
		g.res.Images = append(g.res.Images, name)
	}
	tags, err := ParseTags(in.Tags)
	if err != nil {
		return Result{}, err
	}
	if g.flavor, err = ParseFlavor(in.Flavor); err != nil {
		return Result{}, err
	}
	if err := g.version(tags); err != nil {
		return Result{}, err
	}
	g.tags()
	if g.res.Labels, err = g.labels("labels", in.Labels); err != nil {
		return Result{}, err
	}
	if g.res.Annotations, err = g.labels("annotations", in.Annotations); err != nil {
		return Result{}, err
	}
	return g.res, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var errHasTag = errors.New("it has a tag or digest; the tags are added to it")

func checkImage(name string) error {
	r, err := reference.Parse(name)
	if err != nil {
		return err
	}
	if r.HasTag() || r.IsPinned() {
		return errHasTag
	}
	return nil
}

var levelRe = regexp.MustCompile(`^(manifest|index|manifest-descriptor|index-descriptor)(\[[^\]]+\])?$`)

func validLevel(l string) bool { return levelRe.MatchString(l) }

func (g *gen) warn(parts ...string) { g.res.Warnings = append(g.res.Warnings, strings.Join(parts, "")) }

// wrap turns an expression error into an *Error naming the input line.
func wrap(input, line string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*Error); ok {
		return err
	}
	return &Error{Input: input, Line: line, Reason: err.Error(), Err: ErrExpression}
}

func (g *gen) version(tags []Tag) error {
	for _, t := range tags {
		en, err := g.global(t.Attrs["enable"])
		if err != nil {
			return wrap("tags", t.Line, err)
		}
		if en != "true" && en != "false" {
			return &Error{Input: "tags", Line: t.Line, Reason: "enable gives " + strconv.Quote(en) + "; it must give true or false", Err: ErrExpression}
		}
		if en == "false" {
			continue
		}
		if err := g.rule(t); err != nil {
			return wrap("tags", t.Line, err)
		}
	}
	v := &g.res.Version
	seen := map[string]bool{}
	partial := v.Partial[:0]
	for _, p := range v.Partial {
		if !seen[p] {
			seen[p] = true
			partial = append(partial, p)
		}
	}
	v.Partial = partial
	if v.Partial == nil {
		v.Partial = []string{}
	}
	if g.flavor.Latest == LatestNewest && v.Latest && g.latestFrom != nil {
		for _, e := range g.latestFrom.existing {
			if g.latestFrom.newer(e) {
				v.Latest = false
				g.warn("latest stays where it is: the existing tag ", e, " is a newer release than ", v.Main)
				break
			}
		}
	}
	return nil
}

func (g *gen) autoLatest(auto bool) bool {
	switch g.flavor.Latest {
	case LatestTrue:
		return true
	case LatestFalse:
		return false
	}
	return auto
}

func (g *gen) rule(t Tag) error {
	ref := g.ctx.Ref
	switch t.Type {
	case TypeSchedule:
		if !strings.Contains(g.ctx.EventName, "schedule") {
			return nil
		}
		v, err := g.eval(t.Attrs["pattern"], g.dateScope("a schedule pattern"))
		if err != nil {
			return err
		}
		return g.setValue(t, v, g.autoLatest(false), nil)
	case TypeSemver, TypePEP440:
		vraw, ok, err := g.versionSource(t)
		if err != nil || !ok {
			return err
		}
		if t.Type == TypeSemver {
			return g.semverRule(t, vraw)
		}
		return g.pep440Rule(t, vraw)
	case TypeMatch:
		return g.matchRule(t)
	case TypeRef:
		switch t.Attrs["event"] {
		case "branch":
			if !strings.HasPrefix(ref, "refs/heads/") {
				return nil
			}
			return g.setValue(t, strings.TrimPrefix(ref, "refs/heads/"), g.autoLatest(false), nil)
		case "tag":
			if !strings.HasPrefix(ref, "refs/tags/") {
				return nil
			}
			name := strings.TrimPrefix(ref, "refs/tags/")
			return g.setValue(t, name, g.autoLatest(true), g.semverNewer(t, name))
		default:
			if !strings.HasPrefix(ref, "refs/pull/") {
				return nil
			}
			return g.setValue(t, strings.TrimSuffix(strings.TrimPrefix(ref, "refs/pull/"), "/merge"), g.autoLatest(false), nil)
		}
	case TypeEdge:
		if !strings.HasPrefix(ref, "refs/heads/") {
			return nil
		}
		branch := t.Attrs["branch"]
		if branch == "" {
			branch = g.repo.DefaultBranch
		}
		if branch == "" {
			// No repository facts (another CI, context git): the
			// payload may still name the default branch.
			branch = g.ctx.Payload.DefaultBranch
		}
		if branch == "" {
			g.warn("type=edge has no default branch to compare with (no repository facts); write type=edge,branch=main")
			return nil
		}
		if branch != strings.TrimPrefix(ref, "refs/heads/") {
			return nil
		}
		return g.setValue(t, "edge", g.autoLatest(false), nil)
	case TypeRaw:
		v, err := g.global(t.Attrs["value"])
		if err != nil {
			return err
		}
		return g.setValue(t, v, g.autoLatest(false), nil)
	case TypeSHA:
		if g.ctx.SHA == "" {
			return nil
		}
		v := g.ctx.SHA
		if t.Attrs["format"] == "short" {
			v = g.shortSHA()
		}
		return g.setValue(t, v, g.autoLatest(false), nil)
	}
	return nil
}

// versionSource returns the text a semver or pep440 rule reads: its
// value, or the git tag; ok is false when there is none.
func (g *gen) versionSource(t Tag) (string, bool, error) {
	isTag := strings.HasPrefix(g.ctx.Ref, "refs/tags/")
	if !isTag && t.Attrs["value"] == "" {
		return "", false, nil
	}
	var vraw string
	if t.Attrs["value"] != "" {
		v, err := g.global(t.Attrs["value"])
		if err != nil {
			return "", false, err
		}
		vraw = v
	} else {
		vraw = strings.TrimPrefix(g.ctx.Ref, "refs/tags/")
	}
	if m := t.Attrs["match"]; m != "" {
		re, all, err := jsRegexp(m, false)
		if err != nil {
			return "", false, err
		}
		groups := execJS(re, all, vraw)
		switch {
		case groups == nil:
			g.warn(m, " does not match ", vraw, ".")
		case len(groups) < 2 || groups[1] == nil:
			return "", false, exprErrf("match ", strconv.Quote(m), " matched ", strconv.Quote(vraw), " but has no first capture group to take the version from; write match=v(\\d.\\d.\\d)")
		default:
			vraw = *groups[1]
		}
	}
	return strings.ReplaceAll(vraw, "/", "-"), true, nil
}

func (g *gen) semverRule(t Tag, vraw string) error {
	sv, ok := parseSemver(vraw)
	if !ok {
		g.warn(vraw, " is not a valid semver. More info: https://semver.org/")
		return nil
	}
	pattern := t.Attrs["pattern"]
	if sv.v.Prerelease() != "" {
		if !isRawStatement(pattern) {
			pattern = "{{version}}"
		}
		v, err := g.eval(pattern, sv.scope())
		if err != nil {
			return err
		}
		return g.setValue(t, v, g.autoLatest(false), nil)
	}
	out, err := g.eval(pattern, sv.scope())
	if err != nil {
		return err
	}
	if g.flavor.Latest == LatestNewest && g.movesBack(t, pattern, out, func(e string) (scope, bool) {
		ev, ok := parseSemver(e)
		if !ok || ev.v.Prerelease() != "" || !ev.v.GreaterThan(sv.v) {
			return scope{}, false
		}
		return ev.scope(), true
	}) {
		return nil
	}
	return g.setValue(t, out, g.autoLatest(true), &newestCheck{existing: g.existingVersions(t), newer: func(e string) bool {
		ev, ok := parseSemver(e)
		return ok && ev.v.Prerelease() == "" && ev.v.GreaterThan(sv.v)
	}})
}

func (g *gen) pep440Rule(t Tag, vraw string) error {
	pv, ok := parsePEP440(vraw)
	if !ok {
		g.warn(vraw, " does not conform to PEP 440. More info: https://www.python.org/dev/peps/pep-0440")
		return nil
	}
	pattern := t.Attrs["pattern"]
	if pv.unstable() {
		v := pv.clean()
		if isRawStatement(pattern) {
			v = vraw
		}
		return g.setValue(t, v, g.autoLatest(false), nil)
	}
	out, err := g.eval(pattern, pv.scope())
	if err != nil {
		return err
	}
	if g.flavor.Latest == LatestNewest && g.movesBack(t, pattern, out, func(e string) (scope, bool) {
		ev, ok := parsePEP440(e)
		if !ok || ev.unstable() || !ev.v.GreaterThan(pv.v) {
			return scope{}, false
		}
		return ev.scope(), true
	}) {
		return nil
	}
	return g.setValue(t, out, g.autoLatest(true), &newestCheck{existing: g.existingVersions(t), newer: func(e string) bool {
		ev, ok := parsePEP440(e)
		return ok && !ev.unstable() && ev.v.GreaterThan(pv.v)
	}})
}

// movesBack reports, for latest=newest, whether an existing tag is a
// newer stable release whose rendering of the same pattern is the same
// tag: then that tag already points at the newer release and must not
// move back to this one.
func (g *gen) movesBack(t Tag, pattern, out string, newer func(string) (scope, bool)) bool {
	for _, e := range g.existingVersions(t) {
		sc, ok := newer(e)
		if !ok {
			continue
		}
		if r, err := g.eval(pattern, sc); err == nil && r == out {
			g.warn("tag ", out, " stays where it is: the existing tag ", e, " is a newer release on the same line")
			return true
		}
	}
	return false
}

// semverNewer compares a git tag that is a semver with existing tags for
// latest=newest; nil when the tag is not a semver.
func (g *gen) semverNewer(t Tag, name string) *newestCheck {
	sv, ok := parseSemver(name)
	if !ok {
		return nil
	}
	return &newestCheck{existing: g.existingVersions(t), newer: func(e string) bool {
		ev, ok := parseSemver(e)
		return ok && ev.v.Prerelease() == "" && ev.v.GreaterThan(sv.v)
	}}
}

func (g *gen) matchRule(t Tag) error {
	isTag := strings.HasPrefix(g.ctx.Ref, "refs/tags/")
	if !isTag && t.Attrs["value"] == "" {
		return nil
	}
	var vraw string
	if t.Attrs["value"] != "" {
		v, err := g.global(t.Attrs["value"])
		if err != nil {
			return err
		}
		vraw = v
	} else {
		vraw = strings.TrimPrefix(g.ctx.Ref, "refs/tags/")
	}
	pattern := t.Attrs["pattern"]
	re, all, err := jsRegexp(pattern, true)
	if err != nil {
		return err
	}
	groups := execJS(re, all, vraw)
	if groups == nil {
		g.warn(pattern, " does not match ", vraw, ".")
		return nil
	}
	gi, _ := strconv.Atoi(t.Attrs["group"])
	if gi >= len(groups) || groups[gi] == nil {
		g.warn("Group ", t.Attrs["group"], " does not exist for ", pattern, " pattern.")
		return nil
	}
	return g.setValue(t, *groups[gi], g.autoLatest(true), g.semverNewer(t, *groups[gi]))
}

// affixes returns the prefix and suffix a rule's tags get: the rule's own
// when it sets them (even empty), else the flavor's.
func (g *gen) affixes(t Tag) (prefix, suffix string, err error) {
	if p, ok := t.Attrs["prefix"]; ok {
		if prefix, err = g.global(p); err != nil {
			return "", "", err
		}
	} else if g.flavor.Prefix != "" {
		if prefix, err = g.global(g.flavor.Prefix); err != nil {
			return "", "", wrap("flavor", "prefix="+g.flavor.Prefix, err)
		}
	}
	if p, ok := t.Attrs["suffix"]; ok {
		if suffix, err = g.global(p); err != nil {
			return "", "", err
		}
	} else if g.flavor.Suffix != "" {
		if suffix, err = g.global(g.flavor.Suffix); err != nil {
			return "", "", wrap("flavor", "suffix="+g.flavor.Suffix, err)
		}
	}
	return prefix, suffix, nil
}

// existingVersions returns the existing tags as the rule would have
// written them, its prefix and suffix taken off (a tag without them is
// another rule's, and left out), for latest=newest.
func (g *gen) existingVersions(t Tag) []string {
	prefix, suffix, err := g.affixes(t)
	if err != nil {
		return nil
	}
	prefix, suffix = sanitizeTag(prefix), sanitizeTag(suffix)
	var out []string
	for _, e := range g.opts.ExistingTags {
		if len(e) > len(prefix)+len(suffix) && strings.HasPrefix(e, prefix) && strings.HasSuffix(e, suffix) {
			out = append(out, e[len(prefix):len(e)-len(suffix)])
		}
	}
	return out
}

// setValue adds the rule's (or the flavor's) prefix and suffix, then
// records the tag.
func (g *gen) setValue(t Tag, val string, latest bool, nc *newestCheck) error {
	prefix, suffix, err := g.affixes(t)
	if err != nil {
		return err
	}
	val = prefix + val + suffix
	if val == "" {
		return nil
	}
	val = sanitizeTag(val)
	if err := reference.ValidateTag(val); err != nil {
		return &Error{Input: "tags", Line: t.Line, Reason: "gives the tag " + strconv.Quote(val) + ", which is not a valid tag (a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})", Err: ErrInvalidTag, Cause: err}
	}
	v := &g.res.Version
	if !g.versionSet {
		v.Main = val
		g.versionSet = true
	} else if val != v.Main {
		v.Partial = append(v.Partial, val)
	}
	if !g.latestSet {
		v.Latest = latest
		g.latestSet = true
		g.latestFrom = nc
	}
	return nil
}

// sanitizeTag replaces every run of characters a tag may not hold with
// '-', as metadata-action does.
func sanitizeTag(s string) string {
	var b strings.Builder
	bad := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			if bad {
				b.WriteByte('-')
				bad = false
			}
			b.WriteByte(c)
			continue
		}
		bad = true
	}
	if bad {
		b.WriteByte('-')
	}
	return b.String()
}

func (g *gen) shortSHA() string {
	if g.opts.ShortSHALength >= len(g.ctx.SHA) {
		return g.ctx.SHA
	}
	return g.ctx.SHA[:g.opts.ShortSHALength]
}

func (g *gen) eval(text string, sc scope) (string, error) {
	t, err := parseTemplate(text)
	if err != nil {
		return "", err
	}
	return t.eval(sc)
}

// global evaluates a value, prefix, suffix, enable or label in the
// names every input may use.
func (g *gen) global(text string) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	return g.eval(text, g.globalScope())
}

func (g *gen) dateScope(what string) scope {
	return scope{what: what, helpers: map[string]helper{
		"date":        g.dateHelper(g.opts.Now),
		"commit_date": g.dateHelper(g.ctx.CommitDate),
	}}
}

func (g *gen) globalScope() scope {
	ctx := g.ctx
	sc := g.dateScope("a value")
	h := sc.helpers
	h["branch"] = value(trimIf(ctx.Ref, "refs/heads/"))
	h["tag"] = value(trimIf(ctx.Ref, "refs/tags/"))
	h["sha"] = lazy(func() (string, error) { return g.shortSHA(), nil })
	baseRef := ""
	switch {
	case strings.HasPrefix(ctx.Ref, "refs/tags/") && ctx.Payload.BaseRef != "":
		baseRef = strings.TrimPrefix(ctx.Payload.BaseRef, "refs/heads/")
	case strings.HasPrefix(ctx.Ref, "refs/pull/") && ctx.Payload.PullRequest.BaseRef != "":
		baseRef = ctx.Payload.PullRequest.BaseRef
	}
	h["base_ref"] = value(baseRef)
	def := g.isDefaultBranch()
	h["is_default_branch"] = value(strconv.FormatBool(def))
	h["is_not_default_branch"] = value(strconv.FormatBool(!def))
	return sc
}

// trimIf returns s without prefix when it has it, else "".
func trimIf(s, prefix string) string {
	if !strings.HasPrefix(s, prefix) {
		return ""
	}
	return strings.TrimPrefix(s, prefix)
}

// isDefaultBranch follows metadata-action: the ref (without refs/heads/)
// is the payload's default branch, or the event is one that always runs
// on the default branch (create, discussion, issues, schedule).
func (g *gen) isDefaultBranch() bool {
	branch := strings.TrimPrefix(g.ctx.Ref, "refs/heads/")
	if branch == "" {
		return false
	}
	if g.ctx.Payload.DefaultBranch == branch {
		return true
	}
	ev := g.ctx.EventName
	return strings.Contains(ev, "create") || strings.Contains(ev, "discussion") || strings.Contains(ev, "issues") || strings.Contains(ev, "schedule")
}

// dateHelper formats t with a moment.js format in a time zone (UTC
// unless tz='Zone'). An unquoted word as the format is, as in
// metadata-action, no format at all: ISO 8601.
func (g *gen) dateHelper(t time.Time) helper {
	return func(params []param, hash []hashPair) (string, error) {
		if len(params) == 0 {
			return "", exprErrf("needs a format in quotes, such as {{date 'YYYYMMDD'}}")
		}
		if len(params) > 1 {
			return "", exprErrf("takes one format and the option tz='Zone'")
		}
		loc := time.UTC
		for _, kv := range hash {
			if kv.key != "tz" {
				return "", exprErrf("unknown option ", strconv.Quote(kv.key), "; allowed: tz='Zone' such as tz='Asia/Tokyo'")
			}
			if !kv.val.quoted {
				return "", exprErrf("tz needs a quoted zone name, such as tz='Asia/Tokyo'")
			}
			l, err := g.location(kv.val.str)
			if err != nil {
				return "", err
			}
			loc = l
		}
		p := params[0]
		if !p.quoted && g.globalNames()[p.str] {
			return "", exprErrf("the format ", p.str, " names a value; write the format in quotes, such as 'YYYYMMDD'")
		}
		if !p.quoted && isLiteral(p.str) {
			return "", exprErrf("the format ", p.str, " is not a string; write the format in quotes, such as 'YYYYMMDD'")
		}
		return formatMoment(t.In(loc), p.str, p.quoted), nil
	}
}

// isLiteral reports a bare word Handlebars reads as a number, boolean,
// null or undefined rather than a name.
func isLiteral(w string) bool {
	switch w {
	case "true", "false", "null", "undefined":
		return true
	}
	_, err := strconv.ParseFloat(w, 64)
	return err == nil
}

func (g *gen) globalNames() map[string]bool {
	return map[string]bool{"branch": true, "tag": true, "sha": true, "base_ref": true, "is_default_branch": true,
		"is_not_default_branch": true, "date": true, "commit_date": true}
}

func (g *gen) location(name string) (*time.Location, error) {
	if name == "UTC" || name == "Etc/UTC" {
		return time.UTC, nil
	}
	if g.opts.LoadLocation == nil {
		return nil, exprErrf("time zone ", strconv.Quote(name), " cannot be resolved: no zone database was given (Options.LoadLocation); only UTC is available")
	}
	l, err := g.opts.LoadLocation(name)
	if err != nil || l == nil {
		return nil, exprErrf("unknown time zone ", strconv.Quote(name), "; use an IANA zone name such as Europe/Paris or Asia/Tokyo")
	}
	return l, nil
}

func (g *gen) tags() {
	v := g.res.Version
	if !g.versionSet {
		g.res.Tags, g.res.TagNames = []string{}, []string{}
		return
	}
	names := append([]string{v.Main}, v.Partial...)
	if v.Latest {
		latest := "latest"
		if g.flavor.PrefixLatest {
			latest = g.flavor.Prefix + latest
		}
		if g.flavor.SuffixLatest {
			latest += g.flavor.Suffix
		}
		latest = sanitizeTag(latest)
		if slices.Contains(names, latest) {
			g.warn("the tag ", latest, " is generated twice: by a rule and as latest")
		}
		names = append(names, latest)
	}
	g.res.TagNames = names
	if len(g.res.Images) == 0 {
		g.res.Tags = slices.Clone(names)
		return
	}
	g.res.Tags = make([]string, 0, len(names)*len(g.res.Images))
	for _, im := range g.res.Images {
		for _, n := range names {
			g.res.Tags = append(g.res.Tags, im+":"+n)
		}
	}
}

// labels returns the OCI labels metadata-action always sets followed by
// the input's lines (expressions evaluated), later keys replacing
// earlier ones, sorted by key the way JavaScript's localeCompare sorts.
// A line without '=' is dropped with a warning, as metadata-action drops
// it.
func (g *gen) labels(input string, extra []string) ([]string, error) {
	created := g.opts.Now.UTC().Format("2006-01-02T15:04:05.000Z")
	lines := []string{
		v1.AnnotationTitle + "=" + g.repo.Name,
		v1.AnnotationDescription + "=" + g.repo.Description,
		v1.AnnotationURL + "=" + g.repo.HTMLURL,
		v1.AnnotationSource + "=" + g.repo.HTMLURL,
		v1.AnnotationVersion + "=" + g.res.Version.Main,
		v1.AnnotationCreated + "=" + created,
		v1.AnnotationRevision + "=" + g.ctx.SHA,
		v1.AnnotationLicenses + "=" + g.repo.Licenses(),
	}
	for _, l := range extra {
		s, err := g.global(l)
		if err != nil {
			return nil, wrap(input, l, err)
		}
		lines = append(lines, s)
	}
	var keys []string
	vals := map[string]string{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			g.warn(input, ": ", strconv.Quote(l), " has no '=' and is left out; write key=value")
			continue
		}
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	slices.SortStableFunc(keys, localeCompare)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + vals[k]
	}
	return out, nil
}
