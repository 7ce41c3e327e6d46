package metadataaction

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata/localecompare_oracle.json is a list of label keys as
// JavaScript's localeCompare sorts them (Node with ICU), which is how
// metadata-action orders labels and annotations.
func TestLocaleCompareAgreesWithJavaScript(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "localecompare_oracle.json"))
	require.NoError(t, err)
	var want []string
	require.NoError(t, json.Unmarshal(data, &want))
	require.NotEmpty(t, want)
	got := slices.Clone(want)
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
	slices.SortStableFunc(got, localeCompare)
	assert.Equal(t, want, got)
}

func TestJSONStringEscapesAsJavaScript(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a"b\c`, `"a\"b\\c"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x01\x1f", `"\u0001\u001f"`},
		{"<&>é\u2028", "\"<&>é\u2028\""},
		{"\xff", "\"\uFFFD\""},
	} {
		assert.Equal(t, tc.want, string(encodeJSON(tc.in, false)), "%q", tc.in)
	}
	assert.Equal(t, "{\n  \"a\": [],\n  \"b\": {}\n}", string(encodeJSON(object{{"a", []string{}}, {"b", object{}}, {"c", undefined{}}}, true)))
}
