// Command loopback serves an empty in-memory registry on a loopback
// address until it receives SIGINT or SIGTERM. CI uses it to run the OCI
// distribution-spec conformance suite against promote/memory's handler.
//
// It listens on -addr (default 127.0.0.1:0, a free port), refuses any
// address that is not loopback, and writes the address it listens on,
// such as "127.0.0.1:41234", as one line to -addr-file (or stdout), so a
// script can wait for that line instead of guessing a port.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/imagetags/imagetags/promote/memory"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loopback:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("loopback", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback `host:port` to listen on")
	addrFile := fs.String("addr-file", "", "write the listening address to this `file` (default stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	line := ln.Addr().String() + "\n"
	if *addrFile != "" {
		if err := writeAtomic(*addrFile, line); err != nil {
			return err
		}
	} else if _, err := fmt.Print(line); err != nil {
		return err
	}
	srv := &http.Server{Handler: memory.New().Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// checkLoopback refuses listen addresses that are not a loopback IP, so
// the unauthenticated registry is never exposed by accident.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("-addr %q: not a loopback address; use 127.0.0.1 or ::1", addr)
}

// writeAtomic writes data to a temporary file beside path and renames it
// into place, so a reader never sees a partial address.
func writeAtomic(path, data string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
