package policy

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// locate walks a JSON document that decodes into a value of type t and
// returns the path of the first place that is wrong: a key that names no
// field exactly (encoding/json would match it case-insensitively, or not
// at all), or a value its field refuses. The path starts with "." or "["
// and is "" when nothing is found.
func locate(data []byte, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return ""
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, ok := jsonField(t, k)
			if !ok {
				return "." + pathKey(k)
			}
			if decodeStrict(obj[k], reflect.New(f.Type).Interface()) != nil {
				return "." + pathKey(k) + locate(obj[k], f.Type)
			}
		}
	case reflect.Slice, reflect.Array:
		var arr []json.RawMessage
		if json.Unmarshal(data, &arr) != nil {
			return ""
		}
		for i, el := range arr {
			if decodeStrict(el, reflect.New(t.Elem()).Interface()) != nil {
				return "[" + strconv.Itoa(i) + "]" + locate(el, t.Elem())
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return ""
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if decodeStrict(obj[k], reflect.New(t.Elem()).Interface()) != nil {
				return "." + pathKey(k) + locate(obj[k], t.Elem())
			}
		}
	}
	return ""
}

// pathKey writes a key for a path: as it is when it is a plain name,
// quoted when it is empty or holds characters a path uses.
func pathKey(k string) string {
	if k == "" || strings.ContainsAny(k, ".[]\" \t\n") {
		return strconv.Quote(k)
	}
	return k
}

// jsonField finds the field of struct type t whose JSON name is exactly
// name.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// plainJSONError rewrites a type mismatch from encoding/json in terms of
// the document ("got a string, want a number"), without Go type names.
func plainJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Type == nil {
		return err
	}
	return errors.New("got " + jsonWord(te.Value) + ", want " + jsonKind(te.Type))
}

func jsonWord(value string) string {
	switch value {
	case "object", "array", "string", "number", "bool":
		if value == "bool" {
			return "true or false"
		}
		if value == "array" || value == "object" {
			return "an " + value
		}
		return "a " + value
	}
	return value
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}
