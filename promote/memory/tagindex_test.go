package memory

import (
	"hash/maphash"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagIndexHashOfPartsIsHashOfKey(t *testing.T) {
	x := newTagIndex()
	for _, tt := range []struct{ repo, tag string }{
		{"a", "b"},
		{"team/app", "1.2.3"},
		{"library/ubuntu", "20.04"},
		{string(make([]byte, 200)), "latest"}, // longer than the hash's buffer
	} {
		assert.Equal(t, maphash.String(x.seed, tt.repo+":"+tt.tag), x.hashParts(tt.repo, tt.tag), "%q %q", tt.repo, tt.tag)
	}
}

func TestTagIndexSetGetRemove(t *testing.T) {
	x := newTagIndex()
	m1, m2 := &manifest{}, &manifest{}
	assert.Nil(t, x.get("team/app:1"), "empty index")
	assert.Nil(t, x.lookup("team/app", "1"), "empty index")

	tests := []struct {
		name    string
		op      func() bool
		want    bool
		wantKey *manifest
		live    int
	}{
		{"create", func() bool { return x.set("team/app", "1", m1) }, true, m1, 1},
		{"move", func() bool { return x.set("team/app", "1", m2) }, false, m2, 1},
		{"remove", func() bool { return x.remove("team/app", "1") }, true, nil, 0},
		{"remove again", func() bool { return x.remove("team/app", "1") }, false, nil, 0},
		{"re-create", func() bool { return x.set("team/app", "1", m1) }, true, m1, 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.op(), tt.name)
		assert.Same(t, tt.wantKey, x.get("team/app:1"), tt.name)
		assert.Same(t, tt.wantKey, x.lookup("team/app", "1"), tt.name)
		assert.Equal(t, tt.live, x.live, tt.name)
	}
	assert.Nil(t, x.get("team/app:10"), "a key that shares a prefix")
	assert.Nil(t, x.lookup("team", "app:1"), "the same bytes split elsewhere")
}

func TestTagIndexChurnKeepsTheTableBounded(t *testing.T) {
	x := newTagIndex()
	m := &manifest{}
	const keep = 100
	for i := range keep {
		require.True(t, x.set("r", "keep"+strconv.Itoa(i), m))
	}
	// Create and delete many distinct tags: dead entries must not pile
	// up, or the table would grow with the history instead of the tags.
	for i := range 100_000 {
		tag := "churn" + strconv.Itoa(i)
		require.True(t, x.set("r", tag, m))
		require.True(t, x.remove("r", tag))
	}
	assert.Equal(t, keep, x.live)
	assert.LessOrEqual(t, len(x.table.Load().slots), 16*keep, "table size follows the live tags")
	for i := range keep {
		assert.Same(t, m, x.get("r:keep"+strconv.Itoa(i)))
	}
}

// TestTagIndexReadersDuringGrowth reads tags that always exist while a
// writer grows the table, moves them and churns others; run with -race.
func TestTagIndexReadersDuringGrowth(t *testing.T) {
	x := newTagIndex()
	a, b := &manifest{}, &manifest{}
	const stable = 50
	for i := range stable {
		x.set("r", "s"+strconv.Itoa(i), a)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 4)
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i := range stable {
					if m := x.get("r:s" + strconv.Itoa(i)); m != a && m != b {
						errs <- "stable tag s" + strconv.Itoa(i) + " missing"
						return
					}
				}
			}
		})
	}
	for i := range 20_000 {
		x.set("r", "n"+strconv.Itoa(i), a)
		if i%3 == 0 {
			x.remove("r", "n"+strconv.Itoa(i))
		}
		if i%100 == 0 {
			m := a
			if i%200 == 0 {
				m = b
			}
			x.set("r", "s"+strconv.Itoa(i%stable), m)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestOpResolveIndex(t *testing.T) {
	assert.Equal(t, OpResolve.index(), opResolveIndex)
}
