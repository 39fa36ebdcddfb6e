package podtemplate

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/columns"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// Strategy is the podtemplates strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the pod templates strategy: generation starts at 1
// and grows when the template changes.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{TracksGeneration: true}}
}

var _ registry.Strategy = Strategy{}

// Default fills the template's pod spec defaults.
func (Strategy) Default(obj runtime.Object) {
	podspec.DefaultPodTemplateSpec(&obj.(*corev1.PodTemplate).Template)
}

// Validate checks metadata and the template.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	pt := obj.(*corev1.PodTemplate)
	allErrs := registry.ValidateObjectMeta(pt, true, registry.NameIsDNSSubdomain)
	return append(allErrs, podspec.ValidatePodTemplateSpec(&pt.Template, field.NewPath("template"))...)
}

// ValidateUpdate checks metadata immutability and the template.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	pt := obj.(*corev1.PodTemplate)
	allErrs := registry.ValidateObjectMetaUpdate(obj, old)
	return append(allErrs, podspec.ValidatePodTemplateSpec(&pt.Template, field.NewPath("template"))...)
}

// TableColumns are NAME CONTAINERS IMAGES POD LABELS.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Containers", Type: "string", Description: "Names of each container in the template."},
		{Name: "Images", Type: "string", Description: "Images referenced by each container in the template."},
		{Name: "Pod Labels", Type: "string", Description: "The labels for the pod template."},
	}
}

// TableRow prints the containers, images and template labels.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	pt := obj.(*corev1.PodTemplate)
	names, images := podspec.ContainerNamesAndImages(pt.Template.Spec.Containers)
	return []interface{}{pt.Name, names, images, labels.FormatLabels(pt.Template.Labels)}, nil
}
