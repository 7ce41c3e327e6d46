package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const dockerfile = `# syntax=docker/dockerfile:1
ARG GO=1.22
ARG BASE=golang:${GO}-alpine
ARG TAG
FROM --platform=$BUILDPLATFORM ${BASE} AS build
RUN <<EOF
FROM not-an-image:1
EOF
FROM build AS test
from \
  alpine:3.19
FROM nginx:${TAG:-1.27} AS web
FROM nginx:$TAG
FROM scratch
COPY --from=build /out /out
ARG LATE=ignored:1
FROM $LATE
`

func TestFindDockerfile(t *testing.T) {
	imgs, err := FindDockerfile([]byte(dockerfile))
	require.NoError(t, err)
	type seen struct {
		path, value, resolved string
		line                  int
		editable              bool
	}
	var got []seen
	for _, i := range imgs {
		got = append(got, seen{i.Path, i.Value, i.Resolved, i.Line, i.Editable() == nil})
	}
	assert.Equal(t, []seen{
		{"FROM (stage 1, build)", "${BASE}", "golang:1.22-alpine", 5, false},
		{"FROM (stage 3)", "alpine:3.19", "alpine:3.19", 11, true},
		{"FROM (stage 4, web)", "nginx:${TAG:-1.27}", "nginx:1.27", 12, false},
		{"FROM (stage 5)", "nginx:$TAG", "", 13, false},
		{"FROM (stage 7)", "$LATE", "", 17, false},
	}, got, "the stage reference, scratch and the heredoc body are not images")
	assert.Contains(t, imgs[3].Unresolved, "ARG without a default")
	assert.Contains(t, imgs[4].Unresolved, "no ARG before the first FROM")

	out, n, err := Rewrite([]byte(dockerfile), imgs, pinAll)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, strings.Replace(dockerfile, "  alpine:3.19\n", "  alpine:3.19"+pin+"\n", 1), string(out))
}

func TestDockerfileForms(t *testing.T) {
	tests := []struct {
		name, doc string
		values    []string
		want      string // the rewrite of every editable image
	}{
		{"escape directive", "# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022 `\n  AS win\nRUN dir\n",
			[]string{"mcr.microsoft.com/windows:ltsc2022"}, "# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022" + pin + " `\n  AS win\nRUN dir\n"},
		{"CRLF and lower case", "from nginx:1\r\nrun x\r\n", []string{"nginx:1"}, "from nginx:1" + pin + "\r\nrun x\r\n"},
		{"byte order mark", "\uFEFFFROM nginx:1\n", []string{"nginx:1"}, "\uFEFFFROM nginx:1" + pin + "\n"},
		{"comment inside a continuation", "FROM \\\n# the base\n  nginx:1 AS a\n", []string{"nginx:1"}, "FROM \\\n# the base\n  nginx:1" + pin + " AS a\n"},
		{"quoted ARG default", "ARG IMG=\"nginx:1\"\nFROM $IMG\n", []string{"$IMG"}, "ARG IMG=\"nginx:1\"\nFROM $IMG\n"},
		{"stage names are case-insensitive", "FROM a:1 AS Build\nFROM build\n", []string{"a:1"}, "FROM a:1" + pin + " AS Build\nFROM build\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs, err := FindDockerfile([]byte(tt.doc))
			require.NoError(t, err)
			var values []string
			for _, i := range imgs {
				values = append(values, i.Value)
			}
			assert.Equal(t, tt.values, values)
			out, _, err := Rewrite([]byte(tt.doc), imgs, pinAll)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(out))
		})
	}
}

func TestDockerfileProblems(t *testing.T) {
	imgs, err := FindDockerfile([]byte("FROM\nFROM a:1 b c\nFROM \\\nnginx\\\n:1\n"))
	require.NoError(t, err)
	require.Len(t, imgs, 3)
	assert.Contains(t, imgs[0].Unresolved, "names no image")
	assert.Contains(t, imgs[1].Unresolved, "words after the image")
	assert.Equal(t, "nginx:1", imgs[2].Value)
	assert.ErrorContains(t, imgs[2].Editable(), "split over several lines")

	_, err = FindDockerfile([]byte("# escape=x\nFROM a\n"))
	assert.ErrorContains(t, err, "escape directive")
	_, err = FindDockerfile([]byte("\xFF\xFEF\x00"))
	assert.ErrorIs(t, err, ErrUnsupported)

	doc := "FROM nginx:1\n"
	imgs, err = FindDockerfile([]byte(doc))
	require.NoError(t, err)
	_, _, err = Rewrite([]byte(doc), imgs, func(Image) (string, bool) { return "nginx:1 AS x", true })
	assert.ErrorContains(t, err, "refusing to write")
}

func TestDockerfileCopyFrom(t *testing.T) {
	doc := "FROM golang:1.22 AS build\nFROM alpine:3.19\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\nCOPY --chown=1:1 --from=busybox:1.36 /bin/sh /sh\nCOPY --from=$IMG /c /c\nCOPY /d --from=x:1\n"
	imgs, err := FindDockerfile([]byte(doc))
	require.NoError(t, err)
	var got []string
	for _, i := range imgs {
		got = append(got, i.Path+" "+i.Value+" -> "+i.Resolved)
	}
	assert.Equal(t, []string{
		"FROM (stage 1, build) golang:1.22 -> golang:1.22",
		"FROM (stage 2) alpine:3.19 -> alpine:3.19",
		"COPY --from (stage 2) busybox:1.36 -> busybox:1.36",
		"COPY --from (stage 2) $IMG -> ",
	}, got, "stages by name or number are not images, nor is a --from after the sources")
	out, n, err := Rewrite([]byte(doc), imgs, pinAll)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, doc, strings.ReplaceAll(string(out), pin, ""))
	assert.Contains(t, string(out), "--from=busybox:1.36"+pin+" /bin/sh")
}

func TestHeredocsHideNoFromLine(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"a heredoc body", "FROM a:1\nRUN <<EOF\nFROM hidden:1\nEOF\nFROM b:1\n", []string{"a:1", "b:1"}},
		{"a dash heredoc", "FROM a:1\nRUN <<-EOT\n\tFROM hidden:1\n\tEOT\nFROM b:1\n", []string{"a:1", "b:1"}},
		{"a quoted word", "FROM a:1\nCOPY <<\"X\" /f\nFROM hidden:1\nX\nFROM b:1\n", []string{"a:1", "b:1"}},
		{"<< inside a word", "FROM a:1\nRUN echo \"x<<B\"\nFROM b:1\nB\n", []string{"a:1", "b:1"}},
		{"no terminator", "FROM a:1\nRUN cat <<EOF\nFROM b:1\n", []string{"a:1", "b:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs, err := FindDockerfile([]byte(tt.doc))
			require.NoError(t, err)
			var got []string
			for _, i := range imgs {
				got = append(got, i.Value)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
