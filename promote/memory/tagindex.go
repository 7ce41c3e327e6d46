package memory

import (
	"hash/maphash"
	"sync/atomic"
)

// tagIndex maps "repository:tag" to the manifest the tag points at, for
// every tag of the registry. Reads take no lock and allocate nothing;
// writes are serialised by the caller (the registry holds r.mu for
// writing).
//
// It is an open-addressing hash table with linear probing. A slot, once
// filled, never changes in that table: a deleted tag keeps its entry with
// a nil manifest, and re-creating the tag reuses the entry. When filled
// slots reach half the table, the live entries move to a new table
// (sized for twice the live count), which is then published atomically;
// entries are shared between the tables, so a reader still probing the
// old one sees every move of an existing tag. Each read is therefore one
// atomic load of the table, a probe that usually touches one slot, and
// the entry's key: growth and churn of tags cost amortized O(1).
type tagIndex struct {
	seed  maphash.Seed
	table atomic.Pointer[tagTable]
	live  int // entries with a manifest; writers only
}

type tagTable struct {
	slots []tagSlot // a power of two long
	used  int       // filled slots, live or dead; writers only
}

// tagSlot is one slot of a table. hash is written before entry is
// published and never changes afterwards, so a reader that loaded a
// non-nil entry may read hash.
type tagSlot struct {
	hash  uint64
	entry atomic.Pointer[tagEntry]
}

// tagEntry is one tag. Moving the tag swaps m, which allocates nothing.
type tagEntry struct {
	key string                   // "repository:tag"
	m   atomic.Pointer[manifest] // nil while the tag is deleted
}

func newTagIndex() tagIndex { return tagIndex{seed: maphash.MakeSeed()} }

// get returns the manifest key ("repository:tag") points at, or nil.
func (x *tagIndex) get(key string) *manifest {
	t := x.table.Load()
	if t == nil {
		return nil
	}
	h := maphash.String(x.seed, key)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		e := s.entry.Load()
		if e == nil {
			return nil
		}
		if s.hash == h && e.key == key {
			return e.m.Load()
		}
	}
}

// hashParts is the hash of repo+":"+tag, without building the string.
func (x *tagIndex) hashParts(repo, tag string) uint64 {
	var h maphash.Hash
	h.SetSeed(x.seed)
	_, _ = h.WriteString(repo)
	_ = h.WriteByte(':')
	_, _ = h.WriteString(tag)
	return h.Sum64()
}

func keyIs(key, repo, tag string) bool {
	return len(key) == len(repo)+1+len(tag) && key[len(repo)] == ':' && key[:len(repo)] == repo && key[len(repo)+1:] == tag
}

// entry returns the entry of repo and tag, live or dead, or nil.
func (x *tagIndex) entry(repo, tag string) *tagEntry {
	t := x.table.Load()
	if t == nil {
		return nil
	}
	h := x.hashParts(repo, tag)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		e := s.entry.Load()
		if e == nil {
			return nil
		}
		if s.hash == h && keyIs(e.key, repo, tag) {
			return e
		}
	}
}

// lookup returns the manifest tag of repo points at, or nil.
func (x *tagIndex) lookup(repo, tag string) *manifest {
	if e := x.entry(repo, tag); e != nil {
		return e.m.Load()
	}
	return nil
}

// set points tag of repo at m, reporting whether the tag is new. The
// caller serialises writes.
func (x *tagIndex) set(repo, tag string, m *manifest) bool {
	if e := x.entry(repo, tag); e != nil {
		created := e.m.Swap(m) == nil
		if created {
			x.live++
		}
		return created
	}
	t := x.table.Load()
	if t == nil || 2*(t.used+1) > len(t.slots) {
		t = x.grow(t)
	}
	e := &tagEntry{key: repo + ":" + tag}
	e.m.Store(m)
	t.insert(maphash.String(x.seed, e.key), e)
	x.live++
	return true
}

// remove deletes tag of repo, reporting whether it existed. The caller
// serialises writes.
func (x *tagIndex) remove(repo, tag string) bool {
	e := x.entry(repo, tag)
	if e == nil || e.m.Swap(nil) == nil {
		return false
	}
	x.live--
	return true
}

// insert puts e into the first free slot of its probe sequence; e's key
// must not be in t yet.
func (t *tagTable) insert(h uint64, e *tagEntry) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].entry.Load() != nil {
		i = (i + 1) & mask
	}
	t.slots[i].hash = h
	t.slots[i].entry.Store(e)
	t.used++
}

// grow publishes a new table holding the live entries of old with room
// for as many again, and returns it.
func (x *tagIndex) grow(old *tagTable) *tagTable {
	size := 16
	for size < 4*(x.live+1) {
		size *= 2
	}
	t := &tagTable{slots: make([]tagSlot, size)}
	if old != nil {
		for i := range old.slots {
			s := &old.slots[i]
			if e := s.entry.Load(); e != nil && e.m.Load() != nil {
				t.insert(s.hash, e)
			}
		}
	}
	x.table.Store(t)
	return t
}
