package endpoint

import (
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// PodReady says whether the pod's Ready condition is True.
func PodReady(pod *v1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == v1.PodReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

// ShouldPodBeInEndpoints says whether a pod may be listed at all: it has an
// IP, is not finished, and is not terminating unless includeTerminating.
func ShouldPodBeInEndpoints(pod *v1.Pod, includeTerminating bool) bool {
	if pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
		return false
	}
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	if pod.DeletionTimestamp != nil && !includeTerminating {
		return false
	}
	return true
}

// FindPort resolves a Service port's targetPort against one pod: a number is
// used as is (0 means the service port), a name is looked up in the pod's
// container ports with the same protocol.
func FindPort(pod *v1.Pod, port *v1.ServicePort) (int32, error) {
	target := port.TargetPort
	if target.Type == intstr.String {
		name := target.StrVal
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == name && protocolOrTCP(p.Protocol) == protocolOrTCP(port.Protocol) {
					return p.ContainerPort, nil
				}
			}
		}
		return 0, fmt.Errorf("no suitable port for manifest: %s", pod.UID)
	}
	if target.IntVal == 0 {
		return port.Port, nil
	}
	return target.IntVal, nil
}

func protocolOrTCP(p v1.Protocol) v1.Protocol {
	if p == "" {
		return v1.ProtocolTCP
	}
	return p
}

// PodHostname returns the DNS hostname a pod gets in the Service's
// endpoints: only when its subdomain names this Service.
func PodHostname(pod *v1.Pod, svc *v1.Service) string {
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace {
		return pod.Spec.Hostname
	}
	return ""
}

// Selectable says whether the controllers manage endpoints for svc: it needs
// a selector and must not be an ExternalName Service.
func Selectable(svc *v1.Service) bool {
	return svc.Spec.Selector != nil && svc.Spec.Type != v1.ServiceTypeExternalName
}

// ServiceKeysForPod lists the "namespace/name" keys of the Services in the
// pod's namespace whose selector matches the pod's labels.
func ServiceKeysForPod(services corelisters.ServiceLister, pod *v1.Pod) []string {
	list, err := services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var keys []string
	for _, svc := range list {
		if !Selectable(svc) {
			continue
		}
		if labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			keys = append(keys, svc.Namespace+"/"+svc.Name)
		}
	}
	return keys
}

// PodChangeTime is the latest moment something that endpoints reflect
// changed on the pod: creation, the Ready condition's transition, or the
// start of its deletion. It feeds the last-change-trigger-time annotation.
func PodChangeTime(pod *v1.Pod) time.Time {
	t := pod.CreationTimestamp.Time
	for _, c := range pod.Status.Conditions {
		if c.Type == v1.PodReady && c.LastTransitionTime.After(t) {
			t = c.LastTransitionTime.Time
		}
	}
	if pod.DeletionTimestamp != nil && pod.DeletionTimestamp.After(t) {
		t = pod.DeletionTimestamp.Time
	}
	return t
}

// TriggerTime is the latest change time over the Service and its pods.
func TriggerTime(svc *v1.Service, pods []*v1.Pod) time.Time {
	t := svc.CreationTimestamp.Time
	for _, p := range pods {
		if pt := PodChangeTime(p); pt.After(t) {
			t = pt
		}
	}
	return t
}
