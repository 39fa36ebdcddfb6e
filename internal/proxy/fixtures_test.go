package proxy

import (
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const testNode = "node1"

// svcOpt changes a test Service.
type svcOpt func(*v1.Service)

func newService(ns, name, clusterIP string, ports []v1.ServicePort, opts ...svcOpt) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.ServiceSpec{
			Type:       v1.ServiceTypeClusterIP,
			ClusterIP:  clusterIP,
			ClusterIPs: []string{clusterIP},
			Ports:      ports,
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func tcpPort(name string, port, target, nodePort int32) v1.ServicePort {
	return v1.ServicePort{Name: name, Protocol: v1.ProtocolTCP, Port: port, TargetPort: intstr.FromInt32(target), NodePort: nodePort}
}

func udpPort(name string, port, target int32) v1.ServicePort {
	return v1.ServicePort{Name: name, Protocol: v1.ProtocolUDP, Port: port, TargetPort: intstr.FromInt32(target)}
}

func withType(t v1.ServiceType) svcOpt { return func(s *v1.Service) { s.Spec.Type = t } }

func withAffinity(seconds int32) svcOpt {
	return func(s *v1.Service) {
		s.Spec.SessionAffinity = v1.ServiceAffinityClientIP
		s.Spec.SessionAffinityConfig = &v1.SessionAffinityConfig{ClientIP: &v1.ClientIPConfig{TimeoutSeconds: &seconds}}
	}
}

func withExternalLocal() svcOpt {
	return func(s *v1.Service) { s.Spec.ExternalTrafficPolicy = v1.ServiceExternalTrafficPolicyLocal }
}

func withInternalLocal() svcOpt {
	return func(s *v1.Service) {
		p := v1.ServiceInternalTrafficPolicyLocal
		s.Spec.InternalTrafficPolicy = &p
	}
}

func withSourceRanges(r ...string) svcOpt {
	return func(s *v1.Service) { s.Spec.LoadBalancerSourceRanges = r }
}

func withExternalIPs(ips ...string) svcOpt { return func(s *v1.Service) { s.Spec.ExternalIPs = ips } }

func withIngress(ips ...string) svcOpt {
	return func(s *v1.Service) {
		for _, ip := range ips {
			s.Status.LoadBalancer.Ingress = append(s.Status.LoadBalancer.Ingress, v1.LoadBalancerIngress{IP: ip})
		}
	}
}

// testEP is one endpoint of a test slice.
type testEP struct {
	IP          string
	Node        string
	NotReady    bool
	Terminating bool
}

func newSlice(ns, svc, suffix, portName string, proto v1.Protocol, port int32, eps ...testEP) *discovery.EndpointSlice {
	s := &discovery.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: svc + "-" + suffix,
			Labels: map[string]string{discovery.LabelServiceName: svc},
		},
		AddressType: discovery.AddressTypeIPv4,
		Ports:       []discovery.EndpointPort{{Name: &portName, Protocol: &proto, Port: &port}},
	}
	for _, e := range eps {
		ready := !e.NotReady && !e.Terminating
		serving := !e.NotReady
		term := e.Terminating
		node := e.Node
		if node == "" {
			node = testNode
		}
		s.Endpoints = append(s.Endpoints, discovery.Endpoint{
			Addresses:  []string{e.IP},
			Conditions: discovery.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &term},
			NodeName:   &node,
		})
	}
	return s
}

// fixture is one Service with its slices.
type fixture struct {
	svc    *v1.Service
	slices []*discovery.EndpointSlice
}

// goldenFixtures covers every kind of Service the generators handle.
func goldenFixtures() []fixture {
	return []fixture{
		{newService("ns1", "web", "10.43.0.10", []v1.ServicePort{tcpPort("http", 80, 8080, 0)}),
			[]*discovery.EndpointSlice{newSlice("ns1", "web", "a", "http", v1.ProtocolTCP, 8080,
				testEP{IP: "10.42.0.11"}, testEP{IP: "10.42.0.12"}, testEP{IP: "10.42.0.13", NotReady: true})}},
		{newService("ns1", "empty", "10.43.0.11", []v1.ServicePort{tcpPort("http", 80, 8080, 0)}), nil},
		{newService("ns1", "np", "10.43.0.12", []v1.ServicePort{tcpPort("http", 80, 8080, 30080)}, withType(v1.ServiceTypeNodePort)),
			[]*discovery.EndpointSlice{newSlice("ns1", "np", "a", "http", v1.ProtocolTCP, 8080,
				testEP{IP: "10.42.0.11"}, testEP{IP: "10.42.0.12"})}},
		{newService("ns1", "lb", "10.43.0.13", []v1.ServicePort{tcpPort("https", 443, 8443, 30443)},
			withType(v1.ServiceTypeLoadBalancer), withExternalLocal(), withExternalIPs("192.168.77.50"), withIngress("192.168.77.100"),
			withSourceRanges("192.168.0.0/16", "10.1.0.0/24")),
			[]*discovery.EndpointSlice{newSlice("ns1", "lb", "a", "https", v1.ProtocolTCP, 8443,
				testEP{IP: "10.42.0.11"}, testEP{IP: "10.42.1.21", Node: "node2"})}},
		{newService("ns1", "sticky", "10.43.0.14", []v1.ServicePort{tcpPort("http", 80, 8080, 30081)}, withType(v1.ServiceTypeNodePort), withAffinity(60)),
			[]*discovery.EndpointSlice{newSlice("ns1", "sticky", "a", "http", v1.ProtocolTCP, 8080,
				testEP{IP: "10.42.0.11"}, testEP{IP: "10.42.0.12"})}},
		{newService("ns1", "dns", "10.43.0.15", []v1.ServicePort{udpPort("dns", 53, 5353)}, withInternalLocal()),
			[]*discovery.EndpointSlice{newSlice("ns1", "dns", "a", "dns", v1.ProtocolUDP, 5353,
				testEP{IP: "10.42.0.11"}, testEP{IP: "10.42.1.21", Node: "node2"})}},
		{newService("ns1", "draining", "10.43.0.16", []v1.ServicePort{tcpPort("", 80, 8080, 0)}),
			[]*discovery.EndpointSlice{newSlice("ns1", "draining", "a", "", v1.ProtocolTCP, 8080,
				testEP{IP: "10.42.0.14", Terminating: true})}},
		{newService("ns1", "lbnolocal", "10.43.0.17", []v1.ServicePort{tcpPort("http", 80, 8080, 30082)},
			withType(v1.ServiceTypeLoadBalancer), withExternalLocal(), withIngress("192.168.77.101")),
			[]*discovery.EndpointSlice{newSlice("ns1", "lbnolocal", "a", "http", v1.ProtocolTCP, 8080,
				testEP{IP: "10.42.1.21", Node: "node2"})}},
		{newService("ns1", "headless", "None", []v1.ServicePort{tcpPort("http", 80, 8080, 0)}), nil},
		{&v1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "ext"}, Spec: v1.ServiceSpec{Type: v1.ServiceTypeExternalName, ExternalName: "example.com"}}, nil},
	}
}

var goldenParams = nftParams{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.43.0.0/16", NodeIPs: []string{"192.168.77.1"}}
