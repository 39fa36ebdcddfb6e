package controllerrevision

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns apps/v1 controllerrevisions.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  appsv1.SchemeGroupVersion,
		Resource:      "controllerrevisions",
		Kind:          "ControllerRevision",
		Singular:      "controllerrevision",
		Namespaced:    true,
		New:           func() runtime.Object { return &appsv1.ControllerRevision{} },
		NewList:       func() runtime.Object { return &appsv1.ControllerRevisionList{} },
		StoragePrefix: "/registry/apps/controllerrevisions",
		Strategy:      NewStrategy(),
	}}
}
