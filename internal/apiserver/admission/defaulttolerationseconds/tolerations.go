package defaulttolerationseconds

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/admission"
)

// PluginName is the plugin's name, as upstream's --enable-admission-plugins
// spells it.
const PluginName = "DefaultTolerationSeconds"

// DefaultSeconds is upstream's default for both
// --default-not-ready-toleration-seconds and
// --default-unreachable-toleration-seconds.
const DefaultSeconds int64 = 300

var podsResource = schema.GroupResource{Resource: "pods"}

// Plugin adds the default NoExecute tolerations to new pods.
type Plugin struct {
	notReady    corev1.Toleration
	unreachable corev1.Toleration
}

var _ admission.Mutator = (*Plugin)(nil)

// New returns the plugin tolerating not-ready nodes for notReadySeconds and
// unreachable nodes for unreachableSeconds.
func New(notReadySeconds, unreachableSeconds int64) *Plugin {
	return &Plugin{
		notReady: corev1.Toleration{
			Key:               corev1.TaintNodeNotReady,
			Operator:          corev1.TolerationOpExists,
			Effect:            corev1.TaintEffectNoExecute,
			TolerationSeconds: &notReadySeconds,
		},
		unreachable: corev1.Toleration{
			Key:               corev1.TaintNodeUnreachable,
			Operator:          corev1.TolerationOpExists,
			Effect:            corev1.TaintEffectNoExecute,
			TolerationSeconds: &unreachableSeconds,
		},
	}
}

// Admit implements admission.Mutator.
func (p *Plugin) Admit(_ context.Context, attrs *admission.Attributes) error {
	if attrs.Operation != admission.Create || attrs.Subresource != "" || attrs.Resource.GroupResource() != podsResource {
		return nil
	}
	pod, ok := attrs.Object.(*corev1.Pod)
	if !ok {
		return nil
	}
	pod.Spec.Tolerations = withDefaults(pod.Spec.Tolerations, p.notReady, p.unreachable)
	return nil
}

// withDefaults appends each default the existing tolerations do not
// already cover for its taint key with the NoExecute effect.
func withDefaults(existing []corev1.Toleration, defaults ...corev1.Toleration) []corev1.Toleration {
	out := existing
	for _, d := range defaults {
		if tolerates(existing, d.Key) {
			continue
		}
		d := d
		secs := *d.TolerationSeconds
		d.TolerationSeconds = &secs
		out = append(out, d)
	}
	return out
}

// tolerates reports whether a toleration already addresses NoExecute
// taints with key (an empty key with Exists tolerates every key, an empty
// effect every effect), as upstream decides it.
func tolerates(tolerations []corev1.Toleration, key string) bool {
	for _, t := range tolerations {
		if t.Effect != "" && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if t.Key == key || (t.Key == "" && t.Operator == corev1.TolerationOpExists) {
			return true
		}
	}
	return false
}
