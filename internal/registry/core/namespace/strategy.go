package namespace

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/columns"
)

// Strategy is the namespaces strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the namespaces strategy (cluster-scoped, status).
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, ClusterScoped: true}}
}

var _ registry.Strategy = Strategy{}

// Default sets the kubernetes.io/metadata.name label to the name.
func (Strategy) Default(obj runtime.Object) {
	setNameLabel(obj.(*corev1.Namespace))
}

func setNameLabel(ns *corev1.Namespace) {
	if ns.Name == "" {
		return
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[corev1.LabelMetadataName] = ns.Name
}

// PrepareForCreate sets phase Active and adds the "kubernetes" finalizer.
func (s Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.BaseStrategy.PrepareForCreate(ctx, obj)
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	has := false
	for _, f := range ns.Spec.Finalizers {
		has = has || f == corev1.FinalizerKubernetes
	}
	if !has {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	}
	setNameLabel(ns)
}

// PrepareForUpdate keeps status and spec.finalizers: finalizers change
// only through the finalize subresource.
func (s Strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s.BaseStrategy.PrepareForUpdate(ctx, obj, old)
	ns, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	ns.Spec.Finalizers = oldNS.Spec.Finalizers
	setNameLabel(ns)
}

// Validate checks the DNS-label name and the finalizer names.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ns := obj.(*corev1.Namespace)
	allErrs := registry.ValidateObjectMeta(ns, false, apivalidation.ValidateNamespaceName)
	for i, f := range ns.Spec.Finalizers {
		allErrs = append(allErrs, ValidateFinalizerName(string(f), field.NewPath("spec", "finalizers").Index(i))...)
	}
	return allErrs
}

// ValidateFinalizerName accepts "kubernetes" or a qualified name.
func ValidateFinalizerName(name string, fldPath *field.Path) field.ErrorList {
	allErrs := apivalidation.ValidateFinalizerName(name, fldPath)
	if !strings.Contains(name, "/") && name != string(corev1.FinalizerKubernetes) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, "name is neither a standard finalizer name nor is it fully qualified"))
	}
	return allErrs
}

// ValidateUpdate checks metadata immutability.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return registry.ValidateObjectMetaUpdate(obj, old)
}

// ValidateStatusUpdate requires phase Active unless the namespace is being
// deleted, and Terminating when it is.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ns := obj.(*corev1.Namespace)
	allErrs := registry.ValidateObjectMetaUpdate(obj, old)
	p := field.NewPath("status", "Phase")
	if ns.DeletionTimestamp.IsZero() {
		if ns.Status.Phase != corev1.NamespaceActive {
			allErrs = append(allErrs, field.Invalid(p, ns.Status.Phase, "may only be 'Active' if `deletionTimestamp` is empty"))
		}
	} else if ns.Status.Phase != corev1.NamespaceTerminating {
		allErrs = append(allErrs, field.Invalid(p, ns.Status.Phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"))
	}
	return allErrs
}

// Attrs adds status.phase.
func (Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	ns := obj.(*corev1.Namespace)
	set := registry.ObjectMetaFields(ns, false)
	set["status.phase"] = string(ns.Status.Phase)
	return labels.Set(ns.Labels), set, nil
}

// TableColumns are NAME STATUS AGE.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Status", Type: "string", Description: "The status of the namespace"},
		columns.Age(),
	}
}

// TableRow prints the phase.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	ns := obj.(*corev1.Namespace)
	return []interface{}{ns.Name, string(ns.Status.Phase), columns.Since(ns.CreationTimestamp)}, nil
}
