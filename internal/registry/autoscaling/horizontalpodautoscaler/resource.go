package horizontalpodautoscaler

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// storagePrefix is shared by both served versions.
const storagePrefix = "/registry/autoscaling/horizontalpodautoscalers"

// Resources returns horizontalpodautoscalers at autoscaling/v2 (stored)
// and autoscaling/v1 (converted).
func Resources() []*registry.Resource {
	v2 := &registry.Resource{
		GroupVersion:  autoscalingv2.SchemeGroupVersion,
		Resource:      "horizontalpodautoscalers",
		Kind:          "HorizontalPodAutoscaler",
		Singular:      "horizontalpodautoscaler",
		ShortNames:    []string{"hpa"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
		NewList:       func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscalerList{} },
		StoragePrefix: storagePrefix,
		Strategy:      NewStrategy(),
		Status:        true,
	}
	// v1 is the same resource served from the v2 storage through conversion.
	v1 := *v2
	v1.GroupVersion = autoscalingv1.SchemeGroupVersion
	v1.StorageVersion = autoscalingv2.SchemeGroupVersion
	v1.ToStorage = ToStorage
	v1.FromStorage = FromStorage
	return []*registry.Resource{v2, &v1}
}
