package memory

import (
	"errors"
	"fmt"
)

// Fault makes chosen operations fail, so that tests can exercise their
// retry and rollback paths. A fault matches a call when Op and Repository
// match (empty means any); the first After matching calls succeed, then the
// next Times calls fail with Err (Times zero means every call from then on).
//
// Faults apply to the Go methods and the HTTP handler alike. Over HTTP the
// error maps to the status a real registry would send: promote.ErrNotFound
// to 404, ErrUnauthorized to 401, ErrDenied to 403, a
// *promote.RateLimitError to 429 with Retry-After, ErrUnsupported to 405,
// ErrPreconditionFailed to 412, anything else to 500.
type Fault struct {
	Op         Op     // the operation to fail
	Repository string // the repository path it applies to; empty means any
	After      int    // how many matching calls succeed first
	Times      int    // how many calls then fail; zero means all of them
	Err        error  // the error they fail with
}

// ErrInjected is the error of a Fault whose Err is nil.
var ErrInjected = errors.New("injected fault")

type faultState struct {
	Fault
	seen   int
	failed int
}

// InjectFault adds a fault. Faults are checked in the order they were
// added; the first one that fires decides the error.
func (r *Registry) InjectFault(f Fault) {
	if f.Err == nil {
		f.Err = ErrInjected
	}
	r.faultMu.Lock()
	r.faults = append(r.faults, &faultState{Fault: f})
	r.hasFaults.Store(true)
	r.faultMu.Unlock()
}

// ClearFaults removes every injected fault.
func (r *Registry) ClearFaults() {
	r.faultMu.Lock()
	r.faults = nil
	r.hasFaults.Store(false)
	r.faultMu.Unlock()
}

func (r *Registry) fault(op Op, repo string) error {
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	var fired error
	for _, f := range r.faults {
		if (f.Op != "" && f.Op != op) || (f.Repository != "" && f.Repository != repo) {
			continue
		}
		f.seen++
		if fired != nil || f.seen <= f.After || (f.Times > 0 && f.failed >= f.Times) {
			continue
		}
		f.failed++
		fired = fmt.Errorf("memory: %s %q: %w", op, repo, f.Err)
	}
	return fired
}
