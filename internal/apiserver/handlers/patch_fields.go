package handlers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// topField is a top-level field of an API type as JSON names it.
type topField struct {
	index     int
	omitEmpty bool
}

// topFieldsByType caches topFields per Go type.
var topFieldsByType sync.Map // reflect.Type -> map[string]topField

// topFields returns the named (not inlined) top-level fields of the struct
// t points to, by JSON name: metadata, spec, status, data, ...
func topFields(t reflect.Type) map[string]topField {
	if cached, ok := topFieldsByType.Load(t); ok {
		return cached.(map[string]topField)
	}
	fields := map[string]topField{}
	st := t.Elem()
	for i := range st.NumField() {
		f := st.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		// Embedded structs with a JSON name (ObjectMeta) are fields too.
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		fields[name] = topField{index: i, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")}
	}
	topFieldsByType.Store(t, fields)
	return fields
}

// patchFields applies a JSON merge patch or strategic merge patch to
// those top-level fields of obj it names, and only to them: they alone
// are encoded, patched and decoded again, while the rest of the object is
// left as it is. A status patch of a pod so costs a fraction of patching
// the whole object's JSON, with the same result: both patch types treat
// top-level fields independently, so the other fields would come out of
// the round trip unchanged.
//
// obj must be the caller's own copy; it is changed in place. handled is
// false when the patch does not qualify (not a JSON object, or naming
// apiVersion, kind, a directive or a field the type does not have): the
// whole object must then be patched, which also words any error.
func (s *scope) patchFields(pt types.PatchType, obj runtime.Object, patch []byte, directive string) (patched runtime.Object, warnings []string, handled bool, err error) {
	if pt != types.MergePatchType && pt != types.StrategicMergePatchType {
		return nil, nil, false, nil
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, nil, false, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(patch, &keys); err != nil || keys == nil {
		return nil, nil, false, nil
	}
	fields := topFields(v.Type())
	for key := range keys {
		if _, ok := fields[key]; !ok {
			return nil, nil, false, nil
		}
	}
	elem := v.Elem()
	if pt == types.MergePatchType && mergePatchTyped(elem, fields, keys) {
		return obj, nil, true, nil
	}
	var result []byte
	if pt == types.MergePatchType {
		result, err = mergePatchFields(elem, fields, keys)
	} else {
		result, err = s.strategicPatchFields(elem, fields, keys, patch)
	}
	if err != nil {
		return nil, nil, true, err
	}
	into, err := s.ep.newServed()
	if err != nil {
		return nil, nil, true, err
	}
	info, _ := responsewriters.SerializerFor(runtime.ContentTypeJSON)
	decoded, warnings, err := decodeObject(result, info, directive, s.ep.gvk, into)
	if err != nil {
		return nil, nil, true, err
	}
	from := reflect.ValueOf(decoded).Elem()
	for key := range keys {
		i := fields[key].index
		elem.Field(i).Set(from.Field(i))
	}
	return obj, warnings, true, nil
}

// mergePatchFields applies the RFC 7386 merge patch of each patched
// top-level field to that field of obj (a struct) and returns the patched
// fields as a JSON object. Struct fields become generic values without a
// JSON round trip; numbers of the patch stay as written.
func mergePatchFields(obj reflect.Value, fields map[string]topField, patch map[string]json.RawMessage) ([]byte, error) {
	doc := make(map[string]any, len(patch))
	for key, raw := range patch {
		p, err := decodeJSONValue(raw)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if p == nil {
			continue // null removes the field
		}
		original, err := fieldValue(obj, fields[key])
		if err != nil {
			return nil, err
		}
		doc[key] = mergePatchValue(original, p)
	}
	return json.Marshal(doc)
}

// strategicPatchFields applies a strategic merge patch to the patched
// top-level fields of obj (a struct) and returns them as a JSON object.
func (s *scope) strategicPatchFields(obj reflect.Value, fields map[string]topField, keys map[string]json.RawMessage, patch []byte) ([]byte, error) {
	// The typed fields marshal straight to the JSON the patch applies to.
	original := make(map[string]any, len(keys))
	for key := range keys {
		if value, ok := presentField(obj, fields[key]); ok {
			original[key] = value.Interface()
		}
	}
	originalJSON, err := json.Marshal(original)
	if err != nil {
		return nil, err
	}
	schemaObj, err := s.ep.newServed()
	if err != nil {
		return nil, err
	}
	result, err := strategicpatch.StrategicMergePatch(originalJSON, patch, schemaObj)
	if err != nil {
		return nil, strategicPatchError(err)
	}
	return result, nil
}

// fieldValue is a top-level field of obj as generic JSON values (maps,
// slices, strings, numbers), or nil when JSON would leave it out.
func fieldValue(obj reflect.Value, f topField) (any, error) {
	value, ok := presentField(obj, f)
	if !ok {
		return nil, nil
	}
	if value.Kind() == reflect.Struct {
		return runtime.DefaultUnstructuredConverter.ToUnstructured(value.Addr().Interface())
	}
	raw, err := json.Marshal(value.Interface())
	if err != nil {
		return nil, err
	}
	return decodeJSONValue(raw)
}

// presentField is a top-level field of obj; false when JSON would leave
// it out (omitempty and empty).
func presentField(obj reflect.Value, f topField) (reflect.Value, bool) {
	value := obj.Field(f.index)
	if f.omitEmpty && isEmptyValue(value) {
		return reflect.Value{}, false
	}
	return value, true
}

func decodeJSONValue(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// mergePatchValue is RFC 7386's MergePatch(target, patch): objects merge
// key by key, null removes a key, anything else replaces.
func mergePatchValue(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatchValue(t[k], v)
	}
	return t
}

// isEmptyValue is encoding/json's test for omitting an omitempty field.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
