package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/reference"
)

// lockedBuffer is a bytes.Buffer safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// server is one running instance of the program.
type server struct {
	addr   string // host:port
	cancel context.CancelFunc
	done   chan int
	copied chan struct{} // closed once all of stdout is in the buffer
	stdout *lockedBuffer
	stderr *lockedBuffer
}

// start runs the program with args and returns once it serves. It fails
// the test if the program exits first.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{cancel: cancel, done: make(chan int, 1), copied: make(chan struct{}), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	go func() {
		code := run(ctx, args, pw, s.stderr)
		pw.Close()
		s.done <- code
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("the program exited with %d before serving: %s", <-s.done, s.stderr.String())
	}
	s.stdout.Write([]byte(line))
	go func() {
		_, _ = io.Copy(s.stdout, br)
		close(s.copied)
	}()
	rest, ok := strings.CutPrefix(line, "registry: serving http://")
	require.True(t, ok, "first line: %q", line)
	s.addr, _, _ = strings.Cut(rest, " ")
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

// stop stops the program as a signal would, and returns its exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	code := <-s.done
	s.done <- code // for the cleanup
	<-s.copied     // the program closed stdout: all it wrote is in the buffer
	return code
}

func (s *server) do(t *testing.T, method, path string, body []byte, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.addr+path, bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func tagsOf(t *testing.T, s *server, repo string) []string {
	t.Helper()
	resp := s.do(t, http.MethodGet, "/v2/"+repo+"/tags/list", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct{ Tags []string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Tags
}

func TestServesTheDemoCatalogueAndStopsCleanly(t *testing.T) {
	s := start(t, "--addr", "127.0.0.1:0", "--demo")
	assert.Contains(t, s.stdout.String(), "(demo catalogue)")

	resp := s.do(t, http.MethodGet, "/v2/", nil, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{"latest", "production", "staging", "v2", "v2.4", "v2.4.0", "v2.4.1"}, tagsOf(t, s, "acmecorp/payment-api"))
	assert.Equal(t, []string{"20.04", "20.10", "22.04", "latest", "rolling"}, tagsOf(t, s, "library/ubuntu"))

	assert.Equal(t, exitOK, s.stop(t))
	assert.Contains(t, s.stdout.String(), "registry: stopped")
	assert.Empty(t, s.stderr.String())
}

// TestPromoteThenRollBackAcrossRuns drives the registry as the promote
// example does with --registry: each step is a separate client, and the
// registry keeps the state in between.
func TestPromoteThenRollBackAcrossRuns(t *testing.T) {
	ctx := context.Background()
	s := start(t, "--addr", "127.0.0.1:0", "--demo")
	client := func() promote.Registry {
		r, err := remote.New(s.addr, remote.WithPlainHTTPLoopback())
		require.NoError(t, err)
		return r
	}
	digestOf := func(tag string) string {
		d, err := client().Resolve(ctx, reference.MustParse(s.addr+"/acmecorp/payment-api:"+tag))
		require.NoError(t, err)
		return d.Digest.String()
	}
	before, staged := digestOf("production"), digestOf("v2.4.1")
	require.NotEqual(t, before, staged)

	rec, err := promote.Promote(ctx, client(), reference.MustParse(s.addr+"/acmecorp/payment-api:v2.4.1"), "production")
	require.NoError(t, err)
	assert.Equal(t, staged, digestOf("production"))

	_, err = promote.Rollback(ctx, client(), rec)
	require.NoError(t, err)
	assert.Equal(t, before, digestOf("production"))
}

func TestSeedFile(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		wantCode int
		wantErr  string
		repo     string
		tags     []string
	}{
		{"yaml", "images:\n  - repository: team/app\n    tags: [1.0.0, latest]\n    platforms: [linux/amd64, linux/arm64/v8]\n",
			exitOK, "", "team/app", []string{"1.0.0", "latest"}},
		{"json", `{"images":[{"repository":"docker.io/library/nginx","tags":["1.27"],"labels":{"a":"b"}}]}`,
			exitOK, "", "library/nginx", []string{"1.27"}},
		{"unknown key", "images:\n  - repository: team/app\n    tag: [1.0]\n", exitUsage, "field tag not found", "", nil},
		{"no images", "immutable: []\n", exitUsage, "no images", "", nil},
		{"empty file", "", exitUsage, "the file is empty", "", nil},
		{"two documents", "images: [{repository: a}]\n---\nimages: []\n", exitUsage, "more than one YAML document", "", nil},
		{"bad platform", "images: [{repository: a, platforms: [linux]}]\n", exitUsage, `platform "linux"`, "", nil},
		{"bad repository", "images: [{repository: Team/App}]\n", exitUsage, "Team/App", "", nil},
		{"bad rule", "images: [{repository: a}]\nimmutable: [{tags: ['[']}]\n", exitUsage, "pattern", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seed.yaml")
			require.NoError(t, os.WriteFile(path, []byte(tt.file), 0o600))
			if tt.wantCode != exitOK {
				var out, errOut bytes.Buffer
				code := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--seed", path}, &out, &errOut)
				assert.Equal(t, tt.wantCode, code)
				assert.Contains(t, errOut.String(), tt.wantErr)
				assert.Empty(t, out.String(), "nothing served")
				return
			}
			s := start(t, "--addr", "127.0.0.1:0", "--seed", path)
			assert.Equal(t, tt.tags, tagsOf(t, s, tt.repo))
		})
	}
}

// manifestOf fetches the manifest a tag points at.
func manifestOf(t *testing.T, s *server, repo, tag string) ([]byte, string) {
	t.Helper()
	resp := s.do(t, http.MethodGet, "/v2/"+repo+"/manifests/"+tag, nil, map[string]string{"Accept": "application/vnd.oci.image.manifest.v1+json"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return []byte(readAll(t, resp)), resp.Header.Get("Content-Type")
}

func TestImmutableRules(t *testing.T) {
	s := start(t, "--addr", "127.0.0.1:0", "--demo", "--immutable", "acmecorp/*=v*,!v2")
	other, mediaType := manifestOf(t, s, "acmecorp/payment-api", "v2.4.0")
	tests := []struct {
		tag      string
		wantCode int
	}{
		{"v2.4.1", http.StatusBadRequest}, // a v* tag: immutable
		{"v2", http.StatusCreated},        // excluded
		{"staging", http.StatusCreated},   // not a v* tag
	}
	for _, tt := range tests {
		resp := s.do(t, http.MethodPut, "/v2/acmecorp/payment-api/manifests/"+tt.tag, other, map[string]string{"Content-Type": mediaType})
		body := readAll(t, resp)
		assert.Equal(t, tt.wantCode, resp.StatusCode, "%s: %s", tt.tag, body)
		if tt.wantCode == http.StatusBadRequest {
			assert.Contains(t, body, "TAG_INVALID")
			assert.Contains(t, body, "immutable")
		}
	}
}

func TestParseRule(t *testing.T) {
	tests := []struct {
		in      string
		want    memory.Rule
		wantErr string
	}{
		{"v*", memory.Rule{Tags: []string{"v*"}}, ""},
		{"team/*=*,!latest", memory.Rule{Repositories: []string{"team/*"}, Tags: []string{"*"}, Exclude: []string{"latest"}}, ""},
		{"a,b=!dev-*", memory.Rule{Repositories: []string{"a", "b"}, Tags: []string{"*"}, Exclude: []string{"dev-*"}}, ""},
		{"=v*", memory.Rule{}, "empty repository pattern"},
		{"v*,", memory.Rule{}, "empty tag pattern"},
		{"!", memory.Rule{}, "'!' must be followed"},
		{"[", memory.Rule{}, "syntax error in pattern"},
	}
	for _, tt := range tests {
		got, err := parseRule(tt.in)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestFaults(t *testing.T) {
	s := start(t, "--addr", "127.0.0.1:0", "--demo", "--fault", "PUT:503:2", "--fault", "delete:429:0:1", "--log")
	body, mediaType := manifestOf(t, s, "acmecorp/payment-api", "v2.4.0")
	put := func() *http.Response {
		return s.do(t, http.MethodPut, "/v2/acmecorp/payment-api/manifests/candidate", body, map[string]string{"Content-Type": mediaType})
	}
	for i := range 2 {
		resp := put()
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "PUT %d", i)
		assert.Equal(t, "1", resp.Header.Get("Retry-After"))
		assert.JSONEq(t, `{"errors":[{"code":"UNAVAILABLE","message":"injected fault PUT:503:2"}]}`, readAll(t, resp))
	}
	assert.Equal(t, http.StatusCreated, put().StatusCode, "the third PUT goes through")

	del := func() int {
		return s.do(t, http.MethodDelete, "/v2/acmecorp/payment-api/manifests/candidate", nil, nil).StatusCode
	}
	assert.Equal(t, http.StatusAccepted, del(), "the first DELETE goes through")
	assert.Equal(t, http.StatusTooManyRequests, del(), "then every DELETE is refused")
	assert.Equal(t, http.StatusTooManyRequests, del())

	require.Equal(t, exitOK, s.stop(t))
	log := s.stderr.String()
	assert.Equal(t, 2, strings.Count(log, `PUT "/v2/acmecorp/payment-api/manifests/candidate" 503 `), log)
	assert.Equal(t, 2, strings.Count(log, "fault=PUT:503:2"), log)
	assert.Equal(t, 1, strings.Count(log, `PUT "/v2/acmecorp/payment-api/manifests/candidate" 201 0B`), log)
	assert.Equal(t, 2, strings.Count(log, "fault=delete:429:0:1"), log)
}

func TestParseFault(t *testing.T) {
	tests := []struct {
		in      string
		want    httpFault
		wantErr string
	}{
		{"PUT:503", httpFault{Method: "PUT", Status: 503, Count: 1, spec: "PUT:503"}, ""},
		{"get:500:0:3", httpFault{Method: "GET", Status: 500, Count: 0, After: 3, spec: "get:500:0:3"}, ""},
		{"*:429:5", httpFault{Method: "*", Status: 429, Count: 5, spec: "*:429:5"}, ""},
		{"PUT", httpFault{}, "wrong number of fields"},
		{"PUT:200", httpFault{}, "from 400 to 599"},
		{"PUT:abc", httpFault{}, "from 400 to 599"},
		{"PUT:503:-1", httpFault{}, "0 or more"},
		{"PUT:503:1:x", httpFault{}, "0 or more"},
		{"P-T:503", httpFault{}, "letters or '*'"},
		{":503", httpFault{}, "no method"},
		{"PUT:503:1:1:1", httpFault{}, "wrong number of fields"},
	}
	for _, tt := range tests {
		got, err := parseFault(tt.in)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestRequestLog(t *testing.T) {
	s := start(t, "--addr", "127.0.0.1:0", "--log")
	s.do(t, http.MethodGet, "/v2/", nil, nil)
	s.do(t, http.MethodGet, "/v2/none/tags/list?n=1", nil, nil)
	require.Equal(t, exitOK, s.stop(t))
	lines := strings.Split(strings.TrimSpace(s.stderr.String()), "\n")
	require.Len(t, lines, 2, s.stderr.String())
	assert.Contains(t, lines[0], `GET "/v2/" 200 2B`)
	assert.Contains(t, lines[1], `GET "/v2/none/tags/list?n=1" 404 `)
}

func TestAddressChecks(t *testing.T) {
	tests := []struct {
		name, addr string
		wantErr    string
	}{
		{"every interface", ":0", "not a loopback address"},
		{"unspecified IPv4", "0.0.0.0:0", "not a loopback address"},
		{"no port", "127.0.0.1", "want HOST:PORT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"--addr", tt.addr}, &out, &errOut)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut.String(), tt.wantErr)
			assert.Empty(t, out.String())
		})
	}
}

func TestAddrFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "addr")
	s := start(t, "--addr", "127.0.0.1:0", "--addr-file", path)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, s.addr+"\n", string(data))
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"help", []string{"--help"}, exitOK, "", "Exit status: 0 after a clean stop"},
		{"version", []string{"--version"}, exitOK, "registry ", ""},
		{"unknown flag", []string{"--bogus"}, exitUsage, "", "flag provided but not defined"},
		{"argument", []string{"serve"}, exitUsage, "", `unexpected argument "serve"`},
		{"bad fault", []string{"--fault", "PUT"}, exitUsage, "", "want METHOD:STATUS"},
		{"bad rule", []string{"--immutable", "=x"}, exitUsage, "", "empty repository pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errOut)
			assert.Equal(t, tt.wantCode, code)
			assert.Contains(t, out.String(), tt.wantStdout)
			assert.Contains(t, errOut.String(), tt.wantStderr)
		})
	}
}

func TestAllowNonLoopback(t *testing.T) {
	s := start(t, "--addr", "0.0.0.0:0", "--allow-non-loopback")
	_, port, err := net.SplitHostPort(s.addr)
	require.NoError(t, err)
	resp, err := http.Get("http://127.0.0.1:" + port + "/v2/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
