package metadataaction

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date formats use moment.js's tokens (English locale), which is what
// metadata-action's {{date}} and {{commit_date}} take: YYYY, MM, DD, HH,
// mm, ss, SSS, [literal] and the rest of moment's table.

// momentLocalTokens are the locale formats, expanded before the others.
var momentLocalTokens = regexp.MustCompile(`(\[[^\[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})`)

// momentTokens matches one token, a [literal], an escaped character or
// any other character, leftmost alternative first.
var momentTokens = regexp.MustCompile(`(\[[^\[]*\])|(\\)?([Hh]mm(ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(ggg?)?|GG(GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)`)

var localeFormats = map[string]string{
	"LTS":  "h:mm:ss A",
	"LT":   "h:mm A",
	"L":    "MM/DD/YYYY",
	"LL":   "MMMM D, YYYY",
	"LLL":  "MMMM D, YYYY h:mm A",
	"LLLL": "dddd, MMMM D, YYYY h:mm A",
	"l":    "M/D/YYYY",
	"ll":   "MMM D, YYYY",
	"lll":  "MMM D, YYYY h:mm A",
	"llll": "ddd, MMM D, YYYY h:mm A",
}

// formatMoment formats t with a moment.js format. Without a format (ok
// false) it gives moment's default: ISO 8601 to the second, "Z" for a
// zero offset.
func formatMoment(t time.Time, format string, ok bool) string {
	if !ok || format == "" {
		if _, off := t.Zone(); off == 0 {
			format = "YYYY-MM-DDTHH:mm:ss[Z]"
		} else {
			format = "YYYY-MM-DDTHH:mm:ssZ"
		}
	}
	// Locale tokens may expand to others; moment expands up to five times.
	for range 5 {
		next := momentLocalTokens.ReplaceAllStringFunc(format, func(m string) string {
			if f, ok := localeFormats[m]; ok {
				return f
			}
			return m
		})
		if next == format {
			break
		}
		format = next
	}
	var b strings.Builder
	for _, m := range momentTokens.FindAllStringSubmatch(format, -1) {
		switch {
		case m[1] != "":
			b.WriteString(m[1][1 : len(m[1])-1])
		case m[2] != "":
			b.WriteString(m[3])
		default:
			b.WriteString(momentToken(t, m[3]))
		}
	}
	return b.String()
}

func zeroFill(n int64, width int, forceSign bool) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	for len(s) < width {
		s = "0" + s
	}
	switch {
	case neg:
		return "-" + s
	case forceSign:
		return "+" + s
	}
	return s
}

func ordinal(n int) string {
	s := strconv.Itoa(n)
	if (n%100)/10 == 1 {
		return s + "th"
	}
	switch n % 10 {
	case 1:
		return s + "st"
	case 2:
		return s + "nd"
	case 3:
		return s + "rd"
	}
	return s + "th"
}

// weekOf returns the week and week-year of t for weeks starting on dow
// (0 Sunday) where week 1 holds January 7+dow-doy, as moment computes
// them: English locale (dow 0, doy 6) or ISO (dow 1, doy 4).
func weekOf(t time.Time, dow, doy int) (week, year int) {
	y := t.Year()
	off := firstWeekOffset(y, dow, doy)
	d := t.YearDay() - off - 1
	w := d/7 + 1
	if d < 0 && d%7 != 0 {
		w = d / 7 // floor, not truncation, below zero
	}
	switch {
	case w < 1:
		return w + weeksInYear(y-1, dow, doy), y - 1
	case w > weeksInYear(y, dow, doy):
		return w - weeksInYear(y, dow, doy), y + 1
	}
	return w, y
}

func firstWeekOffset(year, dow, doy int) int {
	fwd := 7 + dow - doy
	wd := int(time.Date(year, time.January, fwd, 0, 0, 0, 0, time.UTC).Weekday())
	fwdlw := (7 + wd - dow) % 7
	return -fwdlw + fwd - 1
}

func weeksInYear(year, dow, doy int) int {
	days := 365
	if time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC).YearDay() == 366 {
		days = 366
	}
	return (days - firstWeekOffset(year, dow, doy) + firstWeekOffset(year+1, dow, doy)) / 7
}

func momentToken(t time.Time, tok string) string {
	itoa := strconv.Itoa
	pad := func(n, w int) string { return zeroFill(int64(n), w, false) }
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	switch tok {
	case "M":
		return itoa(int(t.Month()))
	case "Mo":
		return ordinal(int(t.Month()))
	case "MM":
		return pad(int(t.Month()), 2)
	case "MMM":
		return t.Month().String()[:3]
	case "MMMM":
		return t.Month().String()
	case "Q":
		return itoa((int(t.Month())-1)/3 + 1)
	case "Qo":
		return ordinal((int(t.Month())-1)/3 + 1)
	case "D":
		return itoa(t.Day())
	case "Do":
		return ordinal(t.Day())
	case "DD":
		return pad(t.Day(), 2)
	case "DDD":
		return itoa(t.YearDay())
	case "DDDo":
		return ordinal(t.YearDay())
	case "DDDD":
		return pad(t.YearDay(), 3)
	case "d", "e":
		return itoa(int(t.Weekday()))
	case "do":
		return ordinal(int(t.Weekday()))
	case "dd":
		return t.Weekday().String()[:2]
	case "ddd":
		return t.Weekday().String()[:3]
	case "dddd":
		return t.Weekday().String()
	case "E":
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return itoa(wd)
	case "w", "wo", "ww", "w|":
		w, _ := weekOf(t, 0, 6)
		switch tok {
		case "wo":
			return ordinal(w)
		case "ww":
			return pad(w, 2)
		case "w|":
			return itoa(w) + "|"
		}
		return itoa(w)
	case "W", "Wo", "WW", "W|":
		w, _ := weekOf(t, 1, 4)
		switch tok {
		case "Wo":
			return ordinal(w)
		case "WW":
			return pad(w, 2)
		case "W|":
			return itoa(w) + "|"
		}
		return itoa(w)
	case "gg", "gggg", "ggggg":
		_, y := weekOf(t, 0, 6)
		return yearToken(y, len(tok))
	case "GG", "GGGG", "GGGGG":
		_, y := weekOf(t, 1, 4)
		return yearToken(y, len(tok))
	case "YY":
		return pad(t.Year()%100, 2)
	case "YYYY":
		return zeroFill(int64(t.Year()), 4, false)
	case "YYYYY":
		return zeroFill(int64(t.Year()), 5, false)
	case "YYYYYY":
		return zeroFill(int64(t.Year()), 6, true)
	case "Y":
		if t.Year() <= 9999 {
			return zeroFill(int64(t.Year()), 4, false)
		}
		return "+" + itoa(t.Year())
	case "y", "yy", "yyy", "yyyy":
		y := t.Year()
		if y <= 0 {
			y = 1 - y
		}
		if tok == "y" {
			return itoa(y)
		}
		return pad(y, len(tok))
	case "yo":
		y := t.Year()
		if y <= 0 {
			y = 1 - y
		}
		return ordinal(y)
	case "N", "NN", "NNN":
		if t.Year() <= 0 {
			return "BC"
		}
		return "AD"
	case "NNNN":
		if t.Year() <= 0 {
			return "Before Christ"
		}
		return "Anno Domini"
	case "NNNNN":
		if t.Year() <= 0 {
			return "BC"
		}
		return "AD"
	case "a":
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case "A":
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case "H":
		return itoa(t.Hour())
	case "HH":
		return pad(t.Hour(), 2)
	case "h":
		return itoa(h12)
	case "hh":
		return pad(h12, 2)
	case "k":
		return itoa(hour24(t))
	case "kk":
		return pad(hour24(t), 2)
	case "Hmm":
		return itoa(t.Hour()) + pad(t.Minute(), 2)
	case "Hmmss":
		return itoa(t.Hour()) + pad(t.Minute(), 2) + pad(t.Second(), 2)
	case "hmm":
		return itoa(h12) + pad(t.Minute(), 2)
	case "hmmss":
		return itoa(h12) + pad(t.Minute(), 2) + pad(t.Second(), 2)
	case "m":
		return itoa(t.Minute())
	case "mm":
		return pad(t.Minute(), 2)
	case "s":
		return itoa(t.Second())
	case "ss":
		return pad(t.Second(), 2)
	case "x":
		return strconv.FormatInt(t.UnixMilli(), 10)
	case "X":
		return strconv.FormatInt(t.Unix(), 10)
	case "z", "zz":
		name, _ := t.Zone()
		return name
	case "Z", "ZZ":
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		sep := ":"
		if tok == "ZZ" {
			sep = ""
		}
		return sign + pad(off/3600, 2) + sep + pad(off%3600/60, 2)
	}
	if strings.Trim(tok, "S") == "" && tok != "" {
		// Fractions of a second: moment keeps milliseconds, so digits
		// past the third are zeros.
		ms := pad(t.Nanosecond()/int(time.Millisecond), 3)
		if len(tok) <= 3 {
			return ms[:len(tok)]
		}
		return ms + strings.Repeat("0", len(tok)-3)
	}
	return tok
}

func hour24(t time.Time) int {
	if t.Hour() == 0 {
		return 24
	}
	return t.Hour()
}

func yearToken(y, n int) string {
	if n == 2 {
		return zeroFill(int64(y%100), 2, false)
	}
	return zeroFill(int64(y), n, false)
}
