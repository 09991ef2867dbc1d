package flows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// checkJSON checks data against the Go type t before encoding/json
// decodes it, which would accept what a saved flow must not hold: keys in
// another case ("Format"), repeated keys (the last would win), keys t has
// not, and values of the wrong kind (reported with Go's type names). Each
// error names the field's path: `layers[0].hidden: want an array, got a
// string`. A json.RawMessage field (Meta) takes any JSON value.
func checkJSON(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := checkValue(dec, t, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the flow's JSON object")
	}
	return nil
}

// checkValue reads one JSON value from dec and checks it against t.
func checkValue(dec *json.Decoder, t reflect.Type, path string) error {
	if t == rawMessageType {
		var skip json.RawMessage
		return dec.Decode(&skip)
	}
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Struct {
		// An array of scalars (data, shapes): decoded at once, which
		// checks the kinds far faster than a token at a time.
		v := reflect.New(t)
		if err := dec.Decode(v.Interface()); err != nil {
			return fmt.Errorf("%s: want an array of %ss", pathName(path), scalarName(t.Elem()))
		}
		return nil
	}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%s: %v", pathName(path), err)
	}
	if t.Kind() == reflect.Pointer {
		if tok == nil {
			return nil
		}
		t = t.Elem()
	}
	got := tokenKind(tok)
	want := ""
	switch t.Kind() {
	case reflect.Struct:
		if got != "an object" {
			want = "an object"
			break
		}
		return checkObject(dec, t, path)
	case reflect.Slice:
		if tok == nil { // an omitted or null list: empty
			return nil
		}
		if got != "an array" {
			want = "an array"
			break
		}
		for i := 0; dec.More(); i++ {
			if err := checkValue(dec, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ]
		return err
	case reflect.String:
		want = "a string"
	case reflect.Bool:
		want = "true or false"
	case reflect.Int:
		n, ok := tok.(json.Number)
		if _, err := n.Int64(); ok && err == nil {
			return nil
		}
		want = "a whole number"
	case reflect.Float64:
		want = "a number"
	}
	if want != got && !(want == "true or false" && got == "a bool") {
		return fmt.Errorf("%s: want %s, got %s", pathName(path), want, got)
	}
	return nil
}

// checkObject checks the members of an object (its '{' read) against the
// struct type t: each key one of t's JSON names, spelled exactly, once.
func checkObject(dec *json.Decoder, t reflect.Type, path string) error {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %v", pathName(path), err)
		}
		key := tok.(string) // object keys are strings
		ft, ok := fields[key]
		if !ok {
			return fmt.Errorf("%s: unknown field %q", pathName(path), key)
		}
		if seen[key] {
			return fmt.Errorf("%s: field %q given twice", pathName(path), key)
		}
		seen[key] = true
		sub := key
		if path != "" {
			sub = path + "." + key
		}
		if err := checkValue(dec, ft, sub); err != nil {
			return err
		}
	}
	_, err := dec.Token() // }
	return err
}

func scalarName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "whole number"
	case reflect.String:
		return "string"
	}
	return "number"
}

func tokenKind(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a bool"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

func pathName(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}
