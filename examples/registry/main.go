// Command registry serves the in-memory OCI registry of package
// promote/memory over plain HTTP on a loopback address, for people and for
// test suites in any language:
//
//	registry                                   # empty, on 127.0.0.1:5000
//	registry --addr 127.0.0.1:0 --demo         # the demo catalogue, on a free port
//	registry --seed images.yaml --immutable 'v*' --log
//	registry --fault PUT:503:2                 # the next 2 PUTs answer 503
//
// It prints "registry: serving http://ADDRESS" on standard output once it
// accepts connections (with --addr-file it also writes ADDRESS to a
// file), and runs until SIGINT or SIGTERM, when it finishes the requests
// in flight and exits 0. Content lives in memory only: it is gone when the
// program stops. There is no authentication and no TLS, so it refuses an
// address that is not loopback unless --allow-non-loopback is given.
//
// Exit status: 0 after a clean stop, 1 when serving failed, 2 on bad
// input (flags, seed file, rules, address).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.yaml.in/yaml/v3"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/promote/memory"
)

// Exit statuses.
const (
	exitOK    = 0
	exitServe = 1
	exitUsage = 2
)

// shutdownGrace bounds how long a stop waits for requests in flight.
const shutdownGrace = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is what the flags ask for.
type config struct {
	addr, addrFile, seedFile string
	demo, allowPublic, log   bool
	version                  bool
	rules                    []memory.Rule
	faults                   []httpFault
}

func usage(fs *flag.FlagSet, w io.Writer) func() {
	return func() {
		fmt.Fprintln(w, "usage: registry [--addr HOST:PORT] [--demo] [--seed FILE] [--immutable RULE]... [--fault FAULT]... [--log]")
		fmt.Fprintln(w, "Serves an in-memory OCI registry over plain HTTP until SIGINT or SIGTERM.")
		fmt.Fprintln(w, "Prints \"registry: serving http://ADDRESS\" on standard output once it accepts connections.")
		fmt.Fprintln(w)
		fs.PrintDefaults()
		fmt.Fprintln(w)
		fmt.Fprintln(w, "RULE is [REPOSITORIES=]TAGS: comma-separated path globs; a tag glob starting with '!' stays mutable.")
		fmt.Fprintln(w, "  'v*' makes every v* tag immutable; 'team/*=*,!latest' every tag but latest in team/*.")
		fmt.Fprintln(w, "FAULT is METHOD:STATUS[:COUNT[:AFTER]]: after AFTER matching requests (default 0), the next")
		fmt.Fprintln(w, "  COUNT requests with that method (default 1; 0 means all) answer STATUS with an OCI error body.")
		fmt.Fprintln(w, "  METHOD '*' matches any method; the /v2/ ping counts as a GET.")
		fmt.Fprintln(w, "The seed file (YAML or JSON) holds images and immutability rules:")
		fmt.Fprintln(w, "  images: [{repository: team/app, tags: [1.0.0, latest], platforms: [linux/amd64, linux/arm64],")
		fmt.Fprintln(w, "            labels: {k: v}, annotations: {k: v}, content: text}]")
		fmt.Fprintln(w, "  immutable: [{repositories: [team/*], tags: [v*], exclude: [v*-rc*]}]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Exit status: 0 after a clean stop (SIGINT, SIGTERM), 1 when serving failed,")
		fmt.Fprintln(w, "2 on bad input (flags, seed file, rules, an address that is not loopback).")
	}
}

func parseFlags(args []string, stderr io.Writer) (config, int, bool) {
	var c config
	fs := flag.NewFlagSet("registry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = usage(fs, stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:5000", "`HOST:PORT` to listen on; port 0 picks a free port")
	fs.StringVar(&c.addrFile, "addr-file", "", "write the address being served to `FILE` once listening")
	fs.BoolVar(&c.allowPublic, "allow-non-loopback", false, "allow an address that is not loopback (plain HTTP, no authentication)")
	fs.BoolVar(&c.demo, "demo", false, "seed the demo catalogue (acmecorp/payment-api, library/ubuntu, mycorp/myproject)")
	fs.StringVar(&c.seedFile, "seed", "", "seed images and immutability rules from a YAML or JSON `FILE`")
	fs.Func("immutable", "make tags immutable: `RULE` (repeatable, see below)", func(s string) error {
		rule, err := parseRule(s)
		if err == nil {
			c.rules = append(c.rules, rule)
		}
		return err
	})
	fs.Func("fault", "inject a fault: `FAULT` (repeatable, see below)", func(s string) error {
		f, err := parseFault(s)
		if err == nil {
			c.faults = append(c.faults, f)
		}
		return err
	})
	fs.BoolVar(&c.log, "log", false, "log every request to standard error")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, exitOK, false
		}
		return c, exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "registry: unexpected argument %q\n", fs.Arg(0))
		return c, exitUsage, false
	}
	return c, exitOK, true
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
	}
	if c.version {
		fmt.Fprintln(stdout, "registry", version())
		return exitOK
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "registry: "+format+"\n", a...)
		return code
	}

	reg, summary, err := build(c)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}

	ln, err := listen(c.addr, c.allowPublic)
	if err != nil {
		code := exitServe
		var nl *notLoopbackError
		var ue *usageError
		if errors.As(err, &nl) || errors.As(err, &ue) {
			code = exitUsage
		}
		return fail(code, "%v", err)
	}
	addr := ln.Addr().String()
	if c.addrFile != "" {
		if err := writeFileAtomic(c.addrFile, []byte(addr+"\n")); err != nil {
			ln.Close()
			return fail(exitServe, "write --addr-file: %v", err)
		}
	}

	var h http.Handler = reg.Handler()
	if len(c.faults) > 0 {
		h = &faulty{next: h, faults: c.faults}
	}
	if c.log {
		h = &requestLog{next: h, w: stderr}
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "registry: serving http://%s (%s)\n", addr, summary)

	select {
	case err := <-served:
		return fail(exitServe, "serve %s: %v", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fail(exitServe, "stop: requests still in flight after %s: %v", shutdownGrace, err)
	}
	fmt.Fprintf(stdout, "registry: stopped\n")
	return exitOK
}

// version is the module version the program was built from.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	return info.Main.Version + " " + info.GoVersion
}

// build makes the registry the flags describe and a one-line summary of
// its content.
func build(c config) (*memory.Registry, string, error) {
	reg := memory.New()
	var parts []string
	if c.demo {
		var err error
		if reg, _, err = demo.Seed(); err != nil {
			return nil, "", err
		}
		parts = append(parts, "demo catalogue")
	}
	rules := c.rules
	if c.seedFile != "" {
		images, fileRules, err := readSeedFile(c.seedFile)
		if err != nil {
			return nil, "", err
		}
		if _, err := reg.Seed(images...); err != nil {
			return nil, "", fmt.Errorf("--seed %s: %w", c.seedFile, err)
		}
		rules = append(fileRules, rules...)
		parts = append(parts, fmt.Sprintf("%d images from %s", len(images), c.seedFile))
	}
	if err := reg.SetImmutable(rules...); err != nil {
		return nil, "", err
	}
	if len(rules) > 0 {
		parts = append(parts, fmt.Sprintf("%d immutability rules", len(rules)))
	}
	if len(c.faults) > 0 {
		parts = append(parts, fmt.Sprintf("%d faults", len(c.faults)))
	}
	if len(parts) == 0 {
		parts = append(parts, "empty")
	}
	return reg, strings.Join(parts, ", "), nil
}

// usageError marks input the user must change.
type usageError struct{ error }

func (e *usageError) Unwrap() error { return e.error }

// notLoopbackError refuses an address that is not loopback.
type notLoopbackError struct{ addr, bound string }

func (e *notLoopbackError) Error() string {
	return fmt.Sprintf("--addr %s listens on %s, which is not a loopback address; the registry speaks plain HTTP without "+
		"authentication, so give a loopback address such as 127.0.0.1:5000, or --allow-non-loopback to serve it anyway", e.addr, e.bound)
}

// listen opens the listening socket, refusing one that is not on a
// loopback address unless allowPublic.
func listen(addr string, allowPublic bool) (net.Listener, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, &usageError{fmt.Errorf("--addr %q: %v; want HOST:PORT such as 127.0.0.1:5000", addr, err)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && !allowPublic {
		ln.Close()
		return nil, &notLoopbackError{addr: addr, bound: ln.Addr().String()}
	}
	return ln, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so that a reader never sees a partial file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// seedFile is the format of --seed.
type seedFile struct {
	Images    []seedImage `yaml:"images"`
	Immutable []seedRule  `yaml:"immutable"`
}

type seedImage struct {
	Repository  string            `yaml:"repository"`
	Tags        []string          `yaml:"tags"`
	Platforms   []string          `yaml:"platforms"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	Content     string            `yaml:"content"`
}

type seedRule struct {
	Repositories []string `yaml:"repositories"`
	Tags         []string `yaml:"tags"`
	Exclude      []string `yaml:"exclude"`
}

// readSeedFile reads the images and rules of a seed file, refusing
// unknown keys and a file without images.
func readSeedFile(path string) ([]memory.Image, []memory.Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--seed: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f seedFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("--seed %s: the file is empty; it needs an images list", path)
		}
		return nil, nil, fmt.Errorf("--seed %s: %w", path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("--seed %s: holds more than one YAML document; give one", path)
	}
	if len(f.Images) == 0 {
		return nil, nil, fmt.Errorf("--seed %s: no images: the file needs an images list", path)
	}
	images := make([]memory.Image, len(f.Images))
	for i, im := range f.Images {
		img := memory.Image{Repository: im.Repository, Tags: im.Tags, Labels: im.Labels, Annotations: im.Annotations, Content: im.Content}
		for _, p := range im.Platforms {
			pl, err := parsePlatform(p)
			if err != nil {
				return nil, nil, fmt.Errorf("--seed %s: image %d (%s): %w", path, i, im.Repository, err)
			}
			img.Platforms = append(img.Platforms, pl)
		}
		images[i] = img
	}
	rules := make([]memory.Rule, len(f.Immutable))
	for i, r := range f.Immutable {
		rules[i] = memory.Rule(r)
	}
	return images, rules, nil
}

// parsePlatform reads "os/architecture[/variant]".
func parsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || slicesContainEmpty(parts) {
		return ocispec.Platform{}, fmt.Errorf("platform %q: want os/architecture or os/architecture/variant, such as linux/arm64/v8", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

func slicesContainEmpty(parts []string) bool {
	for _, p := range parts {
		if p == "" {
			return true
		}
	}
	return false
}

// parseRule reads an --immutable rule: [REPOSITORIES=]TAGS, each a
// comma-separated list of globs; a tag glob starting with '!' excludes.
func parseRule(s string) (memory.Rule, error) {
	var rule memory.Rule
	tags := s
	if repos, rest, ok := strings.Cut(s, "="); ok {
		for _, r := range strings.Split(repos, ",") {
			if r == "" {
				return rule, fmt.Errorf("rule %q: an empty repository pattern; want [REPOSITORIES=]TAGS such as team/*=v*", s)
			}
			rule.Repositories = append(rule.Repositories, r)
		}
		tags = rest
	}
	for _, t := range strings.Split(tags, ",") {
		if ex, ok := strings.CutPrefix(t, "!"); ok {
			if ex == "" {
				return rule, fmt.Errorf("rule %q: '!' must be followed by a tag pattern", s)
			}
			rule.Exclude = append(rule.Exclude, ex)
			continue
		}
		if t == "" {
			return rule, fmt.Errorf("rule %q: an empty tag pattern; want [REPOSITORIES=]TAGS such as v* or team/*=*,!latest", s)
		}
		rule.Tags = append(rule.Tags, t)
	}
	if len(rule.Tags) == 0 {
		rule.Tags = []string{"*"} // only exclusions: every other tag
	}
	if err := memory.New().SetImmutable(rule); err != nil {
		return rule, fmt.Errorf("rule %q: %w", s, err)
	}
	return rule, nil
}

// httpFault answers Count requests with Status after After matching ones.
type httpFault struct {
	Method string // "*" for any
	Status int
	Count  int // 0 for every request from then on
	After  int
	spec   string
}

func parseFault(s string) (httpFault, error) {
	bad := func(why string) (httpFault, error) {
		return httpFault{}, fmt.Errorf("fault %q: %s; want METHOD:STATUS[:COUNT[:AFTER]] such as PUT:503:2", s, why)
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 4 {
		return bad("wrong number of fields")
	}
	f := httpFault{Method: strings.ToUpper(parts[0]), Count: 1, spec: s}
	if f.Method == "" {
		return bad("no method")
	}
	for _, c := range f.Method {
		if f.Method != "*" && (c < 'A' || c > 'Z') {
			return bad("the method must be letters or '*'")
		}
	}
	var err error
	if f.Status, err = strconv.Atoi(parts[1]); err != nil || f.Status < 400 || f.Status > 599 {
		return bad("the status must be a number from 400 to 599")
	}
	if len(parts) > 2 {
		if f.Count, err = strconv.Atoi(parts[2]); err != nil || f.Count < 0 {
			return bad("the count must be a number, 0 or more")
		}
	}
	if len(parts) > 3 {
		if f.After, err = strconv.Atoi(parts[3]); err != nil || f.After < 0 {
			return bad("after must be a number, 0 or more")
		}
	}
	return f, nil
}

// faulty injects the configured faults in front of the registry.
type faulty struct {
	next   http.Handler
	mu     sync.Mutex
	faults []httpFault
	seen   []int
	fired  []int
}

// fire returns the fault that answers req, if any; faults are checked in
// the order given, and every matching fault counts the request.
func (f *faulty) fire(req *http.Request) (httpFault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil {
		f.seen = make([]int, len(f.faults))
		f.fired = make([]int, len(f.faults))
	}
	var hit httpFault
	found := false
	for i, ft := range f.faults {
		if ft.Method != "*" && ft.Method != req.Method {
			continue
		}
		f.seen[i]++
		if found || f.seen[i] <= ft.After || (ft.Count > 0 && f.fired[i] >= ft.Count) {
			continue
		}
		f.fired[i]++
		hit, found = ft, true
	}
	return hit, found
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	ft, ok := f.fire(req)
	if !ok {
		f.next.ServeHTTP(w, req)
		return
	}
	if rl, ok := w.(*logged); ok {
		rl.fault = ft.spec
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Docker-Distribution-API-Version", "registry/2.0")
	if ft.Status == http.StatusTooManyRequests || ft.Status == http.StatusServiceUnavailable {
		hd.Set("Retry-After", "1")
	}
	if ft.Status == http.StatusUnauthorized {
		hd.Set("Www-Authenticate", `Basic realm="registry"`)
	}
	w.WriteHeader(ft.Status)
	if req.Method != http.MethodHead {
		fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`+"\n", faultCode(ft.Status), "injected fault "+ft.spec)
	}
}

// faultCode is the OCI error code that goes with a status.
func faultCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "DENIED"
	case http.StatusNotFound:
		return "NAME_UNKNOWN"
	case http.StatusMethodNotAllowed:
		return "UNSUPPORTED"
	case http.StatusTooManyRequests:
		return "TOOMANYREQUESTS"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	}
	return "UNKNOWN"
}

// requestLog writes one line per request once it is answered:
// time, method, path and query, status, body bytes, duration, and the
// fault that answered it, if one did.
type requestLog struct {
	next http.Handler
	mu   sync.Mutex
	w    io.Writer
}

// logged records what a handler answered.
type logged struct {
	http.ResponseWriter
	status int
	bytes  int64
	fault  string
}

func (l *logged) WriteHeader(code int) {
	if l.status == 0 {
		l.status = code
	}
	l.ResponseWriter.WriteHeader(code)
}

func (l *logged) Write(p []byte) (int, error) {
	if l.status == 0 {
		l.status = http.StatusOK
	}
	n, err := l.ResponseWriter.Write(p)
	l.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (l *logged) Unwrap() http.ResponseWriter { return l.ResponseWriter }

func (rl *requestLog) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	lw := &logged{ResponseWriter: w}
	rl.next.ServeHTTP(lw, req)
	if lw.status == 0 {
		lw.status = http.StatusOK
	}
	line := fmt.Sprintf("%s %s %s %d %dB %s", start.UTC().Format(time.RFC3339Nano), req.Method,
		strconv.Quote(req.URL.RequestURI()), lw.status, lw.bytes, time.Since(start).Round(time.Microsecond))
	if lw.fault != "" {
		line += " fault=" + lw.fault
	}
	rl.mu.Lock()
	fmt.Fprintln(rl.w, line)
	rl.mu.Unlock()
}
