package policy

// Severity grades a Decision or a lint Violation. Severities are strings
// so they read well in JSON; Rank orders them.
type Severity string

const (
	// SeverityInfo needs no action.
	SeverityInfo Severity = "info"
	// SeverityWarning should be acted on: a rebuild, an upgrade, a
	// convention not followed.
	SeverityWarning Severity = "warning"
	// SeverityError must be acted on: an alert, a rule an organisation
	// enforces.
	SeverityError Severity = "error"
	// SeverityCritical must be acted on now: a moved tag on a registry
	// that enforces immutability, a forbidden registry in production.
	SeverityCritical Severity = "critical"
)

// Rank orders severities: 1 for info up to 4 for critical, 0 for a value
// that is not a Severity.
func (s Severity) Rank() int {
	switch s {
	case SeverityInfo:
		return 1
	case SeverityWarning:
		return 2
	case SeverityError:
		return 3
	case SeverityCritical:
		return 4
	}
	return 0
}
