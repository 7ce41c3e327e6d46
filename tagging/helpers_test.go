package tagging

import "github.com/imagetags/imagetags/reference"

func validateTag(tag string) error { return reference.ValidateTag(tag) }
