package memory

import (
	"fmt"

	"github.com/imagetags/imagetags/reference"
)

// validateRepository checks a repository path against the distribution
// grammar: lowercase alphanumeric components joined by '/', each component
// split by '.', '_', '__' or runs of '-'.
func validateRepository(name string) error {
	if name == "" {
		return fmt.Errorf("repository name is empty: %w", reference.ErrInvalidFormat)
	}
	if len(name) > reference.NameMaxLength {
		return fmt.Errorf("repository name %q is %d bytes long, the limit is %d: %w", name, len(name), reference.NameMaxLength, reference.ErrNameTooLong)
	}
	atStart := true // at the start of a component or just after a separator
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			atStart = false
			continue
		case atStart:
		case c == '/':
			atStart = true
			continue
		case c == '.':
			atStart = true
			continue
		case c == '_':
			if i+1 < len(name) && name[i+1] == '_' {
				i++
			}
			atStart = true
			continue
		case c == '-':
			for i+1 < len(name) && name[i+1] == '-' {
				i++
			}
			atStart = true
			continue
		}
		if c >= 'A' && c <= 'Z' {
			return fmt.Errorf("repository name %q has an uppercase letter at offset %d: %w", name, i, reference.ErrUppercase)
		}
		return fmt.Errorf("repository name %q: unexpected %q at offset %d; components are lowercase letters and digits joined by '.', '_', '__' or '-', separated by '/': %w",
			name, c, i, reference.ErrInvalidFormat)
	}
	if atStart {
		return fmt.Errorf("repository name %q ends with a separator: %w", name, reference.ErrInvalidFormat)
	}
	return nil
}
