module github.com/imagetags/imagetags

go 1.26.0

require (
	github.com/Masterminds/semver/v3 v3.5.0
	github.com/aquasecurity/go-pep440-version v0.0.1
	github.com/distribution/reference v0.6.0
	github.com/google/go-containerregistry v0.22.1
	github.com/opencontainers/go-digest v1.0.0
	github.com/opencontainers/image-spec v1.1.1
	github.com/stretchr/testify v1.12.1
	github.com/tidwall/btree v1.8.2
	go.yaml.in/yaml/v3 v3.0.5
	oras.land/oras-go/v2 v2.7.0
)

require (
	github.com/aquasecurity/go-version v0.0.1 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/xerrors v0.0.0-20231012003039-104605ab7028 // indirect
)
