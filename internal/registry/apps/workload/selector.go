package workload

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateSelector checks a required, non-empty label selector at fldPath.
// kind names the owner in the empty-selector message ("deployment").
func ValidateSelector(sel *metav1.LabelSelector, kind string, fldPath *field.Path) field.ErrorList {
	if sel == nil {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	allErrs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, fldPath)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		allErrs = append(allErrs, field.Invalid(fldPath, sel, "empty selector is invalid for "+kind))
	}
	return allErrs
}

// ValidateSelectorMatchesTemplate reports at <templatePath>.metadata.labels
// when a parseable, non-empty selector does not select the template labels.
// An unparseable selector is reported at selectorPath.
func ValidateSelectorMatchesTemplate(sel *metav1.LabelSelector, templateLabels map[string]string, selectorPath, templatePath *field.Path) field.ErrorList {
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return field.ErrorList{field.Invalid(selectorPath, sel, "invalid label selector")}
	}
	if selector.Empty() || selector.Matches(labels.Set(templateLabels)) {
		return nil
	}
	return field.ErrorList{field.Invalid(templatePath.Child("metadata", "labels"), templateLabels, "`selector` does not match template `labels`")}
}

// SelectorString formats a selector the way tables and scale status show it;
// "<invalid>" when it does not parse.
func SelectorString(sel *metav1.LabelSelector) string {
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "<invalid>"
	}
	return selector.String()
}
