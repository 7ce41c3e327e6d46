package demo

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
)

// Exit statuses shared by the programs; each program's --help says what
// they mean for it.
const (
	// ExitOK is the status of a run that did its work, or found nothing
	// wrong.
	ExitOK = 0
	// ExitFailed is the status of a run the registry refused or failed, or
	// whose check found something to act on.
	ExitFailed = 1
	// ExitUsage is the status of bad input (flags, files, references):
	// nothing was changed.
	ExitUsage = 2
)

// Version returns the version of the running program, as --version prints
// it: the module version it was built at, or the commit of a build from a
// checkout ("devel" with a revision), or "devel" when nothing is recorded.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "devel"
	}
	return "devel " + rev + dirty
}

// Parse parses args with fs the way users expect of a command-line tool:
// --help prints the usage on stdout and stops with status 0; --version
// prints the program's version and stops with status 0; a mistyped flag
// or a bad value prints one line naming it, with a pointer to --help, and
// stops with status 2; so does --version with anything else, so that a
// script never mistakes the version line for the output it wanted. stop
// is false when the program should go on.
//
// fs.Usage should write to fs.Output(). Parse defines the version flag
// itself.
func Parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, stop bool) {
	version := fs.Bool("version", false, "print the program's version and exit")
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		if usage != nil {
			usage()
		} else {
			fs.PrintDefaults()
		}
		return ExitOK, true
	case err != nil:
		fmt.Fprintf(stderr, "%s: %s (see %s --help)\n", fs.Name(), flagError(err), fs.Name())
		return ExitUsage, true
	case *version && (fs.NArg() > 0 || fs.NFlag() > 1):
		// A script that meant another flag must not take the version
		// line for its output.
		fmt.Fprintf(stderr, "%s: --version prints the program's version and takes no other arguments (see %s --help)\n", fs.Name(), fs.Name())
		return ExitUsage, true
	case *version:
		fmt.Fprintf(stdout, "%s %s\n", fs.Name(), Version())
		return ExitOK, true
	}
	fs.SetOutput(stderr)
	return ExitOK, false
}

// flagError words the flag package's errors with the double-dash
// spelling the usage shows.
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag --" + name + " needs a value"
	}
	return strings.Replace(msg, " for flag -", " for flag --", 1)
}

// IsTerminal reports whether w is a terminal, where a progress line makes
// sense; a pipe, a file or a CI log is not.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Progress shows "label done/total" on one line of w, rewritten in place,
// when show is true; otherwise it writes nothing. Call done once the work
// is over, to clear the line.
type Progress struct {
	w     io.Writer
	label string
	show  bool
	width int
}

// NewProgress returns a Progress line with label on w.
func NewProgress(w io.Writer, show bool, label string) *Progress {
	return &Progress{w: w, label: label, show: show}
}

// Update shows that done of total steps are finished.
func (p *Progress) Update(done, total int) {
	if !p.show {
		return
	}
	line := fmt.Sprintf("%s %d/%d", p.label, done, total)
	p.width = max(p.width, len(line))
	fmt.Fprintf(p.w, "\r%-*s", p.width, line)
}

// Done clears the progress line.
func (p *Progress) Done() {
	if !p.show || p.width == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
	p.width = 0
}

// Message returns err's text for a program's one-line error, without the
// package prefixes ("promote: ", "remote: ") that the program's own name
// already stands for.
func Message(err error) string {
	msg := err.Error()
	for {
		trimmed := msg
		for _, p := range []string{"promote: ", "remote: ", "memory: ", "tagging: ", "policy: "} {
			trimmed = strings.TrimPrefix(trimmed, p)
		}
		if trimmed == msg {
			return msg
		}
		msg = trimmed
	}
}

// ListFlag collects the values of a repeatable flag.
type ListFlag []string

// String returns the values joined by commas.
func (l *ListFlag) String() string { return strings.Join(*l, ",") }

// Set adds one value.
func (l *ListFlag) Set(v string) error { *l = append(*l, v); return nil }

// JSONError words an error of encoding/json in the file's own terms: its
// keys and JSON's kinds of value, never Go's type names. want says what the
// file should hold, such as "a JSON object with version, commit, …".
func JSONError(err error, want string) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fmt.Sprintf("want %s, not a JSON %s", want, typ.Value)
		}
		return fmt.Sprintf("%s: want %s, not a JSON %s", field, jsonKind(typ.Type), typ.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "empty or cut short: want " + want
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.HasPrefix(msg, "unknown field ") {
		return msg + " (want " + want + ")"
	}
	return msg
}

// jsonKind names the JSON value a Go type is read from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another kind of value"
}
