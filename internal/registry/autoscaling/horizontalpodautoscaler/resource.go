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
	strategy := NewStrategy()
	newObj := func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} }
	newList := func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscalerList{} }
	return []*registry.Resource{
		{
			GroupVersion:  autoscalingv2.SchemeGroupVersion,
			Resource:      "horizontalpodautoscalers",
			Kind:          "HorizontalPodAutoscaler",
			Singular:      "horizontalpodautoscaler",
			ShortNames:    []string{"hpa"},
			Categories:    []string{"all"},
			Namespaced:    true,
			New:           newObj,
			NewList:       newList,
			StoragePrefix: storagePrefix,
			Strategy:      strategy,
			Status:        true,
		},
		{
			GroupVersion:   autoscalingv1.SchemeGroupVersion,
			Resource:       "horizontalpodautoscalers",
			Kind:           "HorizontalPodAutoscaler",
			Singular:       "horizontalpodautoscaler",
			ShortNames:     []string{"hpa"},
			Categories:     []string{"all"},
			Namespaced:     true,
			New:            newObj,
			NewList:        newList,
			StoragePrefix:  storagePrefix,
			StorageVersion: autoscalingv2.SchemeGroupVersion,
			ToStorage:      ToStorage,
			FromStorage:    FromStorage,
			Strategy:       strategy,
			Status:         true,
		},
	}
}
