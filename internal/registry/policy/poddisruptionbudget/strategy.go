package poddisruptionbudget

import (
	"context"
	"fmt"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
)

// Strategy is the PodDisruptionBudget strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the PodDisruptionBudget strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Validate checks a new PDB.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	allErrs := registry.ValidateObjectMeta(pdb, true, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&pdb.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate checks an update; the spec is mutable in policy/v1.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	allErrs := registry.ValidateObjectMetaUpdate(pdb, old)
	return append(allErrs, validateSpec(&pdb.Spec, field.NewPath("spec"))...)
}

// ValidateStatusUpdate checks the status counters and conditions.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	st := &pdb.Status
	p := field.NewPath("status")
	allErrs := registry.ValidateObjectMetaUpdate(pdb, old)
	allErrs = append(allErrs, metav1validation.ValidateConditions(st.Conditions, p.Child("conditions"))...)
	return append(allErrs, workload.ValidateNonnegative(p,
		workload.Counter{Name: "disruptionsAllowed", Value: int64(st.DisruptionsAllowed)},
		workload.Counter{Name: "currentHealthy", Value: int64(st.CurrentHealthy)},
		workload.Counter{Name: "desiredHealthy", Value: int64(st.DesiredHealthy)},
		workload.Counter{Name: "expectedPods", Value: int64(st.ExpectedPods)},
	)...)
}

func validateSpec(spec *policyv1.PodDisruptionBudgetSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		allErrs = append(allErrs, field.Invalid(fldPath, spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	if spec.MinAvailable != nil {
		allErrs = append(allErrs, workload.ValidatePositiveIntOrPercent(*spec.MinAvailable, fldPath.Child("minAvailable"))...)
		allErrs = append(allErrs, workload.IsNotMoreThan100Percent(*spec.MinAvailable, fldPath.Child("minAvailable"))...)
	}
	if spec.MaxUnavailable != nil {
		allErrs = append(allErrs, workload.ValidatePositiveIntOrPercent(*spec.MaxUnavailable, fldPath.Child("maxUnavailable"))...)
		allErrs = append(allErrs, workload.IsNotMoreThan100Percent(*spec.MaxUnavailable, fldPath.Child("maxUnavailable"))...)
	}
	allErrs = append(allErrs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
	if p := spec.UnhealthyPodEvictionPolicy; p != nil && *p != policyv1.IfHealthyBudget && *p != policyv1.AlwaysAllow {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("unhealthyPodEvictionPolicy"), *p, []string{string(policyv1.AlwaysAllow), string(policyv1.IfHealthyBudget)}))
	}
	return allErrs
}

// TableColumns are kubectl's PDB columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Min Available", Type: "string", Description: "The minimum number of pods that must be available."},
		{Name: "Max Unavailable", Type: "string", Description: "The maximum number of pods that may be unavailable."},
		{Name: "Allowed Disruptions", Type: "integer", Description: "Calculated number of pods that may be disrupted at this time."},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one PDB; unset bounds show as N/A.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	pdb, ok := obj.(*policyv1.PodDisruptionBudget)
	if !ok {
		return nil, fmt.Errorf("expected *v1.PodDisruptionBudget, got %T", obj)
	}
	minAvailable, maxUnavailable := "N/A", "N/A"
	if pdb.Spec.MinAvailable != nil {
		minAvailable = pdb.Spec.MinAvailable.String()
	}
	if pdb.Spec.MaxUnavailable != nil {
		maxUnavailable = pdb.Spec.MaxUnavailable.String()
	}
	return []interface{}{pdb.Name, minAvailable, maxUnavailable, int64(pdb.Status.DisruptionsAllowed), registry.HumanAge(pdb.CreationTimestamp, time.Now())}, nil
}
