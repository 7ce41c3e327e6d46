package manifest_test

import (
	"bytes"
	"fmt"

	"github.com/imagetags/imagetags/examples/internal/manifest"
	"github.com/imagetags/imagetags/reference"
)

func ExampleEdit() {
	compose := []byte(`x-base: &base
  image: nginx:1.27   # shared by api and worker
services:
  api:
    <<: *base
  worker:
    <<: *base
  db:
    image: "postgres:16"
`)
	images, err := manifest.Find(compose)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, img := range images {
		fmt.Printf("%s = %s (line %d)", img.Path, img.Value, img.Line)
		if img.Via != "" {
			fmt.Print(" through ", img.Via)
		}
		fmt.Println()
	}
	out, changes, err := manifest.Edit(compose, images, func(img manifest.Image) (string, bool) {
		return img.Value + "@sha256:4c0f...", img.Editable() == nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range changes {
		fmt.Printf("line %d: %s -> %s (%d images)\n", c.Line, c.Old, c.New, len(c.Images))
	}
	fmt.Print(string(out))
	// Output:
	// services.api.image = nginx:1.27 (line 2) through <<: *base (line 5)
	// services.worker.image = nginx:1.27 (line 2) through <<: *base (line 7)
	// services.db.image = postgres:16 (line 9)
	// line 2: nginx:1.27 -> nginx:1.27@sha256:4c0f... (2 images)
	// line 9: postgres:16 -> postgres:16@sha256:4c0f... (1 images)
	// x-base: &base
	//   image: nginx:1.27@sha256:4c0f...   # shared by api and worker
	// services:
	//   api:
	//     <<: *base
	//   worker:
	//     <<: *base
	//   db:
	//     image: "postgres:16@sha256:4c0f..."
}

func ExampleFindDockerfile() {
	dockerfile := []byte(`ARG GO=1.22
FROM --platform=$BUILDPLATFORM golang:${GO} AS build
FROM gcr.io/distroless/static:nonroot
COPY --from=build /app /app
`)
	images, err := manifest.FindDockerfile(dockerfile)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, img := range images {
		fmt.Printf("line %d %s: %s -> %s\n", img.Line, img.Path, img.Value, img.Resolved)
	}
	// Output:
	// line 2 FROM (stage 1, build): golang:${GO} -> golang:1.22
	// line 3 FROM (stage 2): gcr.io/distroless/static:nonroot -> gcr.io/distroless/static:nonroot
}

func ExampleFindFile() {
	_, err := manifest.FindFile("values.yaml", []byte("image:\n  repository: nginx\n  tag: 1.27\n"))
	fmt.Println(err)
	// Output:
	// unsupported input: document 1 (line 1) is neither a Kubernetes object (it has no kind) nor a Compose file (it has no services); a Helm values file or other YAML is not read, because its images cannot be found reliably
}

func ExampleRewriteTag() {
	deploy := []byte(`kind: CronJob
metadata: {name: report}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: report
            image: acmecorp/payment-api:v2.4.1
          - name: canary
            image: acmecorp/payment-api:staging   # left alone
`)
	images, err := manifest.Find(deploy)
	if err != nil {
		fmt.Println(err)
		return
	}
	promoted := reference.MustParse("acmecorp/payment-api:v2.4.1")
	out, changes, matched, err := manifest.RewriteTag(deploy, images, promoted, func(r reference.Reference) (reference.Reference, error) {
		tagged, err := r.WithoutDigest().WithTag("production")
		if err != nil {
			return reference.Reference{}, err
		}
		return tagged.WithDigest("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(matched, "matched,", len(changes), "changed")
	fmt.Print(string(out[bytes.Index(out, []byte("          - name: report")):]))
	// Output:
	// 1 matched, 1 changed
	//           - name: report
	//             image: acmecorp/payment-api:production@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
	//           - name: canary
	//             image: acmecorp/payment-api:staging   # left alone
}
