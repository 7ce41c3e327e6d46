// Package tagging turns build facts into an image's tag set and says what
// any tag is.
package tagging

import "github.com/imagetags/imagetags/reference"

const maxTagLen = reference.TagMaxLength
