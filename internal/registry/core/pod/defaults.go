package pod

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// DefaultServiceAccountName is the service account a pod runs as when it
// names none.
const DefaultServiceAccountName = "default"

// Default fills the pod spec defaults, requests from limits, and what
// upstream's ServiceAccount and Priority admission add to every pod: the
// "default" service account (mirrored into the deprecated serviceAccount
// field) and priority 0 with PreemptLowerPriority when no priority class
// is named.
func (Strategy) Default(obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	podspec.DefaultPod(pod)
	spec := &pod.Spec
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = spec.DeprecatedServiceAccount
	}
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = DefaultServiceAccountName
	}
	if spec.DeprecatedServiceAccount == "" {
		spec.DeprecatedServiceAccount = spec.ServiceAccountName
	}
	if spec.PriorityClassName == "" {
		if spec.Priority == nil {
			p := int32(0)
			spec.Priority = &p
		}
		if spec.PreemptionPolicy == nil {
			pp := corev1.PreemptLowerPriority
			spec.PreemptionPolicy = &pp
		}
	}
}
