package demo_test

import (
	"context"
	"fmt"
	"os"

	"github.com/imagetags/imagetags/examples/internal/demo"
	"github.com/imagetags/imagetags/reference"
)

// Connect in demo mode announces itself and serves the demo catalogue as
// registry.example.com only; a reference on any other host is refused
// before anything is sent.
func ExampleConnect() {
	reg, err := demo.Connect(true, nil, os.Stdout)
	if err != nil {
		fmt.Println(err)
		return
	}
	staging := reference.MustParse("registry.example.com/acmecorp/payment-api:staging")
	if _, err := reg.Resolve(context.Background(), staging); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("resolved", staging.Familiar())
	fmt.Println(demo.Check(reg, "--from", reference.MustParse("ghcr.io/acmecorp/payment-api:v2.4.1")))
	// Output:
	// demo mode: working on an in-memory registry with demo images, served as registry.example.com only; nothing is sent to any real registry
	// resolved registry.example.com/acmecorp/payment-api:staging
	// --from ghcr.io/acmecorp/payment-api:v2.4.1: demo mode works only on registry.example.com, and this names ghcr.io; run without --demo to use ghcr.io
}

// Message drops the package prefixes a program's own name stands for.
func ExampleMessage() {
	fmt.Println(demo.Message(fmt.Errorf("promote: promote %s: %w", "app:1", fmt.Errorf("remote: not found"))))
	// Output:
	// promote app:1: remote: not found
}
