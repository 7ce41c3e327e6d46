package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/imagetags/imagetags/tagging/metadataaction"
)

// action is one run of the step.
type action struct {
	env environment
	out io.Writer
}

// inputName is the variable GitHub sets for an input: INPUT_ and the
// name upper-cased, spaces as '_', hyphens kept.
func inputName(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}

// input returns an input trimmed, as the actions toolkit's getInput.
func (a *action) input(name string) string {
	return strings.TrimSpace(a.env.getenv(inputName(name)))
}

// list reads a list input; attr inputs (tags, flavor, images) keep the
// quotes of fields that hold a comma, so their lines read as written.
func (a *action) list(name string, attr bool) ([]string, error) {
	parse := metadataaction.ParseList
	if attr {
		parse = metadataaction.ParseAttrList
	}
	items, err := parse(a.env.getenv(inputName(name)))
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", name, err)
	}
	return items, nil
}

func (a *action) printf(format string, args ...any) { fmt.Fprintf(a.out, format, args...) }

func (a *action) group(title string, lines []string) {
	a.printf("::group::%s\n", title)
	for _, l := range lines {
		a.printf("%s\n", l)
	}
	a.printf("::endgroup::\n")
}

func (a *action) run(ctx context.Context) error {
	in := metadataaction.Inputs{
		SepTags:        a.env.getenv(inputName("sep-tags")),
		SepLabels:      a.env.getenv(inputName("sep-labels")),
		SepAnnotations: a.env.getenv(inputName("sep-annotations")),
		BakeTarget:     a.input("bake-target"),
	}
	var err error
	for _, l := range []struct {
		name string
		dst  *[]string
		attr bool
	}{{"images", &in.Images, true}, {"tags", &in.Tags, true}, {"flavor", &in.Flavor, true}, {"labels", &in.Labels, false}, {"annotations", &in.Annotations, false}} {
		if *l.dst, err = a.list(l.name, l.attr); err != nil {
			return err
		}
	}
	existing, err := a.list("existing-tags", false)
	if err != nil {
		return err
	}
	source := a.input("context")
	if source == "" {
		source = "workflow"
	}
	if source != "workflow" && source != "git" {
		return fmt.Errorf("input context: %q is not a context source; allowed: workflow, git", source)
	}

	now, err := a.now()
	if err != nil {
		return err
	}
	opts := metadataaction.Options{Now: now, LoadLocation: a.env.loadLocation, ExistingTags: existing}
	if v := a.env.getenv("DOCKER_METADATA_SHORT_SHA_LENGTH"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return fmt.Errorf("DOCKER_METADATA_SHORT_SHA_LENGTH: %q is not a length; give a whole number of characters, such as 12", v)
		}
		opts.ShortSHALength = n
	}
	if v := a.env.getenv("DOCKER_METADATA_ANNOTATIONS_LEVELS"); v != "" {
		opts.AnnotationLevels = strings.Split(v, ",")
	}
	prHead, err := switchOn(a.env.getenv("DOCKER_METADATA_PR_HEAD_SHA"), "DOCKER_METADATA_PR_HEAD_SHA")
	if err != nil {
		return err
	}
	setEnv := true
	if v := a.env.getenv("DOCKER_METADATA_SET_OUTPUT_ENV"); v != "" {
		if setEnv, err = parseBool(v, "DOCKER_METADATA_SET_OUTPUT_ENV"); err != nil {
			return err
		}
	}

	payload, err := a.payload()
	if err != nil {
		return err
	}
	runNumber, _ := strconv.ParseInt(a.env.getenv("GITHUB_RUN_NUMBER"), 10, 64)
	runID, _ := strconv.ParseInt(a.env.getenv("GITHUB_RUN_ID"), 10, 64)
	mctx := metadataaction.WorkflowContext(a.env.getenv("GITHUB_EVENT_NAME"), a.env.getenv("GITHUB_REF"), a.env.getenv("GITHUB_SHA"),
		runNumber, runID, payload, metadataaction.ContextOptions{PRHeadSHA: prHead})

	gh := newGitHub(a.env, a.input("github-token"), payload)
	if _, ok := gh.ownerRepo(); !ok {
		a.printf("::notice::No repository is known (GITHUB_REPOSITORY is not owner/name and the payload names none): the title, description, url, source and licenses labels are empty\n")
	}
	if source == "git" {
		if err := a.gitContext(ctx, &mctx); err != nil {
			return err
		}
	}
	repo, err := gh.repo(ctx)
	if err != nil {
		return err
	}
	if mctx.CommitDate.IsZero() && source == "workflow" {
		if d, ok := gh.commitDate(ctx, mctx.SHA); ok {
			mctx.CommitDate = d
		}
	}
	if mctx.CommitDate.IsZero() {
		mctx.CommitDate = now // as metadata-action, when no source knows the commit's time
	}
	a.group("Context info", []string{
		"eventName: " + mctx.EventName, "sha: " + mctx.SHA, "ref: " + mctx.Ref,
		"runNumber: " + strconv.FormatInt(mctx.RunNumber, 10), "runId: " + strconv.FormatInt(mctx.RunID, 10),
		"commitDate: " + mctx.CommitDate.UTC().Format(time.RFC3339),
	})

	res, err := metadataaction.Generate(in, mctx, repo, opts)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		a.printf("::warning::%s\n", escapeData(w))
	}
	if res.Version.Main == "" {
		a.printf("::warning::No Docker image version has been generated. Check tags input.\n")
	} else {
		a.group("Docker image version", []string{res.Version.Main})
	}
	if len(res.Tags) == 0 {
		a.printf("::warning::No Docker tag has been generated. Check tags input.\n")
	} else {
		a.group("Docker tags", res.Tags)
	}
	a.group("Docker labels", res.Labels)
	a.group("Annotations", res.LeveledAnnotations())

	outputs := res.Outputs()
	files, err := a.writeBakeFiles(res)
	if err != nil {
		return err
	}
	outputs = append(outputs, files...)
	return a.setOutputs(outputs, setEnv)
}

// now is the time of the run: SOURCE_DATE_EPOCH when set, else the clock,
// read once.
func (a *action) now() (time.Time, error) {
	v := strings.TrimSpace(a.env.getenv("SOURCE_DATE_EPOCH"))
	if v == "" {
		return a.env.now().UTC(), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 253402300799 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH: %q is not a time; give seconds since 1970-01-01 UTC, such as 1700000000", v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// payload reads the event payload; a missing path or file is an empty
// payload, as in the actions toolkit.
func (a *action) payload() (metadataaction.Payload, error) {
	p := a.env.getenv("GITHUB_EVENT_PATH")
	if p == "" {
		return metadataaction.Payload{}, nil
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		a.printf("GITHUB_EVENT_PATH %s does not exist\n", p)
		return metadataaction.Payload{}, nil
	}
	if err != nil {
		return metadataaction.Payload{}, fmt.Errorf("GITHUB_EVENT_PATH: %w", err)
	}
	pl, err := metadataaction.ParsePayload(data)
	if err != nil {
		return metadataaction.Payload{}, fmt.Errorf("GITHUB_EVENT_PATH %s: %w", p, err)
	}
	return pl, nil
}

// switchOn reads a metadata-action switch that is on when it says true.
func switchOn(v, name string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return false, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is not allowed; allowed: true, false", name, v)
}

// parseBool reads a boolean as the actions toolkit's parseBool.
func parseBool(v, name string) (bool, error) {
	switch v {
	case "1", "t", "T", "true", "TRUE", "True":
		return true, nil
	case "0", "f", "F", "false", "FALSE", "False":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is not a boolean; allowed: true, false, 1, 0", name, v)
}

// writeBakeFiles writes the four bake files into a new directory under
// RUNNER_TEMP and returns their outputs. Each file is checked to be JSON
// and written atomically.
func (a *action) writeBakeFiles(res metadataaction.Result) ([]metadataaction.Output, error) {
	base := a.env.getenv("RUNNER_TEMP")
	if base == "" {
		base = os.TempDir()
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, fmt.Errorf("RUNNER_TEMP: %w", err)
	}
	dir, err := os.MkdirTemp(base, "docker-actions-toolkit-")
	if err != nil {
		return nil, fmt.Errorf("RUNNER_TEMP: %w", err)
	}
	var outs []metadataaction.Output
	for _, f := range []struct {
		output, file string
		data         []byte
	}{
		{"bake-file-tags", "docker-metadata-action-bake-tags.json", res.BakeFileTags()},
		{"bake-file-labels", "docker-metadata-action-bake-labels.json", res.BakeFileLabels()},
		{"bake-file-annotations", "docker-metadata-action-bake-annotations.json", res.BakeFileAnnotations()},
		{"bake-file", "docker-metadata-action-bake.json", res.BakeFile()},
	} {
		if !json.Valid(f.data) {
			return nil, fmt.Errorf("%s: the generated bake file is not JSON; nothing was written", f.output)
		}
		path := filepath.Join(dir, f.file)
		if err := writeAtomic(path, f.data); err != nil {
			return nil, fmt.Errorf("%s: %w", f.output, err)
		}
		a.group("Bake file definition ("+strings.TrimPrefix(f.output, "bake-file-")+")", []string{string(f.data)})
		outs = append(outs, metadataaction.Output{Name: f.output, Value: path})
	}
	return outs, nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var nonWord = regexp.MustCompile(`\W`)

// setOutputs appends the outputs to GITHUB_OUTPUT (and, with setEnv, the
// DOCKER_METADATA_OUTPUT_<NAME> variables to GITHUB_ENV) in GitHub's
// multi-line format, each file in one write. Without GITHUB_OUTPUT the
// outputs go to standard output in the same format.
func (a *action) setOutputs(outs []metadataaction.Output, setEnv bool) error {
	var outBuf, envBuf strings.Builder
	for _, o := range outs {
		if err := fileCommand(&outBuf, o.Name, o.Value); err != nil {
			return err
		}
		if setEnv {
			name := "DOCKER_METADATA_OUTPUT_" + strings.ToUpper(nonWord.ReplaceAllString(o.Name, "_"))
			if err := fileCommand(&envBuf, name, o.Value); err != nil {
				return err
			}
		}
	}
	if p := a.env.getenv("GITHUB_OUTPUT"); p != "" {
		if err := appendFile(p, outBuf.String()); err != nil {
			return fmt.Errorf("GITHUB_OUTPUT: %w", err)
		}
	} else {
		a.printf("GITHUB_OUTPUT is not set; the outputs follow\n%s", outBuf.String())
	}
	if p := a.env.getenv("GITHUB_ENV"); setEnv && p != "" {
		if err := appendFile(p, envBuf.String()); err != nil {
			return fmt.Errorf("GITHUB_ENV: %w", err)
		}
	}
	return nil
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fileCommand writes name<<delimiter, the value and the delimiter, with a
// random delimiter that neither contains.
func fileCommand(b *strings.Builder, name, value string) error {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return err
	}
	r[6] = r[6]&0x0f | 0x40
	r[8] = r[8]&0x3f | 0x80
	h := hex.EncodeToString(r[:])
	delim := "ghadelimiter_" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	if strings.Contains(name, delim) || strings.Contains(value, delim) {
		return fmt.Errorf("output %s: the value contains the delimiter %s", name, delim)
	}
	b.WriteString(name + "<<" + delim + "\n" + value + "\n" + delim + "\n")
	return nil
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}
