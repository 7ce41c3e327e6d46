package metadataaction

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata/moment_oracle.json holds moment-timezone's own output for
// every token, at times chosen for week-year and leap-day edges, in zones
// with whole, half and odd offsets.
func TestFormatMomentAgreesWithMoment(t *testing.T) {
	var cases []struct {
		Time   string `json:"time"`
		TZ     string `json:"tz"`
		Format string `json:"format"`
		Want   string `json:"want"`
	}
	readCases(t, "moment_oracle.json", &cases)
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		tm, err := time.Parse(time.RFC3339Nano, tc.Time)
		require.NoError(t, err)
		loc, err := time.LoadLocation(tc.TZ)
		require.NoError(t, err)
		assert.Equal(t, tc.Want, formatMoment(tm.In(loc), tc.Format, true), "%s in %s with %q", tc.Time, tc.TZ, tc.Format)
	}
}

func TestFormatMomentWithoutFormat(t *testing.T) {
	tm := time.Date(2020, 1, 10, 0, 30, 0, 0, time.UTC)
	assert.Equal(t, "2020-01-10T00:30:00Z", formatMoment(tm, "", false))
	tokyo := time.FixedZone("JST", 9*3600)
	assert.Equal(t, "2020-01-10T09:30:00+09:00", formatMoment(tm.In(tokyo), "", false))
}
