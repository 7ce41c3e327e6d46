package manifest

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gen turns fuzz bytes into choices.
type gen struct {
	b []byte
	i int
}

func (g *gen) pick(n int) int {
	if g.i >= len(g.b) {
		return 0
	}
	v := int(g.b[g.i]) % n
	g.i++
	return v
}

func (g *gen) one(options ...string) string { return options[g.pick(len(options))] }

// tricky are scalar contents that once moved byte offsets away from the
// parser's line and column.
var tricky = []string{"a\u2028b", "a\u2029b", "a\u0085b", "a\rb", "é€😀", "--x", "nginx:1", "x: y", `\"q\"`, "\\t", " spaced "}

// document writes a random Compose file or Kubernetes manifest whose
// image values are simple references, and returns it with the number of
// images it holds.
func (g *gen) document() []byte {
	var b strings.Builder
	nl := g.one("\n", "\r\n")
	if g.pick(4) == 0 {
		b.WriteString("\uFEFF")
	}
	anchors := 0
	image := func(indent string) string {
		if anchors > 0 && g.pick(4) == 0 {
			return "*a" + strconv.Itoa(g.pick(anchors))
		}
		props := g.one("", "", "!!str ", "&a"+strconv.Itoa(anchors)+" ", "!!str &a"+strconv.Itoa(anchors)+" ", "&a"+strconv.Itoa(anchors)+" !!str ")
		if strings.Contains(props, "&") {
			anchors++
		}
		v := g.one("nginx:1", "ghcr.io/acme/app:2.0", "busybox", "registry.example.com:5000/team/app")
		switch g.pick(3) {
		case 1:
			v = "'" + v + "'"
		case 2:
			v = `"` + v + `"`
		}
		s := props + v
		if g.pick(3) == 0 {
			s += " # " + g.one("c", "image: x:1", "é\u2028")
		}
		return s
	}
	filler := func(indent string) string {
		q := tricky[g.pick(len(tricky))]
		switch g.pick(5) {
		case 0:
			return indent + `args: ["` + q + `", "--x"]` + nl
		case 1:
			return indent + `env: "` + q + `"` + nl
		case 2:
			return indent + "# " + strings.NewReplacer("\r", "", "\u2028", "", "\u2029", "", "\u0085", "").Replace(q) + nl
		case 3:
			return indent + "labels: {a: 'it''s', b: \"" + q + "\"}" + nl
		}
		return ""
	}
	if g.pick(2) == 0 {
		b.WriteString("x-base: &base" + nl + "  image: nginx:1.27" + nl + filler("  "))
		b.WriteString("services:" + nl)
		for s := range g.pick(4) + 1 {
			b.WriteString("  s" + strconv.Itoa(s) + ":" + nl)
			b.WriteString(filler("    "))
			switch g.pick(4) {
			case 0:
				b.WriteString("    <<: *base" + nl)
			case 1:
				b.WriteString("    <<: *base" + nl + "    image: " + image("    ") + nl) // overrides the base
			default:
				b.WriteString("    image: " + image("    ") + nl)
			}
			b.WriteString(filler("    "))
		}
		return []byte(b.String())
	}
	for d := range g.pick(3) + 1 {
		if d > 0 {
			b.WriteString("---" + nl)
			anchors = 0
		}
		b.WriteString("kind: Pod" + nl + "spec:" + nl + "  containers:" + nl)
		for range g.pick(3) + 1 {
			if g.pick(3) == 0 {
				// Flow style: a comment would swallow the rest of the line.
				v := image("")
				if i := strings.Index(v, " #"); i >= 0 {
					v = v[:i]
				}
				b.WriteString(`  - {name: c, args: ["` + tricky[g.pick(len(tricky))] + `"], image: ` + v + "}" + nl)
				continue
			}
			b.WriteString("  - name: c" + nl + filler("    ") + "    image: " + image("    ") + nl + filler("    "))
		}
	}
	return []byte(b.String())
}

// checkRoundTrip pins every image of data and checks the property the
// package promises: the result reads the pinned values, and removing the
// digests gives the original bytes back.
func checkRoundTrip(t *testing.T, data []byte) {
	imgs, err := Find(data)
	require.NoError(t, err, "%q", data)
	out, changes, err := Edit(data, imgs, pinAll)
	require.NoError(t, err, "%q", data)
	if len(imgs) > 0 {
		assert.NotEmpty(t, changes)
	}
	assert.Equal(t, string(data), strings.ReplaceAll(string(out), pin, ""), "only the image values change")
	again, err := Find(out)
	require.NoError(t, err)
	require.Len(t, again, len(imgs))
	for i := range imgs {
		assert.Equal(t, imgs[i].Value+pin, again[i].Value, "%s", imgs[i].Path)
		assert.Equal(t, imgs[i].Path, again[i].Path)
	}
}

func TestRoundTripGenerated(t *testing.T) {
	for seed := range 300 {
		b := []byte(strconv.Itoa(seed * 7919))
		b = append(b, byte(seed), byte(seed>>3), byte(seed*31), byte(seed*17), byte(seed*13), byte(seed*11), byte(seed*5))
		data := (&gen{b: bytes.Repeat(b, 6)}).document()
		checkRoundTrip(t, data)
	}
}

// FuzzRewrite checks, on random documents full of the values that used to
// mislead the byte offsets, that a rewrite changes the image values and
// not one other byte.
func FuzzRewrite(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte("\x03\x05\x07\x0b\x0d\x11\x13\x17\x1d\x1f\x25"))
	f.Fuzz(func(t *testing.T, choices []byte) {
		if len(choices) > 256 {
			return
		}
		checkRoundTrip(t, (&gen{b: choices}).document())
	})
}

// FuzzFind feeds arbitrary bytes to Find and Edit: no panic, and a rewrite
// that is returned always reads back as asked.
func FuzzFind(f *testing.F) {
	for _, s := range []string{k8s, compose, "x: &b {image: a}\nservices: {a: {<<: *b}}\n", "services:\n  a:\n    image: !!str \"a\u2028\"\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		imgs, err := Find(data)
		if err != nil {
			return
		}
		out, _, err := Edit(data, imgs, pinAll)
		if err != nil {
			return
		}
		again, err := Find(out)
		require.NoError(t, err)
		require.Len(t, again, len(imgs))
		for i := range imgs {
			want := imgs[i].Value
			if imgs[i].Editable() == nil && imgs[i].key != "" {
				want += pin
			}
			if imgs[i].Editable() != nil {
				continue // unchanged unless it shares an edited anchor
			}
			assert.Equal(t, want, again[i].Value)
		}
	})
}

// FuzzDockerfile feeds arbitrary bytes to FindDockerfile and Edit.
func FuzzDockerfile(f *testing.F) {
	f.Add([]byte(dockerfile))
	f.Add([]byte("# escape=`\nFROM a `\n AS b\nFROM b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		imgs, err := FindDockerfile(data)
		if err != nil {
			return
		}
		out, _, err := Edit(data, imgs, pinAll)
		if err != nil {
			return
		}
		assert.Equal(t, string(data), strings.ReplaceAll(string(out), pin, ""))
	})
}

// The benchmarks compare finding and verified rewriting with the peer
// every YAML tool pays anyway: one decode of the file into nodes.
func benchDoc() []byte {
	return (&gen{b: bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 20)}).document()
}

func BenchmarkDecodeOnly(b *testing.B) {
	data := benchDoc()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeYAML(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	data := benchDoc()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Find(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindAndVerifiedEdit(b *testing.B) {
	data := benchDoc()
	b.ReportAllocs()
	for b.Loop() {
		imgs, err := Find(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := Edit(data, imgs, pinAll); err != nil {
			b.Fatal(err)
		}
	}
}
