package policy

import "regexp/syntax"

// linearMatcher matches, without backtracking and without allocating, a
// pattern that is a plain sequence anchored at the start: literals and
// ASCII character classes, each once or repeated greedily (?, *, +),
// captures around runs of them, and optionally an end anchor, where no
// repeat can give up a byte to what follows it ("^main-[a-f0-9]+-(\d+)").
// For such a pattern the regexp engine's leftmost-first match is the
// single greedy path, so the capture positions agree with
// FindStringSubmatchIndex; a fuzz test holds the two together. Tags with
// a byte outside ASCII are left to the regexp engine.
type linearMatcher struct {
	items  []linearItem
	end    bool     // anchored at the end of the text
	groups [][2]int // per capture group: the items it spans, [from, to)
}

// linearItem is a literal, or a class repeated min to max times (max < 0:
// no limit).
type linearItem struct {
	lit      string
	class    *[256]bool
	min, max int
}

// maxLinearItems bounds the items and groups so a match keeps its
// positions on the stack.
const maxLinearItems = 32

// newLinearMatcher compiles pattern for linear matching, or returns nil
// when the pattern is not of the linear shape; numGroups is the pattern's
// number of capture groups.
func newLinearMatcher(pattern string, numGroups int) *linearMatcher {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil || numGroups >= maxLinearItems/2 {
		return nil
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) == 0 || re.Sub[0].Op != syntax.OpBeginText {
		return nil
	}
	m := &linearMatcher{groups: make([][2]int, numGroups+1)}
	seen := make([]bool, numGroups+1)
	subs := re.Sub[1:]
	if n := len(subs); n > 0 && subs[n-1].Op == syntax.OpEndText {
		m.end = true
		subs = subs[:n-1]
	}
	for _, s := range subs {
		if !m.add(s, seen) {
			return nil
		}
	}
	for g := 1; g <= numGroups; g++ {
		if !seen[g] {
			return nil
		}
	}
	if len(m.items) > maxLinearItems || !m.deterministic() {
		return nil
	}
	return m
}

// add appends the items of re, reporting false for anything outside the
// linear shape.
func (m *linearMatcher) add(re *syntax.Regexp, seen []bool) bool {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return true
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !m.add(s, seen) {
				return false
			}
		}
		return true
	case syntax.OpCapture:
		if re.Cap <= 0 || re.Cap >= len(seen) || seen[re.Cap] {
			return false
		}
		seen[re.Cap] = true
		from := len(m.items)
		for _, s := range re.Sub {
			if !m.add(s, seen) {
				return false
			}
		}
		m.groups[re.Cap] = [2]int{from, len(m.items)}
		return true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return false
		}
		b := make([]byte, 0, len(re.Rune))
		for _, r := range re.Rune {
			if r >= 0x80 {
				return false
			}
			b = append(b, byte(r))
		}
		if len(b) > 0 {
			m.items = append(m.items, linearItem{lit: string(b), min: len(b), max: len(b)})
		}
		return true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		if re.Flags&syntax.NonGreedy != 0 || len(re.Sub) != 1 {
			return false
		}
		c := asciiClass(re.Sub[0])
		if c == nil {
			return false
		}
		it := linearItem{class: c, max: -1}
		switch re.Op {
		case syntax.OpPlus:
			it.min = 1
		case syntax.OpQuest:
			it.max = 1
		}
		m.items = append(m.items, it)
		return true
	}
	if c := asciiClass(re); c != nil {
		m.items = append(m.items, linearItem{class: c, min: 1, max: 1})
		return true
	}
	return false
}

// asciiClass returns the ASCII bytes one character of re matches, or nil
// when re is not a single character class. Bytes from 0x80 up are never
// in it: tags holding them are matched by the regexp engine.
func asciiClass(re *syntax.Regexp) *[256]bool {
	var c [256]bool
	switch re.Op {
	case syntax.OpAnyChar:
		for i := range 0x80 {
			c[i] = true
		}
	case syntax.OpAnyCharNotNL:
		for i := range 0x80 {
			c[i] = i != '\n'
		}
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1] && r < 0x80; r++ {
				c[r] = true
			}
		}
	case syntax.OpLiteral:
		if len(re.Rune) != 1 || re.Rune[0] >= 0x80 || re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		c[re.Rune[0]] = true
	default:
		return nil
	}
	return &c
}

// deterministic reports whether no repeat can match a byte that what
// follows it could start with, so the greedy path is the only one.
func (m *linearMatcher) deterministic() bool {
	for i, it := range m.items {
		if it.class == nil || it.min == it.max {
			continue
		}
		for _, next := range m.items[i+1:] {
			if next.class != nil {
				for b, ok := range next.class {
					if ok && it.class[b] {
						return false
					}
				}
			} else if it.class[next.lit[0]] {
				return false
			}
			if next.min > 0 {
				break
			}
		}
	}
	return true
}

// match matches s, which must be ASCII, filling caps (two entries per
// group, group 0 included) as FindStringSubmatchIndex does.
func (m *linearMatcher) match(s string, caps []int) bool {
	var starts [maxLinearItems + 1]int
	pos := 0
	for i, it := range m.items {
		starts[i] = pos
		if it.class == nil {
			if len(s)-pos < len(it.lit) || s[pos:pos+len(it.lit)] != it.lit {
				return false
			}
			pos += len(it.lit)
			continue
		}
		n := 0
		for pos+n < len(s) && (it.max < 0 || n < it.max) && it.class[s[pos+n]] {
			n++
		}
		if n < it.min {
			return false
		}
		pos += n
	}
	starts[len(m.items)] = pos
	if m.end && pos != len(s) {
		return false
	}
	caps[0], caps[1] = 0, pos
	for g := 1; g < len(m.groups); g++ {
		caps[2*g], caps[2*g+1] = starts[m.groups[g][0]], starts[m.groups[g][1]]
	}
	return true
}

// isASCII reports whether every byte of s is below 0x80.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
