package service

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the services strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the services strategy (status subresource).
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true}}
}

var _ registry.Strategy = Strategy{}

// PrepareForCreate clears status, mirrors clusterIP into clusterIPs and
// fills the IP family fields for services that get a cluster IP.
func (s Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.BaseStrategy.PrepareForCreate(ctx, obj)
	svc := obj.(*corev1.Service)
	if svc.Spec.ClusterIP != "" && len(svc.Spec.ClusterIPs) == 0 {
		svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
	}
	initIPFamilies(svc)
}

// PrepareForUpdate keeps status, keeps the cluster IPs, node ports and IP
// families allocated earlier when the client left them out, and drops
// fields the new type no longer uses.
func (s Strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s.BaseStrategy.PrepareForUpdate(ctx, obj, old)
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	normalizeClusterIPs(svc, oldSvc)
	patchAllocatedValues(svc, oldSvc)
	dropTypeDependentFields(svc, oldSvc)
	initIPFamilies(svc)
}

// Attrs adds spec.clusterIP and spec.type to the metadata fields.
func (Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	svc := obj.(*corev1.Service)
	set := registry.ObjectMetaFields(svc, true)
	set["spec.clusterIP"] = svc.Spec.ClusterIP
	set["spec.type"] = string(svc.Spec.Type)
	return labels.Set(svc.Labels), set, nil
}
