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
// It is an open-addressing hash table with linear probing, whose slots
// hold the key, its hash and the manifest, so that a lookup touches one
// slot and the key's bytes. A slot, once filled, keeps its key in that
// table: deleting the tag leaves a tombstone, and re-creating the tag
// reuses the slot. When filled slots reach half the table, the live ones
// are copied to a new table sized for twice the live count, which is then
// published atomically. A reader still probing the old table sees the
// tags as they were when it was replaced, which was during the reader's
// call. Growth and churn of tags cost amortized O(1).
type tagIndex struct {
	seed  maphash.Seed
	table atomic.Pointer[tagTable]
	live  int // slots with a manifest; writers only
}

type tagTable struct {
	slots []tagSlot // a power of two long
	used  int       // filled slots, live or tombstones; writers only
}

// tagSlot is one slot of a table. m is nil while the slot is empty; hash
// and key are written before m is first stored and never change
// afterwards, so a reader that loaded a non-nil m may read them.
type tagSlot struct {
	hash uint64
	key  string                   // "repository:tag"
	m    atomic.Pointer[manifest] // nil: empty; deletedTag: a tombstone
}

// deletedTag marks the slot of a deleted tag.
var deletedTag = new(manifest)

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
		m := s.m.Load()
		if m == nil {
			return nil
		}
		if s.hash == h && s.key == key {
			if m == deletedTag {
				return nil
			}
			return m
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

// slot returns the slot of repo and tag in the current table, live or a
// tombstone, or nil.
func (x *tagIndex) slot(repo, tag string) *tagSlot {
	return x.slotHashed(repo, tag, x.hashParts(repo, tag))
}

// slotHashed is slot for a key whose hash h is known.
func (x *tagIndex) slotHashed(repo, tag string, h uint64) *tagSlot {
	t := x.table.Load()
	if t == nil {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.m.Load() == nil {
			return nil
		}
		if s.hash == h && keyIs(s.key, repo, tag) {
			return s
		}
	}
}

// lookup returns the manifest tag of repo points at, or nil.
func (x *tagIndex) lookup(repo, tag string) *manifest {
	if s := x.slot(repo, tag); s != nil {
		if m := s.m.Load(); m != deletedTag {
			return m
		}
	}
	return nil
}

// set points tag of repo at m, reporting whether the tag is new. The
// caller serialises writes.
func (x *tagIndex) set(repo, tag string, m *manifest) bool {
	h := x.hashParts(repo, tag)
	if s := x.slotHashed(repo, tag, h); s != nil {
		created := s.m.Swap(m) == deletedTag
		if created {
			x.live++
		}
		return created
	}
	t := x.table.Load()
	if t == nil || 2*(t.used+1) > len(t.slots) {
		t = x.grow(t)
	}
	t.insert(h, repo+":"+tag, m)
	x.live++
	return true
}

// remove deletes tag of repo, reporting whether it existed. The caller
// serialises writes.
func (x *tagIndex) remove(repo, tag string) bool {
	s := x.slot(repo, tag)
	if s == nil || s.m.Load() == deletedTag {
		return false
	}
	s.m.Store(deletedTag)
	x.live--
	return true
}

// insert fills the first empty slot of the probe sequence of h; key must
// not be in t yet.
func (t *tagTable) insert(h uint64, key string, m *manifest) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].m.Load() != nil {
		i = (i + 1) & mask
	}
	s := &t.slots[i]
	s.hash, s.key = h, key
	s.m.Store(m)
	t.used++
}

// grow publishes a new table holding the live slots of old with room
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
			if m := s.m.Load(); m != nil && m != deletedTag {
				t.insert(s.hash, s.key, m)
			}
		}
	}
	x.table.Store(t)
	return t
}
