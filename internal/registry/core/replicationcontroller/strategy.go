package replicationcontroller

import (
	"context"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
	"github.com/nauta/nauta/internal/registry/core/columns"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// Strategy is the replicationcontrollers strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the strategy: status subresource, generation tracked.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

var _ registry.Strategy = Strategy{}

// Default sets replicas 1 and, from the template labels, the selector and
// the controller's own labels when they are empty.
func (Strategy) Default(obj runtime.Object) {
	rc := obj.(*corev1.ReplicationController)
	if rc.Spec.Template != nil {
		if l := rc.Spec.Template.Labels; l != nil {
			if len(rc.Spec.Selector) == 0 {
				rc.Spec.Selector = copyMap(l)
			}
			if len(rc.Labels) == 0 {
				rc.Labels = copyMap(l)
			}
		}
		podspec.DefaultPodTemplateSpec(rc.Spec.Template)
	}
	if rc.Spec.Replicas == nil {
		r := int32(1)
		rc.Spec.Replicas = &r
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Validate checks metadata and spec.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	rc := obj.(*corev1.ReplicationController)
	allErrs := registry.ValidateObjectMeta(rc, true, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&rc.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate checks metadata immutability and the new spec.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	rc := obj.(*corev1.ReplicationController)
	allErrs := registry.ValidateObjectMetaUpdate(obj, old)
	return append(allErrs, validateSpec(&rc.Spec, field.NewPath("spec"))...)
}

func validateSpec(spec *corev1.ReplicationControllerSpec, fldPath *field.Path) field.ErrorList {
	allErrs := apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), fldPath.Child("minReadySeconds"))
	if labels.Set(spec.Selector).AsSelector().Empty() {
		allErrs = append(allErrs, field.Required(fldPath.Child("selector"), ""))
	}
	replicas := int32(0)
	if spec.Replicas != nil {
		replicas = *spec.Replicas
	}
	allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(replicas), fldPath.Child("replicas"))...)
	allErrs = append(allErrs, podspec.ValidateReplicatedPodTemplate(spec.Template, labels.Set(spec.Selector).AsSelector(),
		"ReplicationController", fldPath.Child("template"))...)
	return allErrs
}

// ValidateStatusUpdate checks that the counts are sane.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	rc := obj.(*corev1.ReplicationController)
	allErrs := registry.ValidateObjectMetaUpdate(obj, old)
	st, p := rc.Status, field.NewPath("status")
	for name, v := range map[string]int64{
		"replicas": int64(st.Replicas), "fullyLabeledReplicas": int64(st.FullyLabeledReplicas),
		"readyReplicas": int64(st.ReadyReplicas), "availableReplicas": int64(st.AvailableReplicas),
		"observedGeneration": st.ObservedGeneration,
	} {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(v, p.Child(name))...)
	}
	allErrs = append(allErrs, workload.ValidateAtMostReplicas(p, st.Replicas,
		workload.ReplicaCount{Name: "fullyLabeledReplicas", Value: st.FullyLabeledReplicas},
		workload.ReplicaCount{Name: "readyReplicas", Value: st.ReadyReplicas},
		workload.ReplicaCount{Name: "availableReplicas", Value: st.AvailableReplicas},
	)...)
	if st.AvailableReplicas > st.ReadyReplicas {
		allErrs = append(allErrs, field.Invalid(p.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return allErrs
}

// Attrs adds status.replicas.
func (Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	rc := obj.(*corev1.ReplicationController)
	set := registry.ObjectMetaFields(rc, true)
	set["status.replicas"] = strconv.Itoa(int(rc.Status.Replicas))
	return labels.Set(rc.Labels), set, nil
}

// TableColumns are kubectl's replication controller columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Desired", Type: "integer", Description: corev1.ReplicationControllerSpec{}.SwaggerDoc()["replicas"]},
		{Name: "Current", Type: "integer", Description: corev1.ReplicationControllerStatus{}.SwaggerDoc()["replicas"]},
		{Name: "Ready", Type: "integer", Description: corev1.ReplicationControllerStatus{}.SwaggerDoc()["readyReplicas"]},
		columns.Age(),
		{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."},
		{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."},
		{Name: "Selector", Type: "string", Priority: 1, Description: corev1.ReplicationControllerSpec{}.SwaggerDoc()["selector"]},
	}
}

// TableRow prints desired, current and ready replicas.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	rc := obj.(*corev1.ReplicationController)
	desired := int64(0)
	if rc.Spec.Replicas != nil {
		desired = int64(*rc.Spec.Replicas)
	}
	var names, images string
	if rc.Spec.Template != nil {
		names, images = podspec.ContainerNamesAndImages(rc.Spec.Template.Spec.Containers)
	}
	return []interface{}{
		rc.Name, desired, int64(rc.Status.Replicas), int64(rc.Status.ReadyReplicas), columns.Since(rc.CreationTimestamp),
		names, images, labels.FormatLabels(rc.Spec.Selector),
	}, nil
}
