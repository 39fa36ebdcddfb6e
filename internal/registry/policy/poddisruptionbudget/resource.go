package poddisruptionbudget

import (
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns policy/v1 poddisruptionbudgets.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  policyv1.SchemeGroupVersion,
		Resource:      "poddisruptionbudgets",
		Kind:          "PodDisruptionBudget",
		Singular:      "poddisruptionbudget",
		ShortNames:    []string{"pdb"},
		Namespaced:    true,
		New:           func() runtime.Object { return &policyv1.PodDisruptionBudget{} },
		NewList:       func() runtime.Object { return &policyv1.PodDisruptionBudgetList{} },
		StoragePrefix: "/registry/policy/poddisruptionbudgets",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
