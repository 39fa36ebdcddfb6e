package validatingadmissionpolicybinding

import (
	"context"
	"fmt"
	"slices"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/admissionregistration/hookrules"
)

var (
	validationActions = []string{string(admissionregistrationv1.Audit), string(admissionregistrationv1.Deny), string(admissionregistrationv1.Warn)}
	notFoundActions   = []string{string(admissionregistrationv1.AllowAction), string(admissionregistrationv1.DenyAction)}
)

// Strategy is the ValidatingAdmissionPolicyBinding strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the ValidatingAdmissionPolicyBinding strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true, TracksGeneration: true}}
}

// Default applies the match resource defaults.
func (Strategy) Default(obj runtime.Object) {
	hookrules.DefaultMatchResources(obj.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding).Spec.MatchResources)
}

// Validate checks a new binding.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	b := obj.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding)
	allErrs := registry.ValidateObjectMeta(b, false, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&b.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate checks an update.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	allErrs := s.Validate(ctx, obj)
	return append(allErrs, registry.ValidateObjectMetaUpdate(obj, old)...)
}

func validateSpec(spec *admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if spec.PolicyName == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("policyName"), ""))
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(spec.PolicyName) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("policyName"), spec.PolicyName, msg))
		}
	}
	if spec.ParamRef != nil {
		allErrs = append(allErrs, validateParamRef(spec.ParamRef, fldPath.Child("paramRef"))...)
	}
	if spec.MatchResources != nil {
		allErrs = append(allErrs, hookrules.ValidateMatchResources(spec.MatchResources, false, fldPath.Child("matchResources"))...)
	}
	ap := fldPath.Child("validationActions")
	if len(spec.ValidationActions) == 0 {
		allErrs = append(allErrs, field.Required(ap, "at least one validation action is required"))
	}
	seen := map[admissionregistrationv1.ValidationAction]bool{}
	for i, a := range spec.ValidationActions {
		if !slices.Contains(validationActions, string(a)) {
			allErrs = append(allErrs, field.NotSupported(ap.Index(i), a, validationActions))
		}
		if seen[a] {
			allErrs = append(allErrs, field.Duplicate(ap.Index(i), a))
		}
		seen[a] = true
	}
	if seen[admissionregistrationv1.Deny] && seen[admissionregistrationv1.Warn] {
		allErrs = append(allErrs, field.Invalid(ap, spec.ValidationActions, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"))
	}
	return allErrs
}

func validateParamRef(r *admissionregistrationv1.ParamRef, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch {
	case r.Name != "" && r.Selector != nil:
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("name"), "name and selector are mutually exclusive"))
	case r.Name == "" && r.Selector == nil:
		allErrs = append(allErrs, field.Required(fldPath, "one of name or selector must be specified"))
	}
	if r.Name != "" {
		for _, msg := range validation.IsDNS1123Subdomain(r.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), r.Name, msg))
		}
	}
	if r.Namespace != "" {
		for _, msg := range validation.IsDNS1123Label(r.Namespace) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("namespace"), r.Namespace, msg))
		}
	}
	if r.Selector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(r.Selector, metav1validation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
	}
	np := fldPath.Child("parameterNotFoundAction")
	switch {
	case r.ParameterNotFoundAction == nil:
		allErrs = append(allErrs, field.Required(np, ""))
	case !slices.Contains(notFoundActions, string(*r.ParameterNotFoundAction)):
		allErrs = append(allErrs, field.NotSupported(np, *r.ParameterNotFoundAction, notFoundActions))
	}
	return allErrs
}

// TableColumns are kubectl's validating admission policy binding columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "PolicyName", Type: "string", Description: "PolicyName indicates the policy definition which the policy binding binded to"},
		{Name: "ParamRef", Type: "string", Description: "ParamRef indicates the param resource which sets the configration param"},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one binding; a named parameter without namespace shows
// as */name since its scope is unknown here.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	b, ok := obj.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding)
	if !ok {
		return nil, fmt.Errorf("expected *v1.ValidatingAdmissionPolicyBinding, got %T", obj)
	}
	param := "<unset>"
	if r := b.Spec.ParamRef; r != nil {
		switch {
		case r.Name != "" && r.Namespace != "":
			param = r.Namespace + "/" + r.Name
		case r.Name != "":
			param = "*/" + r.Name
		case r.Selector != nil:
			param = r.Selector.String()
		}
	}
	return []interface{}{b.Name, b.Spec.PolicyName, param, registry.HumanAge(b.CreationTimestamp, time.Now())}, nil
}
