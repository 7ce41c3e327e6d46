package regtest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// FaultKind is what a Fault does to a request.
type FaultKind int

// The faults a Proxy can inject.
const (
	// Status answers with Fault.Status (500, 502, 503...) and an OCI error
	// body, without forwarding the request.
	Status FaultKind = iota
	// RateLimit answers 429 TOOMANYREQUESTS with Fault.RetryAfter.
	RateLimit
	// Reset closes the connection abruptly (TCP RST) without an answer.
	Reset
	// Hang holds the request without answering until the client gives up.
	Hang
	// Truncate forwards the request and sends back only half the body
	// under the full Content-Length, then drops the connection.
	Truncate
)

// Fault is one rule of a Proxy. It matches requests whose method is
// Method (empty: any) and whose path contains Path (empty: any); the
// first Times matches are hit (Times zero: all of them).
type Fault struct {
	Kind       FaultKind
	Method     string
	Path       string
	Status     int
	RetryAfter string
	Times      int
}

type faultState struct {
	Fault
	hits int
}

// Proxy is a reverse proxy in front of a registry that injects faults.
type Proxy struct {
	// Host is the proxy's host:port; point the client here.
	Host string

	rp     *httputil.ReverseProxy
	done   chan struct{} // closed when the test ends, releasing hung requests
	mu     sync.Mutex
	faults []*faultState
}

// NewProxy starts a fault-injecting reverse proxy in front of the registry
// at upstream (host:port, plain HTTP), stopped when the test ends.
func NewProxy(t testing.TB, upstream string) *Proxy {
	target := &url.URL{Scheme: "http", Host: upstream}
	p := &Proxy{done: make(chan struct{})}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // registries build links from Host
		},
		ErrorLog: nil,
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(p.done) }) // runs before srv.Close
	p.Host = srv.Listener.Addr().String()
	return p
}

// Add appends a fault; faults are tried in order and the first that
// matches a request applies.
func (p *Proxy) Add(f Fault) {
	p.mu.Lock()
	p.faults = append(p.faults, &faultState{Fault: f})
	p.mu.Unlock()
}

// Clear removes every fault.
func (p *Proxy) Clear() {
	p.mu.Lock()
	p.faults = nil
	p.mu.Unlock()
}

// Hits returns how many requests the faults hit in all.
func (p *Proxy) Hits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.faults {
		n += f.hits
	}
	return n
}

func (p *Proxy) match(req *http.Request) (Fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if f.Method != "" && f.Method != req.Method {
			continue
		}
		if f.Path != "" && !strings.Contains(req.URL.Path, f.Path) {
			continue
		}
		if f.Times > 0 && f.hits >= f.Times {
			continue
		}
		f.hits++
		return f.Fault, true
	}
	return Fault{}, false
}

// ServeHTTP forwards req to the registry, unless a fault applies.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	f, ok := p.match(req)
	if !ok {
		p.rp.ServeHTTP(w, req)
		return
	}
	switch f.Kind {
	case Status:
		writeOCIError(w, f.Status, "UNKNOWN", "injected "+strconv.Itoa(f.Status))
	case RateLimit:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeOCIError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "injected rate limit")
	case Reset:
		abort(w)
	case Hang:
		// Read the body so that the server notices the client leaving.
		_, _ = io.Copy(io.Discard, req.Body)
		select {
		case <-req.Context().Done():
		case <-p.done:
		}
	case Truncate:
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		abort(w)
	}
}

func writeOCIError(w http.ResponseWriter, status int, code, msg string) {
	body := `{"errors":[{"code":"` + code + `","message":"` + msg + `"}]}`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// abort drops the client connection with a TCP reset.
func abort(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return // not HTTP/1: the handler's return ends the answer
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
