package reference

import (
	distref "github.com/distribution/reference"
)

// Named converts r to a github.com/distribution/reference value, for
// libraries that take one (containerd, the Docker client, oras). The result
// is Tagged, Digested or both exactly when r is. Named panics on nothing: the
// zero Reference gives an error.
func (r Reference) Named() (distref.Named, error) {
	if r.s == "" {
		return nil, newError("", -1, ErrInvalidFormat, "the zero Reference has no name")
	}
	n, err := distref.ParseNormalizedNamed(r.s)
	if err != nil {
		return nil, newError(r.s, -1, ErrInvalidFormat, "not accepted by distribution/reference: "+err.Error())
	}
	return n, nil
}

// FromNamed converts a github.com/distribution/reference value to a
// Reference by parsing its string form, so the result is normalized and
// validated like any other input.
func FromNamed(n distref.Named) (Reference, error) {
	if n == nil {
		return Reference{}, newError("", -1, ErrInvalidFormat, "nil distribution/reference.Named")
	}
	return Parse(n.String())
}
