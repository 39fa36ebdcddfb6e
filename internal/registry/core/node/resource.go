package node

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 nodes resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "nodes",
		Kind:          "Node",
		Singular:      "node",
		ShortNames:    []string{"no"},
		Namespaced:    false,
		New:           func() runtime.Object { return &corev1.Node{} },
		NewList:       func() runtime.Object { return &corev1.NodeList{} },
		StoragePrefix: "/registry/nodes",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
