package apischeme

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Partial returns the metadata of obj as a PartialObjectMetadata of gv
// (meta.k8s.io/v1 or v1beta1), as the API serves it to metadata clients.
// It shares obj's maps and slices.
func Partial(obj runtime.Object, gv schema.GroupVersion) (*metav1.PartialObjectMetadata, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("metadata of %T: %w", obj, err)
	}
	p := meta.AsPartialObjectMetadata(m)
	p.SetGroupVersionKind(gv.WithKind("PartialObjectMetadata"))
	return p, nil
}

// PartialList returns the metadata of a list's items as a
// PartialObjectMetadataList of gv, with the list's resourceVersion,
// continue token and remaining count.
func PartialList(list runtime.Object, gv schema.GroupVersion) (*metav1.PartialObjectMetadataList, error) {
	out := &metav1.PartialObjectMetadataList{Items: make([]metav1.PartialObjectMetadata, 0, meta.LenList(list))}
	err := meta.EachListItem(list, func(obj runtime.Object) error {
		p, err := Partial(obj, gv)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, *p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := CopyListMeta(out, list); err != nil {
		return nil, err
	}
	out.SetGroupVersionKind(gv.WithKind("PartialObjectMetadataList"))
	return out, nil
}

// CopyListMeta copies src's resourceVersion, continue token and remaining
// item count to dst.
func CopyListMeta(dst, src runtime.Object) error {
	from, err := meta.ListAccessor(src)
	if err != nil {
		return fmt.Errorf("list metadata of %T: %w", src, err)
	}
	to, err := meta.ListAccessor(dst)
	if err != nil {
		return fmt.Errorf("list metadata of %T: %w", dst, err)
	}
	to.SetResourceVersion(from.GetResourceVersion())
	to.SetContinue(from.GetContinue())
	to.SetRemainingItemCount(from.GetRemainingItemCount())
	return nil
}
