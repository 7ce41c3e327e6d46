package metadataaction

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readCases(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v))
}

type wantTag struct {
	Type  Type              `json:"type"`
	Attrs map[string]string `json:"attrs"`
}

func TestParseTagSuite(t *testing.T) {
	var cases struct {
		Transform []struct {
			Lines    []string  `json:"lines"`
			Expected []wantTag `json:"expected"`
			Invalid  bool      `json:"invalid"`
		} `json:"transform"`
		Parse []struct {
			Line     string   `json:"line"`
			Expected *wantTag `json:"expected"`
			Invalid  bool     `json:"invalid"`
		} `json:"parse"`
	}
	readCases(t, "tag_cases.json", &cases)
	require.NotEmpty(t, cases.Parse)
	for _, tc := range cases.Parse {
		t.Run(tc.Line, func(t *testing.T) {
			got, err := ParseTag(tc.Line)
			if tc.Invalid {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrSyntax)
				assert.Contains(t, err.Error(), tc.Line, "the error names the line")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.Expected.Type, got.Type)
			assert.Equal(t, tc.Expected.Attrs, got.Attrs)
		})
	}
	for _, tc := range cases.Transform {
		got, err := ParseTags(tc.Lines)
		if tc.Invalid {
			require.Error(t, err)
			continue
		}
		require.NoError(t, err)
		require.Len(t, got, len(tc.Expected))
		for i, w := range tc.Expected {
			assert.Equal(t, w.Type, got[i].Type, "position %d", i)
			assert.Equal(t, w.Attrs, got[i].Attrs, "position %d", i)
		}
	}
}

func TestParseTagRefusesWhatMetadataActionIgnores(t *testing.T) {
	for _, tc := range []struct {
		line, want string
	}{
		{"type=semver,pattern={{version}},prefx=v", `does not take the attribute "prefx"`},
		{"type=sha,foo", "does not take the value"},
		{"type=edge,event=tag", `does not take the attribute "event"`},
		{"type=raw,value=x,priority=high", "is not a number"},
		{"type=match,pattern=x,group=", "not a capture group number"},
		{"type=match,pattern=x,group=-1", "not a capture group number"},
		{`type=raw,"value=x`, "never closed"},
		{"type=Semver,pattern={{version}}", `unknown type "Semver"`},
	} {
		t.Run(tc.line, func(t *testing.T) {
			_, err := ParseTag(tc.line)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrSyntax)
			assert.Contains(t, err.Error(), tc.want)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "tags", e.Input)
			assert.Equal(t, tc.line, e.Line)
		})
	}
}

func TestParseTagsOrdersByPriorityStably(t *testing.T) {
	got, err := ParseTags([]string{"type=raw,a", "type=raw,b,priority=2000", "type=raw,c", "type=sha", "type=raw,d,priority=2000"})
	require.NoError(t, err)
	var order []string
	for _, tg := range got {
		order = append(order, tg.Attrs["value"]+tg.Attrs["format"])
	}
	assert.Equal(t, []string{"b", "d", "a", "c", "short"}, order)

	def, err := ParseTags(nil)
	require.NoError(t, err)
	assert.Len(t, def, len(DefaultTags()))
	assert.Equal(t, TypeSchedule, def[0].Type)
}

func TestParseFlavorSuite(t *testing.T) {
	var cases []struct {
		Lines    []string `json:"lines"`
		Expected struct {
			Latest       Latest `json:"latest"`
			Prefix       string `json:"prefix"`
			PrefixLatest bool   `json:"prefixLatest"`
			Suffix       string `json:"suffix"`
			SuffixLatest bool   `json:"suffixLatest"`
		} `json:"expected"`
		Invalid bool `json:"invalid"`
	}
	readCases(t, "flavor_cases.json", &cases)
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		got, err := ParseFlavor(tc.Lines)
		if tc.Invalid {
			require.Error(t, err, "%q", tc.Lines)
			assert.ErrorIs(t, err, ErrSyntax)
			continue
		}
		require.NoError(t, err, "%q", tc.Lines)
		e := tc.Expected
		assert.Equal(t, Flavor{Latest: e.Latest, Prefix: e.Prefix, PrefixLatest: e.PrefixLatest, Suffix: e.Suffix, SuffixLatest: e.SuffixLatest}, got, "%q", tc.Lines)
	}
}

func TestParseFlavorErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"onlatest=true", "must follow a prefix= or suffix="},
		{"prefix=a=b", "more than one '='"},
		{"latest=always", "allowed: auto, true, false, newest"},
		{"prefix=x,onlatest=yes", "allowed: true, false"},
	} {
		_, err := ParseFlavor([]string{tc.line})
		require.Error(t, err, tc.line)
		assert.Contains(t, err.Error(), tc.want)
		assert.Contains(t, err.Error(), tc.line)
	}
	fl, err := ParseFlavor([]string{"latest=newest"})
	require.NoError(t, err)
	assert.Equal(t, LatestNewest, fl.Latest)
}

func TestParseImagesSuite(t *testing.T) {
	var cases []struct {
		Lines    []string `json:"lines"`
		Expected []Image  `json:"expected"`
		Invalid  bool     `json:"invalid"`
	}
	readCases(t, "image_cases.json", &cases)
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		got, err := ParseImages(tc.Lines)
		if tc.Invalid {
			require.Error(t, err, "%q", tc.Lines)
			assert.ErrorIs(t, err, ErrSyntax)
			continue
		}
		require.NoError(t, err, "%q", tc.Lines)
		assert.Equal(t, tc.Expected, got, "%q", tc.Lines)
	}
}

func TestParseListSuite(t *testing.T) {
	var cases []struct {
		Env      map[string]string `json:"env"`
		Expected map[string]any    `json:"expected"`
	}
	readCases(t, "input_cases.json", &cases)
	require.NotEmpty(t, cases)
	for i, tc := range cases {
		for _, name := range []string{"images", "tags", "flavor", "labels", "annotations"} {
			got, err := ParseList(tc.Env[name])
			require.NoError(t, err)
			var want []string
			for _, v := range tc.Expected[name].([]any) {
				want = append(want, v.(string))
			}
			assert.Equal(t, want, got, "case %d input %s", i, name)
		}
	}
}

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"quoted field keeps its comma-free content", "type=match,\"pattern=^release\\d{1,2}\"", []string{`type=match,pattern=^release\d{1,2}`}},
		{"quoted comma stays inside the field", `type=raw,"value=a,b"`, []string{"type=raw,value=a,b"}},
		{"doubled quote in a quoted field", `"a""b"`, []string{`a"b`}},
		{"quote inside an unquoted field is kept", `val=a"b`, []string{`val=a"b`}},
		{"CRLF lines", "a\r\nb\r\n", []string{"a", "b"}},
		{"blank and comment lines", "\n  \n# c\na\n", []string{"a"}},
		{"comment only at line start", "a#b", []string{"a#b"}},
		{"items are trimmed", "  a  \n\tb", []string{"a", "b"}},
		{"quoted newline joins lines", "\"a\nb\"", []string{"a\nb"}},
		{"empty", "   ", nil},
		{"relaxed closing quote keeps both quotes", `"a"b,c`, []string{`"a"b,c`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseList(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := ParseList("a\n\"b")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 2")
}

func TestIsRawStatementSuite(t *testing.T) {
	var cases []struct {
		Pattern string `json:"pattern"`
		Raw     bool   `json:"raw"`
	}
	readCases(t, "raw_statement.json", &cases)
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		assert.Equal(t, tc.Raw, isRawStatement(tc.Pattern), tc.Pattern)
	}
}

func TestParseAttrListKeepsQuotedCommas(t *testing.T) {
	in := "type=match,\"pattern=^release\\d{1,2}\"\ntype=raw,\"value=a\"\"b\"\n\"type=raw,value=whole\"\n"
	plain, err := ParseList(in)
	require.NoError(t, err)
	assert.Equal(t, []string{`type=match,pattern=^release\d{1,2}`, `type=raw,value=a"b`, "type=raw,value=whole"}, plain, "the toolkit's items")
	attr, err := ParseAttrList(in)
	require.NoError(t, err)
	assert.Equal(t, []string{`type=match,"pattern=^release\d{1,2}"`, `type=raw,"value=a""b"`, "type=raw,value=whole"}, attr)

	tag, err := ParseTag(attr[0])
	require.NoError(t, err)
	assert.Equal(t, `^release\d{1,2}`, tag.Attrs["pattern"])
	assert.Empty(t, tag.Attrs["value"], "the pattern's comma no longer splits the line")
	res, err := Generate(Inputs{Tags: attr[:1]}, Context{EventName: "push", Ref: "refs/tags/release12"}, Repo{}, Options{Now: testNow})
	require.NoError(t, err)
	assert.Equal(t, "release12", res.Version.Main)
}

// testdata/list_oracle.json holds what the toolkit's list reading (the
// csv-parse library with the options metadata-action passes) gives for
// awkward inputs.
func TestParseListAgreesWithTheToolkit(t *testing.T) {
	var cases []struct {
		Input string          `json:"input"`
		Want  json.RawMessage `json:"want"`
	}
	readCases(t, "list_oracle.json", &cases)
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		got, err := ParseList(tc.Input)
		var want []string
		if json.Unmarshal(tc.Want, &want) != nil {
			assert.Error(t, err, "%q", tc.Input)
			continue
		}
		require.NoError(t, err, "%q", tc.Input)
		if len(want) == 0 {
			want = nil
		}
		assert.Equal(t, want, got, "%q", tc.Input)
	}
}
