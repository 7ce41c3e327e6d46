package reference_test

import (
	"errors"
	"fmt"

	"github.com/imagetags/imagetags/reference"
)

func ExampleParse() {
	for _, s := range []string{"ubuntu:20.04", "registry:5000/company/department/software:3", "[::1]:5000/app"} {
		r, err := reference.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s registry=%s repository=%s tag=%s\n", r, r.Registry(), r.Repository(), r.TagOrLatest())
	}
	// Output:
	// docker.io/library/ubuntu:20.04 registry=docker.io repository=library/ubuntu tag=20.04
	// registry:5000/company/department/software:3 registry=registry:5000 repository=company/department/software tag=3
	// [::1]:5000/app registry=[::1]:5000 repository=app tag=latest
}

func ExampleParse_errors() {
	_, err := reference.Parse("acme/Payment-API:v2")
	fmt.Println(err)
	fmt.Println(errors.Is(err, reference.ErrUppercase))
	// Output:
	// reference: repository name must be lowercase: found 'P' at offset 5 in "acme/Payment-API:v2"
	// true
}

func ExampleReference_Familiar() {
	for _, s := range []string{"docker.io/library/nginx:1.27", "index.docker.io/bitnami/redis", "ghcr.io/acme/app:v1"} {
		fmt.Println(reference.MustParse(s).Familiar())
	}
	// Output:
	// nginx:1.27
	// bitnami/redis
	// ghcr.io/acme/app:v1
}

func ExampleReference_WithDigest() {
	r := reference.MustParse("acmecorp/payment-api:v2.4.1")
	pinned, err := r.WithDigest("sha256:9c1e3a5b7d2f8e4a6c0b2d4f6a8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pinned.Familiar())
	fmt.Println(pinned.IsPinned(), pinned.Tag())
	// Output:
	// acmecorp/payment-api:v2.4.1@sha256:9c1e3a5b7d2f8e4a6c0b2d4f6a8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d
	// true v2.4.1
}

func ExampleReference_TagOrLatest() {
	for _, s := range []string{"app", "app:latest", "app:1.2"} {
		fmt.Println(reference.MustParse(s).TagOrLatest())
	}
	// Output:
	// latest
	// latest
	// 1.2
}

func ExampleValidateTag() {
	fmt.Println(reference.ValidateTag("v1.2.3-alpine"))
	fmt.Println(reference.ValidateTag("feature/login"))
	// Output:
	// <nil>
	// reference: tag may contain only letters, digits, '_', '.' and '-': found '/' at offset 7 in "feature/login"
}
