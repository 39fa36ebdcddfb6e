package hookrules

import (
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// maxMatchConditions bounds the match conditions of a webhook or policy.
const maxMatchConditions = 64

// DefaultMatchResources applies matchPolicy Equivalent, empty selectors and
// scope "*" on every rule.
func DefaultMatchResources(m *admissionregistrationv1.MatchResources) {
	if m == nil {
		return
	}
	if m.MatchPolicy == nil {
		m.MatchPolicy = ptr.To(admissionregistrationv1.Equivalent)
	}
	if m.NamespaceSelector == nil {
		m.NamespaceSelector = &metav1.LabelSelector{}
	}
	if m.ObjectSelector == nil {
		m.ObjectSelector = &metav1.LabelSelector{}
	}
	for i := range m.ResourceRules {
		DefaultRule(&m.ResourceRules[i].Rule)
	}
	for i := range m.ExcludeResourceRules {
		DefaultRule(&m.ExcludeResourceRules[i].Rule)
	}
}

// ValidateMatchResources checks selectors, match policy and rules;
// requireRules is set for a policy's matchConstraints.
func ValidateMatchResources(m *admissionregistrationv1.MatchResources, requireRules bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	opts := metav1validation.LabelSelectorValidationOptions{}
	if m.NamespaceSelector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(m.NamespaceSelector, opts, fldPath.Child("namespaceSelector"))...)
	}
	if m.ObjectSelector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(m.ObjectSelector, opts, fldPath.Child("objectSelector"))...)
	}
	if m.MatchPolicy != nil && !slices.Contains(matchPolicies, string(*m.MatchPolicy)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("matchPolicy"), *m.MatchPolicy, matchPolicies))
	}
	if requireRules && len(m.ResourceRules) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("resourceRules"), ""))
	}
	for i := range m.ResourceRules {
		allErrs = append(allErrs, validateNamedRule(&m.ResourceRules[i], fldPath.Child("resourceRules").Index(i))...)
	}
	for i := range m.ExcludeResourceRules {
		allErrs = append(allErrs, validateNamedRule(&m.ExcludeResourceRules[i], fldPath.Child("excludeResourceRules").Index(i))...)
	}
	return allErrs
}

func validateNamedRule(r *admissionregistrationv1.NamedRuleWithOperations, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := map[string]bool{}
	for i, name := range r.ResourceNames {
		p := fldPath.Child("resourceNames").Index(i)
		for _, msg := range content.IsPathSegmentName(name) {
			allErrs = append(allErrs, field.Invalid(p, name, msg))
		}
		if seen[name] {
			allErrs = append(allErrs, field.Duplicate(p, name))
		}
		seen[name] = true
	}
	return append(allErrs, ValidateRuleWithOperations(&r.RuleWithOperations, fldPath)...)
}

// ValidateMatchConditions checks names are unique qualified names and
// expressions are present.
func ValidateMatchConditions(conditions []admissionregistrationv1.MatchCondition, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(conditions) > maxMatchConditions {
		allErrs = append(allErrs, field.TooMany(fldPath, len(conditions), maxMatchConditions))
	}
	seen := map[string]bool{}
	for i, c := range conditions {
		p := fldPath.Index(i)
		if c.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		} else {
			for _, msg := range content.IsLabelKey(c.Name) {
				allErrs = append(allErrs, field.Invalid(p.Child("name"), c.Name, msg))
			}
			if seen[c.Name] {
				allErrs = append(allErrs, field.Duplicate(p.Child("name"), c.Name))
			}
			seen[c.Name] = true
		}
		if c.Expression == "" {
			allErrs = append(allErrs, field.Required(p.Child("expression"), ""))
		}
	}
	return allErrs
}

// ValidateParamKind checks a policy's parameter kind reference.
func ValidateParamKind(pk *admissionregistrationv1.ParamKind, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if pk.Kind == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("kind"), ""))
	} else {
		for _, msg := range content.IsPathSegmentName(pk.Kind) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("kind"), pk.Kind, msg))
		}
	}
	if pk.APIVersion == "" {
		return append(allErrs, field.Required(fldPath.Child("apiVersion"), ""))
	}
	gv, err := schema.ParseGroupVersion(pk.APIVersion)
	if err != nil {
		return append(allErrs, field.Invalid(fldPath.Child("apiVersion"), pk.APIVersion, err.Error()))
	}
	if gv.Group != "" {
		for _, msg := range validation.IsDNS1123Subdomain(gv.Group) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("apiVersion"), gv.Group, msg))
		}
	}
	for _, msg := range validation.IsDNS1035Label(gv.Version) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("apiVersion"), gv.Version, msg))
	}
	return allErrs
}
