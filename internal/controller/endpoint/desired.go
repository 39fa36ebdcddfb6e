package endpoint

import (
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// DesiredSubsets computes the subsets of a Service's Endpoints from the
// pods its selector matches. Ports are resolved per pod, so pods whose named
// targetPorts resolve differently land in different subsets. The result is
// sorted (subsets by ports, addresses by IP) so that equal inputs give equal
// output and an unchanged Service causes no write.
func DesiredSubsets(svc *v1.Service, pods []*v1.Pod) []v1.EndpointSubset {
	tolerateUnready := svc.Spec.PublishNotReadyAddresses
	headless := svc.Spec.ClusterIP == v1.ClusterIPNone

	type group struct {
		ports    []v1.EndpointPort
		ready    []v1.EndpointAddress
		notReady []v1.EndpointAddress
	}
	groups := map[string]*group{}
	add := func(ports []v1.EndpointPort, addr v1.EndpointAddress, ready bool) {
		key := portsKey(ports)
		g := groups[key]
		if g == nil {
			g = &group{ports: ports}
			groups[key] = g
		}
		if ready {
			g.ready = append(g.ready, addr)
		} else {
			g.notReady = append(g.notReady, addr)
		}
	}

	for _, pod := range pods {
		if !ShouldPodBeInEndpoints(pod, tolerateUnready) {
			continue
		}
		ip := podIPv4OrFirst(pod)
		if ip == "" {
			continue
		}
		addr := v1.EndpointAddress{
			IP:       ip,
			Hostname: PodHostname(pod, svc),
			TargetRef: &v1.ObjectReference{
				Kind:      "Pod",
				Namespace: pod.Namespace,
				Name:      pod.Name,
				UID:       pod.UID,
			},
		}
		if pod.Spec.NodeName != "" {
			node := pod.Spec.NodeName
			addr.NodeName = &node
		}
		ready := tolerateUnready || PodReady(pod)

		if len(svc.Spec.Ports) == 0 {
			// A headless Service without ports still publishes addresses.
			if headless {
				add(nil, addr, ready)
			}
			continue
		}
		var ports []v1.EndpointPort
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			num, err := FindPort(pod, sp)
			if err != nil {
				continue
			}
			ports = append(ports, v1.EndpointPort{
				Name:        sp.Name,
				Port:        num,
				Protocol:    protocolOrTCP(sp.Protocol),
				AppProtocol: sp.AppProtocol,
			})
		}
		if len(ports) == 0 {
			continue
		}
		add(ports, addr, ready)
	}

	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var subsets []v1.EndpointSubset
	for _, k := range keys {
		g := groups[k]
		sortAddresses(g.ready)
		sortAddresses(g.notReady)
		ports := append([]v1.EndpointPort(nil), g.ports...)
		sort.Slice(ports, func(i, j int) bool { return portKey(ports[i]) < portKey(ports[j]) })
		subsets = append(subsets, v1.EndpointSubset{
			Addresses:         g.ready,
			NotReadyAddresses: g.notReady,
			Ports:             ports,
		})
	}
	return subsets
}

// podIPv4OrFirst picks the pod's IPv4 address when it has one (Endpoints is
// single-stack), else its primary IP.
func podIPv4OrFirst(pod *v1.Pod) string {
	for _, ip := range pod.Status.PodIPs {
		if !strings.Contains(ip.IP, ":") {
			return ip.IP
		}
	}
	return pod.Status.PodIP
}

func sortAddresses(addrs []v1.EndpointAddress) {
	sort.Slice(addrs, func(i, j int) bool {
		if addrs[i].IP != addrs[j].IP {
			return addrs[i].IP < addrs[j].IP
		}
		return targetName(addrs[i]) < targetName(addrs[j])
	})
}

func targetName(a v1.EndpointAddress) string {
	if a.TargetRef == nil {
		return ""
	}
	return a.TargetRef.Name
}

func portKey(p v1.EndpointPort) string {
	app := ""
	if p.AppProtocol != nil {
		app = *p.AppProtocol
	}
	return fmt.Sprintf("%s/%d/%s/%s", p.Name, p.Port, p.Protocol, app)
}

func portsKey(ports []v1.EndpointPort) string {
	keys := make([]string, len(ports))
	for i, p := range ports {
		keys[i] = portKey(p)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}
