package endpointslice

import (
	"fmt"
	"net"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"

	"github.com/nauta/nauta/internal/controller/endpoint"
)

// group is the wanted endpoints of one address type and one resolved port
// set: they share slices.
type group struct {
	addressType discovery.AddressType
	ports       []discovery.EndpointPort
	// endpoints by their address.
	endpoints map[string]discovery.Endpoint
}

// groupKey identifies a group; slices are matched to groups by it.
func groupKey(addressType discovery.AddressType, ports []discovery.EndpointPort) string {
	keys := make([]string, len(ports))
	for i, p := range ports {
		keys[i] = portKey(p)
	}
	sort.Strings(keys)
	return string(addressType) + "|" + strings.Join(keys, ",")
}

func portKey(p discovery.EndpointPort) string {
	var name, proto, app string
	var port int32
	if p.Name != nil {
		name = *p.Name
	}
	if p.Protocol != nil {
		proto = string(*p.Protocol)
	}
	if p.AppProtocol != nil {
		app = *p.AppProtocol
	}
	if p.Port != nil {
		port = *p.Port
	}
	return fmt.Sprintf("%s/%d/%s/%s", name, port, proto, app)
}

// addressTypes are the families the Service asks for; IPv4 when it says
// nothing.
func addressTypes(svc *v1.Service) []discovery.AddressType {
	var out []discovery.AddressType
	for _, f := range svc.Spec.IPFamilies {
		switch f {
		case v1.IPv4Protocol:
			out = append(out, discovery.AddressTypeIPv4)
		case v1.IPv6Protocol:
			out = append(out, discovery.AddressTypeIPv6)
		}
	}
	if len(out) == 0 {
		out = []discovery.AddressType{discovery.AddressTypeIPv4}
	}
	return out
}

// podIP returns the pod's address of the family, or "".
func podIP(pod *v1.Pod, at discovery.AddressType) string {
	ips := []string{pod.Status.PodIP}
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip == nil {
			continue
		}
		if (ip.To4() != nil) == (at == discovery.AddressTypeIPv4) {
			return s
		}
	}
	return ""
}

// desiredGroups computes the wanted endpoints of svc from its pods, grouped
// by address type and resolved ports. zoneOf maps a node name to its zone
// ("" when unknown).
func desiredGroups(svc *v1.Service, pods []*v1.Pod, zoneOf func(string) string) map[string]*group {
	groups := map[string]*group{}
	for _, pod := range pods {
		if !endpoint.ShouldPodBeInEndpoints(pod, true) {
			continue
		}
		ports := podPorts(svc, pod)
		if len(svc.Spec.Ports) > 0 && len(ports) == 0 {
			continue
		}
		podReady := endpoint.PodReady(pod)
		terminating := pod.DeletionTimestamp != nil
		ready := svc.Spec.PublishNotReadyAddresses || (podReady && !terminating)
		serving := svc.Spec.PublishNotReadyAddresses || podReady
		for _, at := range addressTypes(svc) {
			ip := podIP(pod, at)
			if ip == "" {
				continue
			}
			ep := discovery.Endpoint{
				Addresses: []string{ip},
				Conditions: discovery.EndpointConditions{
					Ready:       ptr(ready),
					Serving:     ptr(serving),
					Terminating: ptr(terminating),
				},
				TargetRef: &v1.ObjectReference{
					Kind:      "Pod",
					Namespace: pod.Namespace,
					Name:      pod.Name,
					UID:       pod.UID,
				},
			}
			if h := endpoint.PodHostname(pod, svc); h != "" {
				ep.Hostname = ptr(h)
			}
			if pod.Spec.NodeName != "" {
				ep.NodeName = ptr(pod.Spec.NodeName)
				if zone := zoneOf(pod.Spec.NodeName); zone != "" {
					ep.Zone = ptr(zone)
				}
			}
			key := groupKey(at, ports)
			g := groups[key]
			if g == nil {
				g = &group{addressType: at, ports: ports, endpoints: map[string]discovery.Endpoint{}}
				groups[key] = g
			}
			g.endpoints[ip] = ep
		}
	}
	return groups
}

// podPorts resolves the Service's ports against one pod; ports that do not
// resolve (a named targetPort the pod lacks) are left out.
func podPorts(svc *v1.Service, pod *v1.Pod) []discovery.EndpointPort {
	var out []discovery.EndpointPort
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		num, err := endpoint.FindPort(pod, sp)
		if err != nil {
			continue
		}
		proto := sp.Protocol
		if proto == "" {
			proto = v1.ProtocolTCP
		}
		out = append(out, discovery.EndpointPort{
			Name:        ptr(sp.Name),
			Port:        ptr(num),
			Protocol:    ptr(proto),
			AppProtocol: sp.AppProtocol,
		})
	}
	return out
}

func ptr[T any](v T) *T { return &v }
