package memory

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oracleProbe decodes the probed fields with encoding/json, as the
// registry did before it had its own scanner.
func oracleProbe(data []byte) (manifestProbe, error) {
	var probe struct {
		MediaType    string              `json:"mediaType"`
		ArtifactType string              `json:"artifactType"`
		Config       *ocispec.Descriptor `json:"config"`
		Layers       []ocispec.Descriptor
		Manifests    []ocispec.Descriptor
		Subject      *ocispec.Descriptor `json:"subject"`
	}
	err := json.Unmarshal(data, &probe)
	return manifestProbe(probe), err
}

// kept is what the registry uses of a descriptor.
type kept struct {
	MediaType, ArtifactType string
	Digest                  digest.Digest
	Size                    int64
	URLs                    []string
}

func keep(d *ocispec.Descriptor) *kept {
	if d == nil {
		return nil
	}
	k := &kept{MediaType: d.MediaType, ArtifactType: d.ArtifactType, Digest: d.Digest, Size: d.Size}
	if len(d.URLs) > 0 {
		k.URLs = d.URLs
	}
	return k
}

func keepAll(ds []ocispec.Descriptor) []*kept {
	out := make([]*kept, len(ds))
	for i := range ds {
		out[i] = keep(&ds[i])
	}
	return out
}

// sameProbe reports whether two probes agree on everything the registry
// uses.
func sameProbe(t *testing.T, want, got manifestProbe, input []byte) {
	t.Helper()
	assert.Equal(t, want.MediaType, got.MediaType, "mediaType of %q", input)
	assert.Equal(t, want.ArtifactType, got.ArtifactType, "artifactType of %q", input)
	assert.Equal(t, keep(want.Config), keep(got.Config), "config of %q", input)
	assert.Equal(t, keepAll(want.Layers), keepAll(got.Layers), "layers of %q", input)
	assert.Equal(t, keepAll(want.Manifests), keepAll(got.Manifests), "manifests of %q", input)
	assert.Equal(t, keep(want.Subject), keep(got.Subject), "subject of %q", input)
}

const d64 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

var scanSeeds = []string{
	`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + d64 + `","size":7},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + d64 + `","size":12,"urls":["https://example.com/l"]}],"annotations":{"a":"b"}}`,
	`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + d64 + `","size":1,"platform":{"architecture":"arm64","os":"linux","variant":"v8","os.features":["x"]}}]}`,
	`{"artifactType":"application/x","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"` + d64 + `","size":2,"data":"e30="},"subject":{"digest":"` + d64 + `","size":3},"layers":null}`,
	` { "mediaType" : "a\u0062c\n" , "config" : null , "layers" : [ null , {} ] } `,
	`{"x":[1,-0,2.5e-3,true,false,null,{"y":"\"\\\/\b\f\n\r\t"}],"layers":[]}`,
	`{"mediaType":"caf` + "\xc3\xa9" + `","config":{"digest":"` + "\xff" + `"}}`,
}

func TestScanManifestAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range scanSeeds {
		want, err := oracleProbe([]byte(in))
		require.NoError(t, err, "oracle on %q", in)
		got, err := scanManifest([]byte(in))
		require.NoError(t, err, "%q", in)
		sameProbe(t, want, got, []byte(in))
	}
}

func TestScanManifestRefuses(t *testing.T) {
	tests := []struct {
		name, in  string
		ambiguous bool // encoding/json would accept it
	}{
		{"empty", ``, false},
		{"not an object", `[]`, false},
		{"null document", `null`, true},
		{"truncated", `{"layers":[`, false},
		{"trailing data", `{} {}`, false},
		{"trailing comma", `{"a":1,}`, false},
		{"single quotes", `{'a':1}`, false},
		{"control character in a string", "{\"a\":\"\x01\"}", false},
		{"bad escape", `{"a":"\x"}`, false},
		{"short unicode escape", `{"a":"\u12"}`, false},
		{"leading zero", `{"a":01}`, false},
		{"bare minus", `{"a":-}`, false},
		{"dot without digits", `{"a":1.}`, false},
		{"exponent without digits", `{"a":1e}`, false},
		{"bad literal", `{"a":nul}`, false},
		{"config of the wrong type", `{"config":"x"}`, false},
		{"layers of the wrong type", `{"layers":{}}`, false},
		{"layer of the wrong type", `{"layers":[1]}`, false},
		{"media type of the wrong type", `{"mediaType":1}`, false},
		{"digest of the wrong type", `{"config":{"digest":5}}`, false},
		{"fractional size", `{"config":{"size":1.5}}`, false},
		{"size with an exponent", `{"config":{"size":1e3}}`, false},
		{"size beyond 64 bits", `{"config":{"size":99999999999999999999}}`, false},
		{"urls of the wrong type", `{"layers":[{"urls":"x"}]}`, false},
		{"annotation of the wrong type", `{"layers":[{"annotations":{"a":1}}]}`, false},
		{"data not base64", `{"config":{"data":"!!"}}`, false},
		{"platform of the wrong type", `{"manifests":[{"platform":[]}]}`, false},
		{"platform os of the wrong type", `{"manifests":[{"platform":{"os":1}}]}`, false},
		{"duplicate layers", `{"layers":[],"layers":[]}`, true},
		{"duplicate digest", `{"config":{"digest":"a","digest":"b"}}`, true},
		{"key in another case", `{"Layers":[]}`, true},
		{"descriptor key in another case", `{"config":{"Digest":"x"}}`, true},
		{"too deep", strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanManifest([]byte(tt.in))
			require.Error(t, err)
			assert.Equal(t, tt.ambiguous, errors.Is(err, errManifestAmbiguous), "%v", err)
			_, oerr := oracleProbe([]byte(tt.in))
			assert.Equal(t, tt.ambiguous, oerr == nil, "encoding/json: %v", oerr)
		})
	}
}

// FuzzScanManifest checks the scanner against encoding/json: whatever the
// scanner accepts, encoding/json decodes to the same fields; whatever
// encoding/json accepts and the scanner refuses, it refuses as ambiguous.
func FuzzScanManifest(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := scanManifest(data)
		want, oerr := oracleProbe(data)
		switch {
		case err == nil && oerr != nil:
			t.Fatalf("scanner accepts %q, encoding/json refuses it: %v", data, oerr)
		case err == nil:
			sameProbe(t, want, got, data)
		case oerr == nil && !errors.Is(err, errManifestAmbiguous):
			t.Fatalf("scanner refuses %q (%v), encoding/json accepts it", data, err)
		}
	})
}
