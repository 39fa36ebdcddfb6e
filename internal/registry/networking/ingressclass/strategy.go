package ingressclass

import (
	"context"
	"fmt"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
)

// maxControllerLength bounds spec.controller.
const maxControllerLength = 250

// DefaultClassAnnotation marks the class used for ingresses without one.
const DefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

// Strategy is the IngressClass strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the IngressClass strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true, TracksGeneration: true}}
}

// Default scopes parameters to the cluster when unset.
func (Strategy) Default(obj runtime.Object) {
	ic := obj.(*networkingv1.IngressClass)
	if p := ic.Spec.Parameters; p != nil && p.Scope == nil {
		p.Scope = ptr.To(networkingv1.IngressClassParametersReferenceScopeCluster)
	}
}

// Validate checks a new IngressClass.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ic := obj.(*networkingv1.IngressClass)
	allErrs := registry.ValidateObjectMeta(ic, false, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&ic.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate: the controller is fixed.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ic := obj.(*networkingv1.IngressClass)
	o := old.(*networkingv1.IngressClass)
	allErrs := registry.ValidateObjectMetaUpdate(ic, o)
	allErrs = append(allErrs, validateSpec(&ic.Spec, field.NewPath("spec"))...)
	return append(allErrs, apivalidation.ValidateImmutableField(ic.Spec.Controller, o.Spec.Controller, field.NewPath("spec", "controller"))...)
}

func validateSpec(spec *networkingv1.IngressClassSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	cp := fldPath.Child("controller")
	if len(spec.Controller) > maxControllerLength {
		allErrs = append(allErrs, field.TooLong(cp, spec.Controller, maxControllerLength))
	}
	allErrs = append(allErrs, validation.IsDomainPrefixedPath(cp, spec.Controller)...)
	if p := spec.Parameters; p != nil {
		pp := fldPath.Child("parameters")
		if p.Kind == "" {
			allErrs = append(allErrs, field.Required(pp.Child("kind"), ""))
		}
		for _, msg := range content.IsPathSegmentName(p.Kind) {
			allErrs = append(allErrs, field.Invalid(pp.Child("kind"), p.Kind, msg))
		}
		if p.Name == "" {
			allErrs = append(allErrs, field.Required(pp.Child("name"), ""))
		}
		for _, msg := range content.IsPathSegmentName(p.Name) {
			allErrs = append(allErrs, field.Invalid(pp.Child("name"), p.Name, msg))
		}
		if p.APIGroup != nil {
			for _, msg := range validation.IsDNS1123Subdomain(*p.APIGroup) {
				allErrs = append(allErrs, field.Invalid(pp.Child("apiGroup"), *p.APIGroup, msg))
			}
		}
		allErrs = append(allErrs, validateScope(p, pp)...)
	}
	return allErrs
}

func validateScope(p *networkingv1.IngressClassParametersReference, fldPath *field.Path) field.ErrorList {
	if p.Scope == nil {
		return field.ErrorList{field.Required(fldPath.Child("scope"), "")}
	}
	var allErrs field.ErrorList
	switch *p.Scope {
	case networkingv1.IngressClassParametersReferenceScopeNamespace:
		if p.Namespace == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
		} else {
			for _, msg := range validation.IsDNS1123Label(*p.Namespace) {
				allErrs = append(allErrs, field.Invalid(fldPath.Child("namespace"), *p.Namespace, msg))
			}
		}
	case networkingv1.IngressClassParametersReferenceScopeCluster:
		if p.Namespace != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("scope"), *p.Scope, []string{
			networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace,
		}))
	}
	return allErrs
}

// TableColumns are kubectl's ingress class columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Controller", Type: "string", Description: "Controller that is responsible for handling this class"},
		{Name: "Parameters", Type: "string", Description: "A reference to a resource with additional parameters"},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one ingress class; parameters as kind[.group]/name.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	ic, ok := obj.(*networkingv1.IngressClass)
	if !ok {
		return nil, fmt.Errorf("expected *v1.IngressClass, got %T", obj)
	}
	params := "<none>"
	if p := ic.Spec.Parameters; p != nil {
		params = p.Kind
		if p.APIGroup != nil {
			params += "." + *p.APIGroup
		}
		params += "/" + p.Name
	}
	return []interface{}{ic.Name, ic.Spec.Controller, params, registry.HumanAge(ic.CreationTimestamp, time.Now())}, nil
}
