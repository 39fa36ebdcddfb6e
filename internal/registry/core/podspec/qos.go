package podspec

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// QOSClass computes a pod's quality of service class from the cpu and
// memory requests and limits of its containers (and pod-level resources):
// BestEffort when none are set, Guaranteed when every container limits both
// cpu and memory with requests equal to limits, Burstable otherwise.
func QOSClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	if spec.Resources != nil && (len(qosList(spec.Resources.Requests)) > 0 || len(qosList(spec.Resources.Limits)) > 0) {
		return qosOf([]corev1.ResourceRequirements{*spec.Resources})
	}
	var all []corev1.ResourceRequirements
	for _, c := range spec.Containers {
		all = append(all, c.Resources)
	}
	for _, c := range spec.InitContainers {
		all = append(all, c.Resources)
	}
	return qosOf(all)
}

func qosOf(all []corev1.ResourceRequirements) corev1.PodQOSClass {
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	guaranteed := true
	for _, r := range all {
		for name, q := range qosList(r.Requests) {
			if cur, ok := requests[name]; ok {
				q.Add(cur)
			}
			requests[name] = q
		}
		lim := qosList(r.Limits)
		for name, q := range lim {
			if cur, ok := limits[name]; ok {
				q.Add(cur)
			}
			limits[name] = q
		}
		if len(lim) != 2 {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed {
		for name, req := range requests {
			if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
				guaranteed = false
				break
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// qosList keeps the non-zero cpu and memory entries of l.
func qosList(l corev1.ResourceList) map[corev1.ResourceName]resource.Quantity {
	out := map[corev1.ResourceName]resource.Quantity{}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := l[name]; ok && q.Sign() > 0 {
			out[name] = q.DeepCopy()
		}
	}
	return out
}
