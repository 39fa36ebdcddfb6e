package priorityclass

import (
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns scheduling.k8s.io/v1 priorityclasses.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  schedulingv1.SchemeGroupVersion,
		Resource:      "priorityclasses",
		Kind:          "PriorityClass",
		Singular:      "priorityclass",
		ShortNames:    []string{"pc"},
		New:           func() runtime.Object { return &schedulingv1.PriorityClass{} },
		NewList:       func() runtime.Object { return &schedulingv1.PriorityClassList{} },
		StoragePrefix: "/registry/scheduling.k8s.io/priorityclasses",
		Strategy:      NewStrategy(),
	}}
}
