package event

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	coreevent "github.com/nauta/nauta/internal/registry/core/event"
)

// Length limits upstream enforces on event fields.
const (
	reportingInstanceLengthLimit = 128
	actionLengthLimit            = 128
	reasonLengthLimit            = 128
	noteLengthLimit              = 1024
)

// validateBase holds the checks every event passes whatever API wrote it.
// Field paths use the core/v1 names, as upstream reports them.
func validateBase(e *corev1.Event) field.ErrorList {
	var allErrs field.ErrorList
	nsPath := field.NewPath("involvedObject", "namespace")
	if e.EventTime.IsZero() {
		allErrs = append(allErrs, coreevent.ValidateLegacyNamespace(e)...)
	} else {
		if e.InvolvedObject.Namespace == "" && e.Namespace != metav1.NamespaceDefault && e.Namespace != metav1.NamespaceSystem {
			allErrs = append(allErrs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
		rc := field.NewPath("reportingController")
		if e.ReportingController == "" {
			allErrs = append(allErrs, field.Required(rc, ""))
		}
		for _, msg := range content.IsLabelKey(e.ReportingController) {
			allErrs = append(allErrs, field.Invalid(rc, e.ReportingController, msg))
		}
		allErrs = append(allErrs, requiredLimited(e.ReportingInstance, reportingInstanceLengthLimit, field.NewPath("reportingInstance"))...)
		allErrs = append(allErrs, requiredLimited(e.Action, actionLengthLimit, field.NewPath("action"))...)
		allErrs = append(allErrs, requiredLimited(e.Reason, reasonLengthLimit, field.NewPath("reason"))...)
		if len(e.Message) > noteLengthLimit {
			allErrs = append(allErrs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", noteLengthLimit)))
		}
	}
	for _, msg := range validation.IsDNS1123Subdomain(e.Namespace) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("namespace"), e.Namespace, msg))
	}
	return allErrs
}

func requiredLimited(v string, limit int, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if v == "" {
		allErrs = append(allErrs, field.Required(p, ""))
	}
	if len(v) > limit {
		allErrs = append(allErrs, field.Invalid(p, "", fmt.Sprintf("can have at most %v characters", limit)))
	}
	return allErrs
}

// validateCreate applies the strict events.k8s.io/v1 rules: new-style
// events carry eventTime and leave the deprecated fields unset.
func validateCreate(e *corev1.Event) field.ErrorList {
	allErrs := validateBase(e)
	allErrs = append(allErrs, apivalidation.ValidateObjectMetaAccessor(e, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	allErrs = append(allErrs, validateSeries(e)...)
	if e.EventTime.IsZero() {
		allErrs = append(allErrs, field.Required(field.NewPath("eventTime"), ""))
	}
	if e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning {
		allErrs = append(allErrs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", e.Type)))
	}
	if !e.FirstTimestamp.IsZero() {
		allErrs = append(allErrs, field.Invalid(field.NewPath("firstTimestamp"), "", "needs to be unset"))
	}
	if !e.LastTimestamp.IsZero() {
		allErrs = append(allErrs, field.Invalid(field.NewPath("lastTimestamp"), "", "needs to be unset"))
	}
	if e.Count != 0 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("count"), "", "needs to be unset"))
	}
	if e.Source.Component != "" || e.Source.Host != "" {
		allErrs = append(allErrs, field.Invalid(field.NewPath("source"), "", "needs to be unset"))
	}
	return allErrs
}

// validateUpdate: an event may only gain a series (and metadata changes).
func validateUpdate(e, old *corev1.Event) field.ErrorList {
	allErrs := validateBase(e)
	allErrs = append(allErrs, apivalidation.ValidateObjectMetaAccessorUpdate(e, old, field.NewPath("metadata"))...)
	if !apiequality.Semantic.DeepEqual(e.Series, old.Series) {
		allErrs = append(allErrs, validateSeries(e)...)
	}
	immutable := []struct {
		name     string
		new, old any
	}{
		{"involvedObject", e.InvolvedObject, old.InvolvedObject},
		{"reason", e.Reason, old.Reason},
		{"message", e.Message, old.Message},
		{"source", e.Source, old.Source},
		{"firstTimestamp", e.FirstTimestamp, old.FirstTimestamp},
		{"lastTimestamp", e.LastTimestamp, old.LastTimestamp},
		{"count", e.Count, old.Count},
		{"type", e.Type, old.Type},
		{"eventTime", e.EventTime, old.EventTime},
		{"action", e.Action, old.Action},
		{"related", e.Related, old.Related},
		{"reportingController", e.ReportingController, old.ReportingController},
		{"reportingInstance", e.ReportingInstance, old.ReportingInstance},
	}
	for _, f := range immutable {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(f.new, f.old, field.NewPath(f.name))...)
	}
	return allErrs
}

func validateSeries(e *corev1.Event) field.ErrorList {
	if e.Series == nil {
		return nil
	}
	var allErrs field.ErrorList
	if e.Series.Count < 2 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("series.count"), "", "should be at least 2"))
	}
	if e.Series.LastObservedTime.IsZero() {
		allErrs = append(allErrs, field.Required(field.NewPath("series.lastObservedTime"), ""))
	}
	return allErrs
}
