package workload

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
)

// ScaleFields points at where a replicated workload keeps what its /scale
// subresource reads and writes.
type ScaleFields struct {
	// SpecReplicas is the address of spec.replicas (nil means 1).
	SpecReplicas **int32
	// StatusReplicas is status.replicas.
	StatusReplicas int32
	// Selector is spec.selector.
	Selector *metav1.LabelSelector
}

// ScaleAccess builds the /scale access for a kind of type T whose fields
// returns its ScaleFields.
func ScaleAccess[T runtime.Object](fields func(T) ScaleFields) *registry.ScaleAccess {
	return &registry.ScaleAccess{
		SpecReplicas:    func(obj runtime.Object) int32 { return ptr.Deref(*fields(obj.(T)).SpecReplicas, 1) },
		SetSpecReplicas: func(obj runtime.Object, n int32) { *fields(obj.(T)).SpecReplicas = ptr.To(n) },
		StatusReplicas:  func(obj runtime.Object) int32 { return fields(obj.(T)).StatusReplicas },
		Selector:        func(obj runtime.Object) string { return SelectorString(fields(obj.(T)).Selector) },
	}
}
