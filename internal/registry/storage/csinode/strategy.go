package csinode

import (
	"context"
	"fmt"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/storage/csidriver"
)

// maxNodeIDLength is the longest node ID a driver may report.
const maxNodeIDLength = 192

// Strategy is the CSINode strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the CSINode strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true}}
}

// Validate checks a new CSINode.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	n := obj.(*storagev1.CSINode)
	allErrs := registry.ValidateObjectMeta(n, false, registry.NameIsDNSSubdomain)
	return append(allErrs, validateDrivers(n.Spec.Drivers, field.NewPath("spec", "drivers"))...)
}

// ValidateUpdate checks an update; drivers may come and go.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	n := obj.(*storagev1.CSINode)
	allErrs := registry.ValidateObjectMetaUpdate(n, old)
	return append(allErrs, validateDrivers(n.Spec.Drivers, field.NewPath("spec", "drivers"))...)
}

func validateDrivers(drivers []storagev1.CSINodeDriver, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := map[string]bool{}
	for i, d := range drivers {
		p := fldPath.Index(i)
		allErrs = append(allErrs, csidriver.ValidateDriverName(d.Name, p.Child("name"))...)
		if seen[d.Name] {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), d.Name))
		}
		seen[d.Name] = true
		if d.NodeID == "" {
			allErrs = append(allErrs, field.Required(p.Child("nodeID"), "nodeID of the driver must be provided"))
		}
		if len(d.NodeID) > maxNodeIDLength {
			allErrs = append(allErrs, field.Invalid(p.Child("nodeID"), d.NodeID, fmt.Sprintf("must be %d characters or less", maxNodeIDLength)))
		}
		keys := map[string]bool{}
		for j, k := range d.TopologyKeys {
			kp := p.Child("topologyKeys").Index(j)
			if k == "" {
				allErrs = append(allErrs, field.Required(kp, ""))
			}
			if keys[k] {
				allErrs = append(allErrs, field.Duplicate(kp, k))
			}
			keys[k] = true
			for _, msg := range content.IsLabelKey(k) {
				allErrs = append(allErrs, field.Invalid(kp, k, msg))
			}
		}
		if d.Allocatable != nil && d.Allocatable.Count != nil {
			allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*d.Allocatable.Count), p.Child("allocatable", "count"))...)
		}
	}
	return allErrs
}

// TableColumns are kubectl's CSI node columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Drivers", Type: "integer", Description: "Drivers indicates the number of CSI drivers registered on the node"},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one CSI node.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	n, ok := obj.(*storagev1.CSINode)
	if !ok {
		return nil, fmt.Errorf("expected *v1.CSINode, got %T", obj)
	}
	return []interface{}{n.Name, int64(len(n.Spec.Drivers)), registry.HumanAge(n.CreationTimestamp, time.Now())}, nil
}
