package tagging

// Word lookup for the default lists. Classify asks, for nearly every tag,
// whether the tag (or its first "-" segment) is a latest alias, channel or
// flavor, and whether a leading segment is a commit, build or pull-request
// prefix. A scan of the lists with a case-insensitive comparison per entry
// costs more than reading the version, so the default lists are held in a
// small open-addressing table keyed on the length and the first and last
// letters: most lookups make one comparison, or none when the slot is empty.
// Lists a Classifier configures itself are scanned, with a cheap length and
// first-letter check before each comparison.

// Bits of wordEntry.lists: which default lists hold the word.
const (
	inAliases uint8 = 1 << iota
	inChannels
	inFlavors
	inSHAPrefixes
	inBuildPrefixes
	inPRPrefixes
	inPreLabels
)

type wordEntry struct {
	word  string // lower case
	lists uint8  // bitmask of the default lists holding word
}

// wordTableSize is a power of two, comfortably above twice the number of
// default words and prefixes, so probe chains stay short.
const wordTableSize = 256

// wordTable holds the entries and, apart, their lengths (0 for an empty
// slot), so a probe reads one byte before it touches a string.
type wordTable struct {
	lens    [wordTableSize]uint8
	entries [wordTableSize]wordEntry
	maxLen  int
}

// defWords holds every default word and prefix. It is built once from the
// Default* functions and never written again.
var defWords = buildWordTable()

func buildWordTable() *wordTable {
	t := new(wordTable)
	for _, l := range []struct {
		words []string
		bit   uint8
	}{
		{DefaultLatestAliases(), inAliases},
		{DefaultChannels(), inChannels},
		{DefaultFlavors(), inFlavors},
		{DefaultSHAPrefixes(), inSHAPrefixes},
		{DefaultBuildPrefixes(), inBuildPrefixes},
		{DefaultPRPrefixes(), inPRPrefixes},
		{DefaultPrereleaseLabels(), inPreLabels},
	} {
		for _, w := range l.words {
			t.add(w, l.bit)
		}
	}
	return t
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// wordHash mixes the length and the first and last bytes of w, ASCII
// case folded; w is not empty.
func wordHash(w string) uint {
	return (uint(len(w))*0x9e + uint(lower(w[0]))*0x3b + uint(lower(w[len(w)-1]))*0x11) & (wordTableSize - 1)
}

func (t *wordTable) add(w string, bit uint8) {
	lw := []byte(w)
	for i := range lw {
		lw[i] = lower(lw[i])
	}
	w = string(lw)
	t.maxLen = max(t.maxLen, len(w))
	for h := wordHash(w); ; h = (h + 1) & (wordTableSize - 1) {
		switch t.entries[h].word {
		case "":
			t.entries[h] = wordEntry{word: w, lists: bit}
			t.lens[h] = uint8(len(w))
			return
		case w:
			t.entries[h].lists |= bit
			return
		}
	}
}

// lists returns the bitmask of the default lists that hold w, ASCII case
// insensitively, or 0.
func (t *wordTable) lists(w string) uint8 {
	if w == "" || len(w) > t.maxLen || !isAlpha(w[0]) {
		return 0 // every default word and prefix starts with a letter
	}
	for h := wordHash(w); ; h = (h + 1) & (wordTableSize - 1) {
		switch int(t.lens[h]) {
		case 0:
			return 0
		case len(w):
			if e := &t.entries[h]; equalFoldLower(w, e.word) {
				return e.lists
			}
		}
	}
}

// comparisons returns how many string comparisons lists(w) makes.
func (t *wordTable) comparisons(w string) int {
	if w == "" || len(w) > t.maxLen || !isAlpha(w[0]) {
		return 0
	}
	n := 0
	for h := wordHash(w); ; h = (h + 1) & (wordTableSize - 1) {
		switch int(t.lens[h]) {
		case 0:
			return n
		case len(w):
			n++
			if equalFoldLower(w, t.entries[h].word) {
				return n
			}
		}
	}
}

// equalFoldLower reports whether s equals the lower-case ASCII word lw,
// ignoring ASCII case; the lengths are equal.
func equalFoldLower(s, lw string) bool {
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != lw[i] {
			return false
		}
	}
	return true
}

// has reports whether w is in the configured list or, when the list is
// nil, in the default list marked by bit; m is defWords.lists(w).
func has(w string, list []string, m, bit uint8) bool {
	if list == nil {
		return m&bit != 0
	}
	return inFold(w, list)
}

// inFold reports whether w is in list, ASCII case insensitively.
func inFold(w string, list []string) bool {
	if w == "" {
		return false
	}
	f := lower(w[0])
	for _, x := range list {
		if len(x) == len(w) && lower(x[0]) == f && equalFold(x, w) {
			return true
		}
	}
	return false
}

// equalFold is ASCII case-insensitive equality of two strings of the same
// length. Non-ASCII bytes compare exactly (tags are ASCII).
func equalFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
