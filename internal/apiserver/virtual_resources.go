package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/registry"
)

var coreV1 = schema.GroupVersion{Version: "v1"}

// withVirtualResources returns resources plus those the REST handlers serve
// without a registry entry, so discovery lists them and routing lets them
// through: core/v1 bindings (POST binds the pod the body names) whenever
// pods are served. These extra entries carry names only; they are never
// handed to the handlers.
func withVirtualResources(resources []*registry.Resource) []*registry.Resource {
	served := map[schema.GroupVersionResource]bool{}
	for _, r := range resources {
		served[r.GroupVersionResource()] = true
	}
	out := append([]*registry.Resource(nil), resources...)
	if served[coreV1.WithResource("pods")] && !served[coreV1.WithResource("bindings")] {
		out = append(out, &registry.Resource{
			GroupVersion: coreV1,
			Resource:     "bindings",
			Kind:         "Binding",
			Singular:     "binding",
			Namespaced:   true,
			Verbs:        []string{"create"},
		})
	}
	return out
}
