package validatingadmissionpolicy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/admissionregistration/hookrules"
)

// Reasons a validation may report.
var reasons = []string{
	string(metav1.StatusReasonForbidden), string(metav1.StatusReasonInvalid),
	string(metav1.StatusReasonRequestEntityTooLarge), string(metav1.StatusReasonUnauthorized),
}

// Strategy is the ValidatingAdmissionPolicy strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the ValidatingAdmissionPolicy strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true, HasStatus: true, TracksGeneration: true}}
}

// Default applies failurePolicy Fail and the match constraint defaults.
func (Strategy) Default(obj runtime.Object) {
	p := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	if p.Spec.FailurePolicy == nil {
		p.Spec.FailurePolicy = ptr.To(admissionregistrationv1.Fail)
	}
	hookrules.DefaultMatchResources(p.Spec.MatchConstraints)
}

// Validate checks a new policy.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	p := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	allErrs := registry.ValidateObjectMeta(p, false, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(p.Name, &p.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate checks an update.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	allErrs := s.Validate(ctx, obj)
	return append(allErrs, registry.ValidateObjectMetaUpdate(obj, old)...)
}

// ValidateStatusUpdate checks the status conditions.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	p := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	allErrs := registry.ValidateObjectMetaUpdate(p, old)
	return append(allErrs, metav1validation.ValidateConditions(p.Status.Conditions, field.NewPath("status", "conditions"))...)
}

func validateSpec(name string, spec *admissionregistrationv1.ValidatingAdmissionPolicySpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if spec.ParamKind != nil {
		allErrs = append(allErrs, hookrules.ValidateParamKind(spec.ParamKind, fldPath.Child("paramKind"))...)
	}
	if spec.MatchConstraints == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("matchConstraints"), ""))
	} else {
		allErrs = append(allErrs, hookrules.ValidateMatchResources(spec.MatchConstraints, true, fldPath.Child("matchConstraints"))...)
	}
	if len(spec.Validations) == 0 && len(spec.AuditAnnotations) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("validations"), "validations or auditAnnotations must contain at least one item"))
	}
	for i, v := range spec.Validations {
		p := fldPath.Child("validations").Index(i)
		if strings.TrimSpace(v.Expression) == "" {
			allErrs = append(allErrs, field.Required(p.Child("expression"), "expression is not specified"))
		}
		if strings.ContainsAny(v.Message, "\n\r") {
			allErrs = append(allErrs, field.Invalid(p.Child("message"), v.Message, "message must not contain line breaks"))
		}
		if v.Reason != nil && !slices.Contains(reasons, string(*v.Reason)) {
			allErrs = append(allErrs, field.NotSupported(p.Child("reason"), *v.Reason, reasons))
		}
	}
	keys := map[string]bool{}
	for i, a := range spec.AuditAnnotations {
		p := fldPath.Child("auditAnnotations").Index(i)
		switch {
		case a.Key == "":
			allErrs = append(allErrs, field.Required(p.Child("key"), ""))
		case name == "":
			allErrs = append(allErrs, field.Invalid(p.Child("key"), a.Key, "requires metadata.name be non-empty"))
		default:
			// Keys are published as "<policy name>/<key>".
			for _, msg := range content.IsLabelKey(name + "/" + a.Key) {
				allErrs = append(allErrs, field.Invalid(p.Child("key"), name+"/"+a.Key, msg))
			}
			if keys[a.Key] {
				allErrs = append(allErrs, field.Duplicate(p.Child("key"), a.Key))
			}
			keys[a.Key] = true
		}
		if strings.TrimSpace(a.ValueExpression) == "" {
			allErrs = append(allErrs, field.Required(p.Child("valueExpression"), "valueExpression is not specified"))
		}
	}
	allErrs = append(allErrs, hookrules.ValidateFailurePolicy(spec.FailurePolicy, fldPath.Child("failurePolicy"))...)
	allErrs = append(allErrs, hookrules.ValidateMatchConditions(spec.MatchConditions, fldPath.Child("matchConditions"))...)
	names := map[string]bool{}
	for i, v := range spec.Variables {
		p := fldPath.Child("variables").Index(i)
		if v.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), "name is not specified"))
		} else {
			for _, msg := range content.IsCIdentifier(v.Name) {
				allErrs = append(allErrs, field.Invalid(p.Child("name"), v.Name, msg))
			}
			if names[v.Name] {
				allErrs = append(allErrs, field.Duplicate(p.Child("name"), v.Name))
			}
			names[v.Name] = true
		}
		if strings.TrimSpace(v.Expression) == "" {
			allErrs = append(allErrs, field.Required(p.Child("expression"), "expression is not specified"))
		}
	}
	return allErrs
}

// TableColumns are kubectl's validating admission policy columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Validations", Type: "integer", Description: "Validations indicates the number of validation rules defined in this configuration"},
		{Name: "ParamKind", Type: "string", Description: "ParamKind specifies the kind of resources used to parameterize this policy"},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one policy.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	p, ok := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	if !ok {
		return nil, fmt.Errorf("expected *v1.ValidatingAdmissionPolicy, got %T", obj)
	}
	paramKind := "<unset>"
	if pk := p.Spec.ParamKind; pk != nil {
		paramKind = pk.APIVersion + "/" + pk.Kind
	}
	return []interface{}{p.Name, int64(len(p.Spec.Validations)), paramKind, registry.HumanAge(p.CreationTimestamp, time.Now())}, nil
}
