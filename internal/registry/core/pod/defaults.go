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
	// spec.priority and spec.preemptionPolicy come from the Priority
	// admission plugin (internal/apiserver/admission/priority), as upstream.
}
