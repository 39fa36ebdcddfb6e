package event

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy handles events written through events.k8s.io/v1. It receives
// core/v1 Events, the stored form.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the events.k8s.io Event strategy.
func NewStrategy() Strategy {
	return Strategy{}
}

// Validate applies the events.k8s.io/v1 creation rules.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateCreate(obj.(*corev1.Event))
}

// ValidateUpdate only lets the series and metadata change.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateUpdate(obj.(*corev1.Event), old.(*corev1.Event))
}

// AllowCreateOnUpdate is true: recorders PUT events without knowing whether
// they exist yet.
func (Strategy) AllowCreateOnUpdate() bool { return true }

// Attrs returns the selectable fields under both their core/v1 names
// (involvedObject.*, source, reportingComponent) and their events.k8s.io
// names (regarding.*, reportingController).
func (Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	e := obj.(*corev1.Event)
	set := registry.ObjectMetaFields(e, true)
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	ref := e.InvolvedObject
	for _, prefix := range []string{"involvedObject.", "regarding."} {
		set[prefix+"kind"] = ref.Kind
		set[prefix+"namespace"] = ref.Namespace
		set[prefix+"name"] = ref.Name
		set[prefix+"uid"] = string(ref.UID)
		set[prefix+"apiVersion"] = ref.APIVersion
		set[prefix+"resourceVersion"] = ref.ResourceVersion
		set[prefix+"fieldPath"] = ref.FieldPath
	}
	set["reason"] = e.Reason
	set["reportingComponent"] = e.ReportingController
	set["reportingController"] = e.ReportingController
	set["source"] = source
	set["type"] = e.Type
	return labels.Set(e.Labels), set, nil
}
