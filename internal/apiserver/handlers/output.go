package handlers

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apischeme"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

var statusGVK = apischeme.Unversioned.WithKind("Status")

// render turns a stored-version object or list (or a Status) into the
// response object: the served version, or the Table/PartialObjectMetadata
// the client negotiated.
func (s *scope) render(stored runtime.Object) (runtime.Object, error) {
	if st, ok := stored.(*metav1.Status); ok {
		st = st.DeepCopy()
		st.SetGroupVersionKind(statusGVK)
		return st, nil
	}
	isList := meta.IsListType(stored)
	target := s.out.Convert
	switch {
	case target == nil:
		if isList {
			return s.ep.servedList(stored)
		}
		return s.ep.servedView(stored)
	case target.Kind == "Table":
		return s.asTable(stored, isList, *target)
	case target.Kind == "PartialObjectMetadata":
		if isList {
			return nil, responsewriters.NewNotAcceptableMessage(fmt.Sprintf(
				"you requested PartialObjectMetadata, but the requested object is a list (%T)", stored))
		}
		return asPartial(stored, target.GroupVersion())
	case target.Kind == "PartialObjectMetadataList":
		if !isList {
			return nil, responsewriters.NewNotAcceptableMessage(fmt.Sprintf(
				"you requested PartialObjectMetadataList, but the requested object is not a list (%T)", stored))
		}
		return asPartialList(stored, target.GroupVersion())
	}
	return nil, responsewriters.NewNotAcceptableMessage(fmt.Sprintf("no conversion to %v is supported", *target))
}

// servedList returns a list in the served version with its apiVersion/kind
// set, items without apiVersion/kind (as upstream lists), and an empty
// (not null) items array when there are none.
func (ep *endpoint) servedList(stored runtime.Object) (runtime.Object, error) {
	items, err := meta.ExtractList(stored)
	if err != nil {
		return nil, err
	}
	list := stored
	if ep.res.FromStorage != nil {
		list, err = apischeme.Scheme.New(ep.listGVK)
		if err != nil {
			return nil, err
		}
		converted := make([]runtime.Object, 0, len(items))
		for _, item := range items {
			c, err := ep.res.FromStorage(item)
			if err != nil {
				return nil, fmt.Errorf("converting %v to %v: %w", ep.storageGVK, ep.gvk, err)
			}
			converted = append(converted, c)
		}
		items = converted
		if err := apischeme.CopyListMeta(list, stored); err != nil {
			return nil, err
		}
	}
	for _, item := range items {
		item.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	if err := meta.SetList(list, items); err != nil {
		return nil, err
	}
	list.GetObjectKind().SetGroupVersionKind(ep.listGVK)
	return list, nil
}

// asPartial returns the metadata of obj as a PartialObjectMetadata of gv.
func asPartial(obj runtime.Object, gv schema.GroupVersion) (runtime.Object, error) {
	if err := checkMetaGroupVersion(gv, "PartialObjectMetadata"); err != nil {
		return nil, err
	}
	return apischeme.Partial(obj, gv)
}

// asPartialList returns the metadata of a list's items as a
// PartialObjectMetadataList of gv.
func asPartialList(list runtime.Object, gv schema.GroupVersion) (runtime.Object, error) {
	if err := checkMetaGroupVersion(gv, "PartialObjectMetadataList"); err != nil {
		return nil, err
	}
	return apischeme.PartialList(list, gv)
}

func checkMetaGroupVersion(gv schema.GroupVersion, kind string) error {
	if gv.Group == metav1.GroupName && (gv.Version == "v1" || gv.Version == "v1beta1") {
		return nil
	}
	return responsewriters.NewNotAcceptableMessage(fmt.Sprintf("no %s exists in group version %s", kind, gv))
}
