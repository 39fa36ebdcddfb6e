package pod

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// Strategy is the pods strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the pods strategy: status subresource, generation
// tracked (as upstream since 1.33), namespaced.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

var _ registry.Strategy = Strategy{}

// PrepareForCreate replaces any client-sent status by phase Pending and the
// computed QoS class, sets generation 1, and records scheduling gates in
// the PodScheduled condition.
func (s Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.BaseStrategy.PrepareForCreate(ctx, obj)
	pod := obj.(*corev1.Pod)
	pod.Status = corev1.PodStatus{
		Phase:    corev1.PodPending,
		QOSClass: podspec.QOSClass(&pod.Spec),
	}
	if len(pod.Spec.SchedulingGates) > 0 {
		pod.Status.Conditions = []corev1.PodCondition{{
			Type:    corev1.PodScheduled,
			Status:  corev1.ConditionFalse,
			Reason:  corev1.PodReasonSchedulingGated,
			Message: "Scheduling is blocked due to non-empty scheduling gates",
		}}
	}
}

// PrepareForStatusUpdate keeps the spec, owner references and deletion
// timestamp of the stored pod; a status writer (the kubelet) may change
// labels and annotations. An empty QoS class is backfilled.
func (s Strategy) PrepareForStatusUpdate(ctx context.Context, obj, old runtime.Object) {
	s.BaseStrategy.PrepareForStatusUpdate(ctx, obj, old)
	pod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
	pod.DeletionTimestamp = oldPod.DeletionTimestamp
	pod.OwnerReferences = oldPod.OwnerReferences
	if pod.Status.QOSClass == "" {
		pod.Status.QOSClass = oldPod.Status.QOSClass
	}
}

// AllowUnconditionalUpdate is true, as upstream.
func (Strategy) AllowUnconditionalUpdate() bool { return true }
