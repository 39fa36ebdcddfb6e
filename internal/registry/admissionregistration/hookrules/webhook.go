package hookrules

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

var (
	failurePolicies   = []string{"Fail", "Ignore"}
	matchPolicies     = []string{"Equivalent", "Exact"}
	sideEffectClasses = []string{"None", "NoneOnDryRun"}
	// ReviewVersions are the AdmissionReview versions Nauta can send.
	ReviewVersions = []string{"v1", "v1beta1"}
)

// DefaultWebhook applies the admissionregistration/v1 webhook defaults:
// failurePolicy Fail, matchPolicy Equivalent, empty selectors, a 10s
// timeout, scope "*" and service port 443. Mutating webhooks go through
// ToValidating/FromValidating.
func DefaultWebhook(h *admissionregistrationv1.ValidatingWebhook) {
	if h.FailurePolicy == nil {
		h.FailurePolicy = ptr.To(admissionregistrationv1.Fail)
	}
	if h.MatchPolicy == nil {
		h.MatchPolicy = ptr.To(admissionregistrationv1.Equivalent)
	}
	if h.NamespaceSelector == nil {
		h.NamespaceSelector = &metav1.LabelSelector{}
	}
	if h.ObjectSelector == nil {
		h.ObjectSelector = &metav1.LabelSelector{}
	}
	if h.TimeoutSeconds == nil {
		h.TimeoutSeconds = ptr.To[int32](10)
	}
	for i := range h.Rules {
		DefaultRule(&h.Rules[i].Rule)
	}
	if s := h.ClientConfig.Service; s != nil && s.Port == nil {
		s.Port = ptr.To[int32](443)
	}
}

// ValidateWebhooks checks a configuration's webhooks; names must be unique.
func ValidateWebhooks(hooks []admissionregistrationv1.ValidatingWebhook, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := map[string]bool{}
	for i := range hooks {
		p := fldPath.Index(i)
		allErrs = append(allErrs, validateWebhook(&hooks[i], p)...)
		name := hooks[i].Name
		if name == "" {
			continue
		}
		if seen[name] {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), name))
		}
		seen[name] = true
	}
	return allErrs
}

func validateWebhook(h *admissionregistrationv1.ValidatingWebhook, fldPath *field.Path) field.ErrorList {
	allErrs := validation.IsFullyQualifiedName(fldPath.Child("name"), h.Name)
	for i := range h.Rules {
		allErrs = append(allErrs, ValidateRuleWithOperations(&h.Rules[i], fldPath.Child("rules").Index(i))...)
	}
	allErrs = append(allErrs, ValidateFailurePolicy(h.FailurePolicy, fldPath.Child("failurePolicy"))...)
	if h.MatchPolicy != nil && !slices.Contains(matchPolicies, string(*h.MatchPolicy)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("matchPolicy"), *h.MatchPolicy, matchPolicies))
	}
	switch {
	case h.SideEffects == nil:
		allErrs = append(allErrs, field.Required(fldPath.Child("sideEffects"), fmt.Sprintf("must specify one of %v", strings.Join(sideEffectClasses, ", "))))
	case !slices.Contains(sideEffectClasses, string(*h.SideEffects)):
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("sideEffects"), *h.SideEffects, sideEffectClasses))
	}
	if t := h.TimeoutSeconds; t != nil && (*t > 30 || *t < 1) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("timeoutSeconds"), *t, "the timeout value must be between 1 and 30 seconds"))
	}
	opts := metav1validation.LabelSelectorValidationOptions{}
	if h.NamespaceSelector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(h.NamespaceSelector, opts, fldPath.Child("namespaceSelector"))...)
	}
	if h.ObjectSelector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(h.ObjectSelector, opts, fldPath.Child("objectSelector"))...)
	}
	allErrs = append(allErrs, validateClientConfig(&h.ClientConfig, fldPath.Child("clientConfig"))...)
	allErrs = append(allErrs, validateReviewVersions(h.AdmissionReviewVersions, fldPath.Child("admissionReviewVersions"))...)
	return append(allErrs, ValidateMatchConditions(h.MatchConditions, fldPath.Child("matchConditions"))...)
}

// ValidateFailurePolicy checks Fail or Ignore.
func ValidateFailurePolicy(p *admissionregistrationv1.FailurePolicyType, fldPath *field.Path) field.ErrorList {
	if p != nil && !slices.Contains(failurePolicies, string(*p)) {
		return field.ErrorList{field.NotSupported(fldPath, *p, failurePolicies)}
	}
	return nil
}

func validateClientConfig(cc *admissionregistrationv1.WebhookClientConfig, fldPath *field.Path) field.ErrorList {
	switch {
	case (cc.URL == nil) == (cc.Service == nil):
		return field.ErrorList{field.Required(fldPath, "exactly one of url or service is required")}
	case cc.URL != nil:
		return validateURL(*cc.URL, fldPath.Child("url"))
	}
	return validateService(cc.Service, fldPath.Child("service"))
}

const urlForm = "; desired format: https://host[/path]"

func validateURL(raw string, fldPath *field.Path) field.ErrorList {
	u, err := url.Parse(raw)
	if err != nil {
		return field.ErrorList{field.Required(fldPath, "url must be a valid URL: "+err.Error()+urlForm)}
	}
	var allErrs field.ErrorList
	if u.Scheme != "https" {
		allErrs = append(allErrs, field.Invalid(fldPath, u.Scheme, "'https' is the only allowed URL scheme"+urlForm))
	}
	if u.Host == "" {
		allErrs = append(allErrs, field.Invalid(fldPath, u.Host, "host must be specified"+urlForm))
	}
	if u.User != nil {
		allErrs = append(allErrs, field.Invalid(fldPath, u.User.String(), "user information is not permitted in the URL"))
	}
	if u.Fragment != "" {
		allErrs = append(allErrs, field.Invalid(fldPath, u.Fragment, "fragments are not permitted in the URL"))
	}
	if u.RawQuery != "" {
		allErrs = append(allErrs, field.Invalid(fldPath, u.RawQuery, "query parameters are not permitted in the URL"))
	}
	return allErrs
}

func validateService(s *admissionregistrationv1.ServiceReference, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if s.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), "service name is required"))
	}
	if s.Namespace == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("namespace"), "service namespace is required"))
	}
	port := ptr.Deref(s.Port, 443)
	if errs := validation.IsValidPortNum(int(port)); errs != nil {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("port"), port, "port is not valid: "+strings.Join(errs, ", ")))
	}
	if s.Path == nil || *s.Path == "/" || *s.Path == "" {
		return allErrs
	}
	p, pp := *s.Path, fldPath.Child("path")
	if p == "//" {
		return append(allErrs, field.Invalid(pp, p, "segment[0] may not be empty"))
	}
	if !strings.HasPrefix(p, "/") {
		allErrs = append(allErrs, field.Invalid(pp, p, "must start with a '/'"))
	}
	check := strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	for i, step := range strings.Split(check, "/") {
		if step == "" {
			allErrs = append(allErrs, field.Invalid(pp, p, fmt.Sprintf("segment[%d] may not be empty", i)))
			continue
		}
		for _, msg := range validation.IsDNS1123Subdomain(step) {
			allErrs = append(allErrs, field.Invalid(pp, p, fmt.Sprintf("segment[%d]: %v", i, msg)))
		}
	}
	return allErrs
}

func validateReviewVersions(versions []string, fldPath *field.Path) field.ErrorList {
	if len(versions) == 0 {
		return field.ErrorList{field.Required(fldPath, fmt.Sprintf("must specify one of %v", strings.Join(ReviewVersions, ", ")))}
	}
	var allErrs field.ErrorList
	seen := map[string]bool{}
	accepted := false
	for i, v := range versions {
		if seen[v] {
			allErrs = append(allErrs, field.Invalid(fldPath.Index(i), v, "duplicate version"))
			continue
		}
		seen[v] = true
		for _, msg := range validation.IsDNS1035Label(v) {
			allErrs = append(allErrs, field.Invalid(fldPath.Index(i), v, msg))
		}
		accepted = accepted || slices.Contains(ReviewVersions, v)
	}
	if !accepted {
		allErrs = append(allErrs, field.Invalid(fldPath, versions, fmt.Sprintf("must include at least one of %v", strings.Join(ReviewVersions, ", "))))
	}
	return allErrs
}

// ToValidating returns the fields a mutating webhook shares with a
// validating one, so both share defaults and validation.
func ToValidating(m *admissionregistrationv1.MutatingWebhook) admissionregistrationv1.ValidatingWebhook {
	return admissionregistrationv1.ValidatingWebhook{
		Name:                    m.Name,
		ClientConfig:            m.ClientConfig,
		Rules:                   m.Rules,
		FailurePolicy:           m.FailurePolicy,
		MatchPolicy:             m.MatchPolicy,
		NamespaceSelector:       m.NamespaceSelector,
		ObjectSelector:          m.ObjectSelector,
		SideEffects:             m.SideEffects,
		TimeoutSeconds:          m.TimeoutSeconds,
		AdmissionReviewVersions: m.AdmissionReviewVersions,
		MatchConditions:         m.MatchConditions,
	}
}

// FromValidating copies the shared fields back into m.
func FromValidating(v *admissionregistrationv1.ValidatingWebhook, m *admissionregistrationv1.MutatingWebhook) {
	m.Name = v.Name
	m.ClientConfig = v.ClientConfig
	m.Rules = v.Rules
	m.FailurePolicy = v.FailurePolicy
	m.MatchPolicy = v.MatchPolicy
	m.NamespaceSelector = v.NamespaceSelector
	m.ObjectSelector = v.ObjectSelector
	m.SideEffects = v.SideEffects
	m.TimeoutSeconds = v.TimeoutSeconds
	m.AdmissionReviewVersions = v.AdmissionReviewVersions
	m.MatchConditions = v.MatchConditions
}
