package metadataaction

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imagetags/imagetags/reference"
)

func FuzzParseList(f *testing.F) {
	for _, s := range []string{"a\nb", `type=match,"pattern=\d{1,2}"`, "\"a\"\"b\"", "# c\r\nx", "\"open", `"a"b,c`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := ParseList(s)
		if err != nil {
			if !strings.Contains(s, `"`) {
				t.Fatalf("only an unclosed quote is an error, got %v for %q", err, s)
			}
			return
		}
		for _, it := range items {
			if it == "" || it != trimJS(it) {
				t.Fatalf("item %q is empty or untrimmed", it)
			}
		}
	})
}

func FuzzParseTag(f *testing.F) {
	for _, s := range []string{"type=semver,pattern={{version}}", "type=match,\"pattern=v(.*)\",group=1", "acustomtag", "type=ref,event=pr", "=x", "type=sha,format=long,priority=1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tag, err := ParseTag(s)
		if err != nil {
			if !strings.Contains(err.Error(), "metadataaction: tags:") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		if tag.Type == "" || tag.Attrs["enable"] == "" || tag.Attrs["priority"] == "" {
			t.Fatalf("defaults missing: %+v", tag)
		}
	})
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"{{branch}}", "x-{{date 'YYYYMMDD' tz='UTC'}}", "{{~sha~}}", "{{! c }}", `\{{x}}`, "{{{tag}}}", "{{date (x)}}", "{{#if}}"} {
		f.Add(s)
	}
	g := &gen{opts: Options{Now: time.Date(2020, 1, 10, 0, 30, 0, 0, time.UTC), ShortSHALength: 7},
		ctx: Context{Ref: "refs/heads/main", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", CommitDate: time.Unix(0, 0).UTC()}}
	sc := g.globalScope()
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := parseTemplate(s)
		if err != nil {
			return
		}
		out, err := tpl.eval(sc)
		if err == nil && !strings.Contains(s, "{{") && out != s {
			t.Fatalf("text without expressions changed: %q -> %q", s, out)
		}
		isRawStatement(s)
	})
}

func FuzzFormatMoment(f *testing.F) {
	for _, s := range []string{"YYYYMMDD", "[lit] Do MMMM", "LLLL", "\\Y", "gggg-ww", "S{9}SSSSSSSSS"} {
		f.Add(s, int64(1578616200))
	}
	f.Fuzz(func(t *testing.T, format string, sec int64) {
		if len(format) > 256 {
			return // long formats add nothing but minimisation time
		}
		tm := time.Unix(sec%(400*365*86400), 0).UTC()
		formatMoment(tm, format, true)
	})
}

func FuzzGenerate(f *testing.F) {
	for _, s := range [][3]string{
		{"type=semver,pattern={{major}}.{{minor}}", "refs/tags/v1.2.3", "latest=auto"},
		{"type=raw,value={{branch}}-{{sha}}", "refs/heads/feat/x", "prefix=p-,onlatest=true"},
		{"type=match,pattern=/v(\\d)/ig,group=1", "refs/tags/v1v2", "latest=newest"},
		{"type=pep440,pattern={{raw}}", "refs/tags/1.0rc1", "suffix=-s"},
		{"type=ref,event=pr", "refs/pull/3/merge", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	opts := Options{Now: time.Date(2020, 1, 10, 0, 30, 0, 0, time.UTC), ExistingTags: []string{"1.3.0", "2"}}
	f.Fuzz(func(t *testing.T, tagLine, ref, flavor string) {
		in := Inputs{Images: []string{"ghcr.io/acme/app"}, Tags: []string{tagLine}}
		if flavor != "" {
			in.Flavor = []string{flavor}
		}
		res, err := Generate(in, Context{EventName: "push", Ref: ref, SHA: "860c1904a1ce19322e91ac35af1ab07466440c37"}, Repo{}, opts)
		if err != nil {
			return
		}
		for _, n := range res.TagNames {
			if reference.ValidateTag(n) != nil {
				t.Fatalf("invalid tag %q from %q on %q", n, tagLine, ref)
			}
		}
		if !json.Valid(res.JSON()) || !json.Valid(res.BakeFile()) {
			t.Fatalf("outputs are not JSON")
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{`{"number": 7, "pull_request": {"base": {"ref": "main"}, "head": {"sha": "abc"}}}`, `{"commits": [{"id": "x", "timestamp": "2024-11-13T13:42:28Z"}]}`, `{"base_ref": null, "repository": {"name": "a", "owner": {"login": "b"}}}`, `[]`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePayload(data)
		if err != nil {
			return
		}
		c := WorkflowContext("pull_request_target", "refs/heads/main", "x", 1, 2, p, ContextOptions{PRHeadSHA: true})
		if !strings.HasPrefix(c.Ref, "refs/pull/") {
			t.Fatalf("pull_request_target ref %q", c.Ref)
		}
	})
}

func FuzzParseFlavorAndImages(f *testing.F) {
	for _, s := range []string{"latest=auto", "prefix=dev-,onlatest=true", "suffix=-a,onlatest=false", "name=ghcr.io/a/b,enable=false", "a/b,c/d", "=", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if fl, err := ParseFlavor([]string{line}); err == nil {
			switch fl.Latest {
			case LatestAuto, LatestTrue, LatestFalse, LatestNewest:
			default:
				t.Fatalf("latest %q", fl.Latest)
			}
		}
		if ims, err := ParseImages([]string{line}); err == nil {
			for _, im := range ims {
				if im.Name == "" {
					t.Fatalf("empty image name from %q", line)
				}
			}
		}
	})
}
