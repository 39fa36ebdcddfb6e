package controllerrevision

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the ControllerRevision strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the ControllerRevision strategy.
func NewStrategy() Strategy {
	return Strategy{}
}

// Validate checks a new revision: it must carry a JSON object.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	r := obj.(*appsv1.ControllerRevision)
	allErrs := validateRevision(r)
	return append(allErrs, validateData(r.Data.Raw, field.NewPath("data"))...)
}

func validateData(raw []byte, fldPath *field.Path) field.ErrorList {
	if raw == nil {
		return field.ErrorList{field.Required(fldPath, "data is mandatory")}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return field.ErrorList{field.Invalid(fldPath, "<value omitted>", fmt.Sprintf("error parsing data: %v", err.Error()))}
	}
	if v == nil {
		return field.ErrorList{field.Required(fldPath, "data is mandatory")}
	}
	if _, isObject := v.(map[string]any); !isObject {
		return field.ErrorList{field.Required(fldPath, "data must be a valid JSON object")}
	}
	return nil
}

// ValidateUpdate rejects any change of data.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	r := obj.(*appsv1.ControllerRevision)
	o := old.(*appsv1.ControllerRevision)
	allErrs := registry.ValidateObjectMetaUpdate(r, o)
	allErrs = append(allErrs, validateRevision(r)...)
	return append(allErrs, apivalidation.ValidateImmutableField(r.Data, o.Data, field.NewPath("data"))...)
}

func validateRevision(r *appsv1.ControllerRevision) field.ErrorList {
	allErrs := registry.ValidateObjectMeta(r, true, registry.NameIsDNSSubdomain)
	return append(allErrs, apivalidation.ValidateNonnegativeField(r.Revision, field.NewPath("revision"))...)
}
