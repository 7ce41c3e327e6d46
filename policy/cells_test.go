package policy

import (
	"math/rand/v2"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var cellConstraints = []string{
	">=1.2 <2", "~1.3", "^2", "^0.2.3", "^0.0.3", "1.x", "*", "!=1.2.3", ">1.2", "<=1.2", ">11",
	"1.2.3 - 1.4", "=1.2", ">=1.0.0-rc.1", "<2 || >=3.1.4", "~1", "^0", "> 1.2.3, < 1.5", "1.2.3",
	"x", "2.x.x", "<=0.0.0", ">=18446744073709551614",
}

// TestCellsAgreeWithCheck compares the per-range answers with asking the
// constraint about every version.
func TestCellsAgreeWithCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, text := range cellConstraints {
		t.Run(text, func(t *testing.T) {
			cs, err := semver.NewConstraint(text)
			require.NoError(t, err)
			k := checker{cs: cs, cells: newCells(text)}
			for i := 0; i < 3000; i++ {
				v := version{major: uint64(r.IntN(6)), minor: uint64(r.IntN(6)), patch: uint64(r.IntN(6)), set: true}
				if i%7 == 0 {
					v.pre = []string{"rc.1", "alpha", "0"}[r.IntN(3)]
				}
				if i%11 == 0 {
					v.major = uint64(r.IntN(20))
				}
				want := cs.Check(semver.New(v.major, v.minor, v.patch, v.pre, ""))
				assert.Equal(t, want, k.allows(v), "%d.%d.%d-%s", v.major, v.minor, v.patch, v.pre)
			}
		})
	}
}

func TestNewCells(t *testing.T) {
	c := newCells("^1.2.3")
	require.NotNil(t, c)
	var got []string
	for _, b := range c.bounds {
		got = append(got, semver.New(b.major, b.minor, b.patch, "", "").String())
	}
	assert.Equal(t, []string{"1.0.0", "1.2.0", "1.2.3", "1.2.4", "1.3.0", "2.0.0"}, got)
	assert.Equal(t, 0, c.index(version{major: 0, minor: 9, set: true}))
	assert.Equal(t, 3, c.index(version{major: 1, minor: 2, patch: 3, set: true}))
	assert.Equal(t, 6, c.index(version{major: 7, set: true}))
	assert.Nil(t, newCells("<18446744073709551615"), "no successor")
	assert.Nil(t, newCells("<99999999999999999999999"), "overflow")
	assert.Empty(t, newCells("*").bounds)
}

func TestMentionsPrerelease(t *testing.T) {
	assert.True(t, mentionsPrerelease(">=1.2.3-rc.1"))
	assert.False(t, mentionsPrerelease("1.2 - 1.4"))
	assert.False(t, mentionsPrerelease("^2"))
}
