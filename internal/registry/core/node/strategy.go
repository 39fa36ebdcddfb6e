package node

import (
	"context"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the nodes strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the nodes strategy (cluster-scoped, status).
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, ClusterScoped: true}}
}

var _ registry.Strategy = Strategy{}

// Default keeps podCIDR and podCIDRs consistent and defaults allocatable
// to capacity.
func (Strategy) Default(obj runtime.Object) {
	n := obj.(*corev1.Node)
	if len(n.Spec.PodCIDRs) == 0 && n.Spec.PodCIDR != "" {
		n.Spec.PodCIDRs = []string{n.Spec.PodCIDR}
	}
	if len(n.Spec.PodCIDRs) > 0 {
		n.Spec.PodCIDR = n.Spec.PodCIDRs[0]
	}
	if n.Status.Allocatable == nil && len(n.Status.Capacity) > 0 {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
}

// PrepareForCreate keeps the status a kubelet registers with: unlike most
// kinds, node status is accepted on create.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// Attrs adds spec.unschedulable ("true"/"false").
func (Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	n := obj.(*corev1.Node)
	set := registry.ObjectMetaFields(n, false)
	set["spec.unschedulable"] = strconv.FormatBool(n.Spec.Unschedulable)
	return labels.Set(n.Labels), set, nil
}
