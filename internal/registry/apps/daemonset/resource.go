package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns apps/v1 daemonsets.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  appsv1.SchemeGroupVersion,
		Resource:      "daemonsets",
		Kind:          "DaemonSet",
		Singular:      "daemonset",
		ShortNames:    []string{"ds"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &appsv1.DaemonSet{} },
		NewList:       func() runtime.Object { return &appsv1.DaemonSetList{} },
		StoragePrefix: "/registry/apps/daemonsets",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
