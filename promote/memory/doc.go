// Package memory is an in-memory OCI registry for test suites: a complete
// promote.Registry (with TagDeleter, ManifestFetcher and TagSwapper) and an
// http.Handler speaking the OCI Distribution API v1.1, so that the same
// fake serves code that uses package promote and code that speaks HTTP
// through any OCI client.
//
// A test seeds the images it needs in one call, with real manifests,
// configs and layers whose digests are the sha256 of their bytes:
//
//	reg := memory.New()
//	digests, err := reg.Seed(memory.Image{Repository: "team/app", Tags: []string{"1.2.3"}})
//
// References are matched by repository path; their registry host is
// ignored, so "registry.test/team/app:1.2.3" and
// "localhost:5000/team/app:1.2.3" name the same image. Note that a name
// without a host, such as "app", normalizes to the Docker Hub path
// "library/app".
//
// Beyond storage, the fake helps tests see and shape what happens:
// SetImmutable adds tag immutability rules like those of ECR and Harbor;
// InjectFault makes chosen operations fail, once, after some calls, or for
// one repository; Events lists every write and Calls counts every
// operation, for assertions such as "one resolve per distinct tag".
//
// It stays fast in large repositories: resolving a tag is one lock-free
// lookup, creating or deleting a tag costs O(log n) in its repository and
// creating a repository O(1), and tag lists come in order, a page at a
// time, at the cost of the page.
//
// Handler serves the registry over HTTP. Point an OCI client at
// httptest.NewServer(reg.Handler()) with plain HTTP enabled.
package memory
