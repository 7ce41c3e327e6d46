package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

func TestSeed(t *testing.T) {
	reg, cat, err := Seed()
	require.NoError(t, err)
	d, err := reg.Resolve(context.Background(), reference.MustParse(Host+"/acmecorp/payment-api:production"))
	require.NoError(t, err)
	assert.Equal(t, cat.PaymentAPI240, d.Digest.String())
	d, err = reg.Resolve(context.Background(), reference.MustParse(Host+"/mycorp/myproject:v1.3.1"))
	require.NoError(t, err)
	assert.Equal(t, cat.Myproj131New, d.Digest.String())
	assert.NotEqual(t, cat.Myproj131, cat.Myproj131New)
}

// seededHost serves the demo catalogue over HTTP on a loopback port, as a
// real registry the user names would be.
func seededHost(t *testing.T) (string, Catalogue) {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials
	fake, cat, err := Seed()
	require.NoError(t, err)
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), cat
}

func TestConnectRoutesToTheReferencesHost(t *testing.T) {
	host, cat := seededHost(t)
	var stderr bytes.Buffer
	reg, err := Connect(false, nil, &stderr)
	require.NoError(t, err)
	assert.Empty(t, stderr.String(), "only demo mode announces itself")
	ref := reference.MustParse(host + "/acmecorp/payment-api:staging")
	require.NoError(t, Check(reg, "--from", ref))
	d, err := reg.Resolve(context.Background(), ref)
	require.NoError(t, err)
	assert.Equal(t, cat.PaymentAPI241, d.Digest.String())
}

func TestConnectDemoMode(t *testing.T) {
	var stderr bytes.Buffer
	reg, err := Connect(true, nil, &stderr)
	require.NoError(t, err)
	assert.Contains(t, stderr.String(), "demo mode: working on an in-memory registry")
	assert.Contains(t, stderr.String(), Host)

	tests := []struct {
		ref  string
		want string // "" when served
	}{
		{Host + "/acmecorp/payment-api:staging", ""},
		{"acmecorp/payment-api:staging", "this names docker.io"},
		{"ghcr.io/acmecorp/payment-api:staging", "this names ghcr.io"},
		{"localhost:5000/acmecorp/payment-api:staging", "this names localhost:5000"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			ref := reference.MustParse(tt.ref)
			err := Check(reg, "--image", ref)
			_, rerr := reg.Resolve(context.Background(), ref)
			if tt.want == "" {
				assert.NoError(t, err)
				assert.NoError(t, rerr)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "--image "+ref.Familiar())
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "run without --demo")
			assert.ErrorIs(t, rerr, remote.ErrNotRouted, "the registry itself refuses it too")
		})
	}

	_, err = Connect(true, []string{"localhost:5000"}, io.Discard)
	assert.ErrorContains(t, err, "--plain-http has no meaning with --demo")
	_, err = Connect(false, []string{"not a host"}, io.Discard)
	assert.ErrorContains(t, err, `--plain-http "not a host": want a registry host`)

	t.Setenv("DOCKER_CONFIG", t.TempDir())
	require.NoError(t, os.WriteFile(os.Getenv("DOCKER_CONFIG")+"/config.json", []byte("{broken"), 0o600))
	_, err = Connect(false, nil, io.Discard)
	assert.ErrorContains(t, err, "docker config")
}

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stop       bool
		out, err   string
		notInError string
	}{
		{"nothing special", []string{"--name", "x"}, 0, false, "", "", ""},
		{"help", []string{"--help"}, 0, true, "usage: tool", "", ""},
		{"short help", []string{"-h"}, 0, true, "usage: tool", "", ""},
		{"version", []string{"--version"}, 0, true, "tool ", "", ""},
		{"unknown flag", []string{"--nmae", "x"}, 2, true, "", "tool: unknown flag --nmae (see tool --help)\n", "usage"},
		{"missing value", []string{"--name"}, 2, true, "", "tool: flag --name needs a value (see tool --help)\n", "usage"},
		{"bad value", []string{"--count", "many"}, 2, true, "", `invalid value "many" for flag --count`, "usage"},
		{"version and more", []string{"--version", "1.0.0"}, 2, true, "", "tool: --version prints the program's version and takes no other arguments", ""},
		{"version and a flag", []string{"--name", "x", "--version"}, 2, true, "", "takes no other arguments", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("tool", flag.ContinueOnError)
			fs.Usage = func() { fmt.Fprintln(fs.Output(), "usage: tool") }
			fs.String("name", "", "a name")
			fs.Int("count", 0, "a count")
			var out, errOut bytes.Buffer
			code, stop := Parse(fs, tt.args, &out, &errOut)
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.stop, stop)
			if tt.out == "" {
				assert.Empty(t, out.String())
			} else {
				assert.Contains(t, out.String(), tt.out)
			}
			if tt.err == "" {
				assert.Empty(t, errOut.String())
			} else {
				assert.Contains(t, errOut.String(), tt.err)
				assert.Equal(t, 1, strings.Count(errOut.String(), "\n"), "one line")
			}
			if tt.notInError != "" {
				assert.NotContains(t, errOut.String(), tt.notInError)
			}
		})
	}
}

func TestVersionOf(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"module version", debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"checkout", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}}, "devel 0123456789ab"},
		{"modified checkout", debug.BuildInfo{Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}}, "devel abc+dirty"},
		{"nothing recorded", debug.BuildInfo{}, "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, versionOf(&tt.info))
		})
	}
	assert.NotEmpty(t, Version())
}

func TestMessage(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("promote: promote x: not found"), "promote x: not found"},
		{fmt.Errorf("remote: resolve: %w", promote.ErrNotFound), "resolve: not found"},
		{errors.New("promote: remote: nested"), "nested"},
		{errors.New("plain words"), "plain words"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Message(tt.err))
	}
}

func TestProgress(t *testing.T) {
	tests := []struct {
		name string
		show bool
		want string
	}{
		{"terminal", true, "\rcheck 1/3\rcheck 3/3\r         \r"},
		{"not a terminal", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			p := NewProgress(&b, tt.show, "check")
			p.Update(1, 3)
			p.Update(3, 3)
			p.Done()
			assert.Equal(t, tt.want, b.String())
		})
	}
	assert.False(t, IsTerminal(&bytes.Buffer{}))
}

func TestJSONError(t *testing.T) {
	type doc struct {
		Name  string            `json:"name"`
		Count int               `json:"count"`
		Tags  []string          `json:"tags"`
		Meta  map[string]string `json:"meta"`
		On    bool              `json:"on"`
		Ratio float64           `json:"ratio"`
	}
	tests := []struct {
		body string
		want string
	}{
		{`{"count":"x"}`, "count: want a whole number, not a JSON string"},
		{`{"tags":{}}`, "tags: want a list, not a JSON object"},
		{`{"meta":[]}`, "meta: want an object, not a JSON array"},
		{`{"on":1}`, "on: want true or false, not a JSON number"},
		{`{"ratio":"x"}`, "ratio: want a number, not a JSON string"},
		{`{"name":1}`, "name: want a string, not a JSON number"},
		{`[]`, "want a document, not a JSON array"},
		{`{"nmae":"x"}`, `unknown field "nmae" (want a document)`},
		{`{"name":}`, "not valid JSON at byte 9"},
		{``, "empty or cut short: want a document"},
		{`{"name":"x"`, "empty or cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tt.body))
			dec.DisallowUnknownFields()
			var d doc
			err := dec.Decode(&d)
			require.Error(t, err)
			msg := JSONError(err, "a document")
			assert.Contains(t, msg, tt.want)
			assert.NotContains(t, msg, "Go ")
			assert.NotContains(t, msg, "demo.doc")
		})
	}
}
