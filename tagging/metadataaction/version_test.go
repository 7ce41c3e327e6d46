package metadataaction

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata/version_oracle.json holds what metadata-action's semver and
// PEP 440 libraries answer for each input: valid or not, the normalised
// version, whether it is a pre-release, and the release numbers.
func TestVersionsAgreeWithMetadataActionLibraries(t *testing.T) {
	var cases []struct {
		Input            string `json:"input"`
		PEP440Valid      bool   `json:"pep440Valid"`
		PEP440Clean      string `json:"pep440Clean"`
		PEP440Unstable   bool   `json:"pep440Unstable"`
		PEP440Major      string `json:"pep440Major"`
		PEP440Minor      string `json:"pep440Minor"`
		PEP440Patch      string `json:"pep440Patch"`
		SemverValid      bool   `json:"semverValid"`
		SemverVersion    string `json:"semverVersion"`
		SemverPrerelease bool   `json:"semverPrerelease"`
		SemverRaw        string `json:"semverRaw"`
	}
	readCases(t, "version_oracle.json", &cases)
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.Input, func(t *testing.T) {
			pv, ok := parsePEP440(tc.Input)
			require.Equal(t, tc.PEP440Valid, ok, "pep440 validity")
			if ok {
				assert.Equal(t, tc.PEP440Clean, pv.clean())
				assert.Equal(t, tc.PEP440Unstable, pv.unstable())
				assert.Equal(t, []string{tc.PEP440Major, tc.PEP440Minor, tc.PEP440Patch}, []string{pv.part(0), pv.part(1), pv.part(2)})
			}
			sv, ok := parseSemver(tc.Input)
			require.Equal(t, tc.SemverValid, ok, "semver validity")
			if ok {
				assert.Equal(t, tc.SemverVersion, sv.version())
				assert.Equal(t, tc.SemverPrerelease, sv.v.Prerelease() != "")
				assert.Equal(t, tc.SemverRaw, sv.raw)
			}
		})
	}
}
