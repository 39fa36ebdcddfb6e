package event

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
)

// Length limits of new-style (events.k8s.io) event fields.
const (
	reportingInstanceLengthLimit = 128
	actionLengthLimit            = 128
	reasonLengthLimit            = 128
	noteLengthLimit              = 1024
)

// Strategy is the events strategy. EventsAPI is set for the
// events.k8s.io/v1 endpoint, whose events must carry the new-style fields
// (eventTime, reportingController, action, ...); core/v1 accepts legacy
// events as they are.
type Strategy struct {
	registry.BaseStrategy
	EventsAPI bool
}

// NewStrategy returns the core/v1 events strategy.
func NewStrategy() Strategy { return Strategy{} }

// NewEventsAPIStrategy returns the strategy for events.k8s.io/v1 events
// (stored as core/v1 Events).
func NewEventsAPIStrategy() Strategy { return Strategy{EventsAPI: true} }

var _ registry.Strategy = Strategy{}

// Validate checks an event.
func (s Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return s.validate(obj.(*corev1.Event))
}

// ValidateUpdate checks an event update.
func (s Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return append(registry.ValidateObjectMetaUpdate(obj, old), s.validate(obj.(*corev1.Event))...)
}

func (s Strategy) validate(e *corev1.Event) field.ErrorList {
	allErrs := registry.ValidateObjectMeta(e, true, registry.NameIsDNSSubdomain)
	nsPath := field.NewPath("involvedObject", "namespace")
	reportingField := "reportingComponent"
	if s.EventsAPI {
		reportingField = "reportingController"
	}
	if e.EventTime.IsZero() && !s.EventsAPI {
		allErrs = append(allErrs, ValidateLegacyNamespace(e)...)
	} else {
		if e.EventTime.IsZero() {
			allErrs = append(allErrs, field.Required(field.NewPath("eventTime"), ""))
		}
		if e.InvolvedObject.Namespace == "" && e.Namespace != metav1.NamespaceDefault && e.Namespace != metav1.NamespaceSystem {
			allErrs = append(allErrs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
		if e.InvolvedObject.Namespace != "" && e.Namespace != e.InvolvedObject.Namespace {
			allErrs = append(allErrs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
		if e.ReportingController == "" {
			allErrs = append(allErrs, field.Required(field.NewPath(reportingField), ""))
		}
		for _, msg := range validation.IsQualifiedName(e.ReportingController) {
			allErrs = append(allErrs, field.Invalid(field.NewPath(reportingField), e.ReportingController, msg))
		}
		allErrs = append(allErrs, requireWithin(e.ReportingInstance, "reportingInstance", reportingInstanceLengthLimit, true)...)
		allErrs = append(allErrs, requireWithin(e.Action, "action", actionLengthLimit, true)...)
		allErrs = append(allErrs, requireWithin(e.Reason, "reason", reasonLengthLimit, true)...)
		allErrs = append(allErrs, requireWithin(e.Message, "message", noteLengthLimit, false)...)
	}
	for _, msg := range validation.IsDNS1123Subdomain(e.Namespace) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("namespace"), e.Namespace, msg))
	}
	return allErrs
}

// ValidateLegacyNamespace checks that an old-style event (no eventTime)
// lives in its involved object's namespace; events of cluster-scoped
// objects may live in "" or "default".
func ValidateLegacyNamespace(e *corev1.Event) field.ErrorList {
	nsPath := field.NewPath("involvedObject", "namespace")
	if e.InvolvedObject.Namespace == "" {
		if e.Namespace != metav1.NamespaceNone && e.Namespace != metav1.NamespaceDefault {
			return field.ErrorList{field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace")}
		}
		return nil
	}
	if e.Namespace != e.InvolvedObject.Namespace {
		return field.ErrorList{field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace")}
	}
	return nil
}

func requireWithin(v, name string, limit int, required bool) field.ErrorList {
	p := field.NewPath(name)
	if required && v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if len(v) > limit {
		return field.ErrorList{field.Invalid(p, "", fmt.Sprintf("can have at most %v characters", limit))}
	}
	return nil
}

// Attrs returns the fields events can be selected by (kubectl get events
// --field-selector involvedObject.name=web-0,type=Warning).
func (Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	e := obj.(*corev1.Event)
	set := registry.ObjectMetaFields(e, true)
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	set["involvedObject.kind"] = e.InvolvedObject.Kind
	set["involvedObject.namespace"] = e.InvolvedObject.Namespace
	set["involvedObject.name"] = e.InvolvedObject.Name
	set["involvedObject.uid"] = string(e.InvolvedObject.UID)
	set["involvedObject.apiVersion"] = e.InvolvedObject.APIVersion
	set["involvedObject.resourceVersion"] = e.InvolvedObject.ResourceVersion
	set["involvedObject.fieldPath"] = e.InvolvedObject.FieldPath
	set["reason"] = e.Reason
	set["reportingComponent"] = e.ReportingController
	set["source"] = source
	set["type"] = e.Type
	return labels.Set(e.Labels), set, nil
}
