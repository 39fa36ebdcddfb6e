package handlers

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	kjson "sigs.k8s.io/json"
)

// maxTypedMergeDepth bounds the recursion of a typed merge; deeper patches
// take the generic path.
const maxTypedMergeDepth = 32

// mergePatchTyped applies an RFC 7386 JSON merge patch to the named
// top-level fields of obj (a struct) on the typed values themselves:
// objects of the patch merge into structs and string-keyed maps field by
// field and key by key, null resets a field or removes a key, and any
// other value (a list, a string, a number, ...) is decoded fresh in place
// of the old one. That is what patching the fields' JSON and decoding the
// result gives, without turning the fields into generic maps, encoding
// them and decoding them again; fields the patch does not name keep their
// values exactly.
//
// It reports false, leaving obj unchanged, when the patch needs the
// generic path to keep its exact result, errors or warnings: a name the
// type does not have, a value the strict decoder rejects or warns about,
// an object merged into a type with its own JSON form, or nesting deeper
// than maxTypedMergeDepth.
func mergePatchTyped(obj reflect.Value, fields map[string]topField, patch map[string]json.RawMessage) bool {
	type assignment struct {
		index int
		value reflect.Value
	}
	patched := make([]assignment, 0, len(patch))
	for key, raw := range patch {
		f := fields[key]
		value, ok := mergeTypedValue(obj.Field(f.index), raw, 0)
		if !ok {
			return false
		}
		patched = append(patched, assignment{f.index, value})
	}
	for _, a := range patched {
		obj.Field(a.index).Set(a.value)
	}
	return true
}

// mergeTypedValue returns orig with the merge patch raw applied, as a new
// value: orig and what it points to are never changed, so a patch that
// turns out to need the generic path leaves nothing behind.
func mergeTypedValue(orig reflect.Value, raw json.RawMessage, depth int) (reflect.Value, bool) {
	if depth > maxTypedMergeDepth {
		return reflect.Value{}, false
	}
	switch firstByte(raw) {
	case 'n':
		return reflect.Zero(orig.Type()), true
	case '{':
		return mergeTypedObject(orig, raw, depth)
	}
	return decodeFresh(orig.Type(), raw)
}

// mergeTypedObject merges the JSON object raw into orig: a struct, a
// pointer to one, or a map with string keys.
func mergeTypedObject(orig reflect.Value, raw json.RawMessage, depth int) (reflect.Value, bool) {
	t := orig.Type()
	switch {
	case t.Kind() == reflect.Struct:
		return mergeTypedStruct(orig, raw, depth)
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		base := reflect.Zero(t.Elem())
		if !orig.IsNil() {
			base = orig.Elem()
		}
		merged, ok := mergeTypedStruct(base, raw, depth)
		if !ok {
			return reflect.Value{}, false
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(merged)
		return p, true
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && !ownJSONForm(t):
		return mergeTypedMap(orig, raw, depth)
	}
	return reflect.Value{}, false
}

func mergeTypedStruct(orig reflect.Value, raw json.RawMessage, depth int) (reflect.Value, bool) {
	layout := structLayoutOf(orig.Type())
	if layout == nil {
		return reflect.Value{}, false
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return reflect.Value{}, false
	}
	merged := reflect.New(orig.Type()).Elem()
	merged.Set(orig)
	for name, value := range members {
		index, ok := layout[name]
		if !ok {
			return reflect.Value{}, false
		}
		field := merged.FieldByIndex(index)
		patched, ok := mergeTypedValue(field, value, depth+1)
		if !ok {
			return reflect.Value{}, false
		}
		field.Set(patched)
	}
	return merged, true
}

func mergeTypedMap(orig reflect.Value, raw json.RawMessage, depth int) (reflect.Value, bool) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return reflect.Value{}, false
	}
	t := orig.Type()
	merged := reflect.MakeMapWithSize(t, orig.Len()+len(members))
	iter := orig.MapRange()
	for iter.Next() {
		merged.SetMapIndex(iter.Key(), iter.Value())
	}
	for name, value := range members {
		key := reflect.ValueOf(name).Convert(t.Key())
		if firstByte(value) == 'n' {
			merged.SetMapIndex(key, reflect.Value{})
			continue
		}
		old := merged.MapIndex(key)
		if !old.IsValid() {
			old = reflect.Zero(t.Elem())
		}
		patched, ok := mergeTypedValue(old, value, depth+1)
		if !ok {
			return reflect.Value{}, false
		}
		merged.SetMapIndex(key, patched)
	}
	return merged, true
}

// decodeFresh decodes raw into a new value of type t with the strict
// decoder requests use; anything it rejects or warns about is left to the
// generic path, which words the error or warning.
func decodeFresh(t reflect.Type, raw json.RawMessage) (reflect.Value, bool) {
	p := reflect.New(t)
	strict, err := kjson.UnmarshalStrict(raw, p.Interface(), kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil || len(strict) > 0 {
		return reflect.Value{}, false
	}
	return p.Elem(), true
}

func firstByte(raw json.RawMessage) byte {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b
	}
	return 0
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
)

// ownJSONForm reports whether t has a JSON form of its own (Time,
// Quantity, IntOrString, RawExtension, ...), which a merge patch treats
// by that form rather than by t's Go fields.
func ownJSONForm(t reflect.Type) bool {
	for _, c := range []reflect.Type{t, reflect.PointerTo(t)} {
		if c.Implements(jsonUnmarshalerType) || c.Implements(jsonMarshalerType) ||
			c.Implements(textUnmarshalerType) || c.Implements(textMarshalerType) {
			return true
		}
	}
	return false
}

// structLayouts caches structLayoutOf per type; a nil layout is cached too.
var structLayouts sync.Map // reflect.Type -> map[string][]int

// structLayoutOf maps the JSON member names of struct type t to the field
// index paths that hold them, with the fields of embedded structs
// promoted as encoding/json promotes them. It is nil when t is not a
// plain struct for a typed merge: it has its own JSON form, a `,string`
// field, an embedded pointer or unexported struct, or two fields with one
// name.
func structLayoutOf(t reflect.Type) map[string][]int {
	if cached, ok := structLayouts.Load(t); ok {
		return cached.(map[string][]int)
	}
	layout := map[string][]int{}
	if ownJSONForm(t) || !addStructLayout(t, nil, layout) {
		layout = nil
	}
	structLayouts.Store(t, layout)
	return layout
}

func addStructLayout(t reflect.Type, prefix []int, layout map[string][]int) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",string,") {
			return false
		}
		index := append(append([]int(nil), prefix...), i)
		if f.Anonymous && name == "" {
			switch {
			case f.Type.Kind() == reflect.Pointer:
				return false
			case !f.IsExported():
				// reflect cannot set fields reached through an
				// unexported embedded struct.
				return false
			case f.Type.Kind() == reflect.Struct:
				if ownJSONForm(f.Type) || !addStructLayout(f.Type, index, layout) {
					return false
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := layout[name]; dup {
			return false
		}
		layout[name] = index
	}
	return true
}
