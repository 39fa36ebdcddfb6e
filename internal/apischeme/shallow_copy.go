package apischeme

import (
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// ShallowCopy copies only the top-level struct of a typed object: its
// TypeMeta and ObjectMeta (or ListMeta) are its own, everything reached
// through maps, slices and pointers is shared with obj. It is the cheap
// way to set apiVersion/kind or resourceVersion on a shared object before
// encoding it, where a DeepCopy would copy a whole pod for two strings.
// ok is false for objects it cannot copy this way (unstructured ones keep
// everything in one map).
func ShallowCopy(obj runtime.Object) (out runtime.Object, ok bool) {
	switch obj.(type) {
	case *unstructured.Unstructured, *unstructured.UnstructuredList:
		return nil, false
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	out, ok = cp.Interface().(runtime.Object)
	return out, ok
}
