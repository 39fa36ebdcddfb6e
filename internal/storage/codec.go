package storage

import (
	"bytes"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/nauta/nauta/internal/apischeme"
)

// protoPrefix starts every protobuf-encoded value (the k8s envelope).
var protoPrefix = []byte("k8s\x00")

// codec turns objects into the bytes stored in etcd and back.
type codec struct {
	scheme *runtime.Scheme
	proto  *protobuf.Serializer
	json   *jsonserializer.Serializer
}

func newCodec(scheme *runtime.Scheme) *codec {
	return &codec{
		scheme: scheme,
		proto:  protobuf.NewSerializer(scheme, scheme),
		json:   jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, scheme, scheme, jsonserializer.SerializerOptions{}),
	}
}

// encode returns the stored form of obj: its kind set from the scheme and its
// resourceVersion cleared (etcd's mod revision is the resourceVersion). obj
// itself is not changed.
func (c *codec) encode(obj runtime.Object) ([]byte, error) {
	// Only kind and resourceVersion change below; the object stays the
	// caller's.
	if cp, ok := apischeme.ShallowCopy(obj); ok {
		obj = cp
	} else {
		obj = obj.DeepCopyObject()
	}
	gvks, _, err := c.scheme.ObjectKinds(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	gvk := gvks[0]
	if cur := obj.GetObjectKind().GroupVersionKind(); !cur.Empty() {
		for _, k := range gvks {
			if k == cur {
				gvk = cur
			}
		}
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	if err := setResourceVersion(obj, 0); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = c.proto.Encode(obj, &buf)
	if protobuf.IsNotMarshalable(err) {
		buf.Reset()
		err = c.json.Encode(obj, &buf)
	}
	if err != nil {
		return nil, fmt.Errorf("encode %v: %w", gvk, err)
	}
	return buf.Bytes(), nil
}

// decode makes a new object of the stored kind from data, with
// resourceVersion rev and an empty TypeMeta.
func (c *codec) decode(data []byte, rev int64) (runtime.Object, error) {
	var (
		obj runtime.Object
		err error
	)
	if bytes.HasPrefix(data, protoPrefix) {
		obj, _, err = c.proto.Decode(data, nil, nil)
	} else {
		obj, _, err = c.json.Decode(data, nil, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("decode stored object: %w", err)
	}
	if err := setResourceVersion(obj, rev); err != nil {
		return nil, err
	}
	if _, ok := obj.(runtime.Unstructured); !ok {
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	return obj, nil
}

// adopt makes out hold obj, just written at revision rev, as a read of it
// would return it: resourceVersion rev and (for typed objects) no
// apiVersion/kind. It saves decoding what was just encoded; out shares
// maps, slices and pointers with obj, which the caller no longer changes.
// What the wire carries is the same: the encodings drop exactly what a
// decode would (sub-second time, empty versus nil collections).
func (c *codec) adopt(out, obj runtime.Object, rev int64) error {
	if err := c.copyInto(out, obj); err != nil {
		return err
	}
	if err := setResourceVersion(out, rev); err != nil {
		return err
	}
	if _, ok := out.(runtime.Unstructured); !ok {
		out.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	return nil
}

// copyInto makes out hold obj. Same types are assigned (a shallow copy of a
// fresh object); other types go through the scheme's conversion.
func (c *codec) copyInto(out, obj runtime.Object) error {
	if reflect.TypeOf(out) == reflect.TypeOf(obj) {
		reflect.ValueOf(out).Elem().Set(reflect.ValueOf(obj).Elem())
		return nil
	}
	if err := c.scheme.Convert(obj, out, nil); err != nil {
		return fmt.Errorf("stored %T does not fit %T: %w", obj, out, err)
	}
	if m, err := meta.Accessor(obj); err == nil {
		if o, err := meta.Accessor(out); err == nil {
			o.SetResourceVersion(m.GetResourceVersion())
		}
	}
	return nil
}

// newLike returns a new zero object of the same type as obj.
func newLike(obj runtime.Object) runtime.Object {
	return reflect.New(reflect.TypeOf(obj).Elem()).Interface().(runtime.Object)
}

// zero resets out to its zero value.
func zero(out runtime.Object) {
	v := reflect.ValueOf(out).Elem()
	v.Set(reflect.Zero(v.Type()))
}
