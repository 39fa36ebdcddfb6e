package registry

import (
	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// NameFunc validates a metadata.name (or a generateName prefix).
type NameFunc = apivalidation.ValidateNameFunc

// The name rules kinds choose from, as upstream.
var (
	NameIsDNSSubdomain NameFunc = apivalidation.NameIsDNSSubdomain
	NameIsDNSLabel     NameFunc = apivalidation.NameIsDNSLabel
	NameIsDNS1035Label NameFunc = apivalidation.NameIsDNS1035Label
)

// ValidateObjectMeta checks name, generateName, namespace presence, labels,
// annotations, finalizers and owner references of obj's metadata.
func ValidateObjectMeta(obj runtime.Object, namespaced bool, nameFn NameFunc) field.ErrorList {
	m, err := meta.Accessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("metadata"), err)}
	}
	return apivalidation.ValidateObjectMetaAccessor(m, namespaced, nameFn, field.NewPath("metadata"))
}

// ValidateObjectMetaUpdate checks that immutable metadata (name, namespace,
// uid, creationTimestamp, ...) did not change.
func ValidateObjectMetaUpdate(obj, old runtime.Object) field.ErrorList {
	m, err := meta.Accessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("metadata"), err)}
	}
	om, err := meta.Accessor(old)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("metadata"), err)}
	}
	return apivalidation.ValidateObjectMetaAccessorUpdate(m, om, field.NewPath("metadata"))
}
