package metadataaction

import (
	"strconv"
	"strings"
)

// readRecords reads s as CSV the way the GitHub Actions toolkit reads list
// inputs: fields separated by ',', records by "\n", "\r\n" or "\r";
// a field that starts with '"' is quoted and "" inside it is one '"';
// quotes inside an unquoted field are kept (relaxed quotes); a record
// whose first character is '#' is a comment; empty lines are skipped;
// records may have any number of fields. A quote that is never closed is
// an error naming the line.
func readRecords(s string) ([][]string, error) {
	var (
		records    [][]string
		record     []string
		field      strings.Builder
		quoting    bool
		wasQuoting bool
		commenting bool
		line       = 1
		startLine  = 1
	)
	endField := func() {
		record = append(record, field.String())
		field.Reset()
		wasQuoting = false
	}
	endRecord := func() {
		if commenting {
			commenting = false
			record = nil
			field.Reset()
			wasQuoting = false
			return
		}
		if len(record) == 0 && field.Len() == 0 && !wasQuoting {
			return // an empty line
		}
		endField()
		records = append(records, record)
		record = nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if commenting {
			if c == '\n' || c == '\r' {
				if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
				endRecord()
				line++
			}
			continue
		}
		if quoting {
			if c == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					field.WriteByte('"')
					i++
					continue
				}
				quoting = false
				wasQuoting = true
				if i+1 < len(s) && !isFieldEnd(s[i+1]) {
					// A closing quote followed by more text: the
					// relaxed reader keeps both quotes as text.
					rest := field.String()
					field.Reset()
					field.WriteByte('"')
					field.WriteString(rest)
					field.WriteByte('"')
				}
				continue
			}
			if c == '\n' {
				line++
			}
			field.WriteByte(c)
			continue
		}
		switch {
		case c == '"' && field.Len() == 0 && !wasQuoting:
			quoting = true
			startLine = line
		case c == '#' && len(record) == 0 && field.Len() == 0 && !wasQuoting:
			commenting = true
		case c == ',':
			endField()
		case c == '\n' || c == '\r':
			if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			endRecord()
			line++
		default:
			field.WriteByte(c)
		}
	}
	if quoting {
		return nil, syntaxErr("list", s, "the quote opened on line "+strconv.Itoa(startLine)+" is never closed; close it with '\"' (write \"\" for a quote inside a quoted field)")
	}
	endRecord()
	return records, nil
}

func isFieldEnd(c byte) bool { return c == ',' || c == '\n' || c == '\r' }

// ParseList splits a list input the way the GitHub Actions toolkit does
// for metadata-action's labels and annotations: the value is trimmed,
// each line is a CSV record (relaxed quotes: a quote inside an unquoted
// field is text), a record of several fields is joined back with ','
// (the quotes of quoted fields removed), lines starting with '#' are
// comments, and empty items are dropped. Each item is trimmed.
func ParseList(s string) ([]string, error) {
	return parseList(s, false)
}

// ParseAttrList splits a list input whose items are read again as
// attribute lists (tags, flavor, images). It is ParseList, except that a
// field of a several-field record that holds a ',' or '"' keeps its
// quotes, so `type=match,"pattern=^v\d{1,2}"` arrives as written. (The
// toolkit drops those quotes, which splits such a pattern at its comma
// when the tag line is read.)
func ParseAttrList(s string) ([]string, error) {
	return parseList(s, true)
}

func parseList(s string, requote bool) ([]string, error) {
	s = trimJS(s)
	if s == "" {
		return nil, nil
	}
	recs, err := readRecords(s)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		if requote && len(r) > 1 {
			for i, f := range r {
				if strings.ContainsAny(f, ",\"") {
					r[i] = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
				}
			}
		}
		item := trimJS(strings.Join(r, ","))
		if item != "" {
			out = append(out, item)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// trimJS trims what JavaScript's String.prototype.trim trims: Unicode
// white space, line terminators and the byte order mark.
func trimJS(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		switch r {
		case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
			return true
		}
		return r >= 0x2000 && r <= 0x200A
	})
}

// fields returns the fields of the first CSV record of one list item.
func fields(input, item string) ([]string, error) {
	recs, err := readRecords(item)
	if err != nil {
		return nil, &Error{Input: input, Line: item, Reason: "has a quote that is never closed", Err: ErrSyntax}
	}
	if len(recs) == 0 {
		return nil, syntaxErr(input, item, "is empty")
	}
	return recs[0], nil
}
