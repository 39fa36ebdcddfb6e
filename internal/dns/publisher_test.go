package dns

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"

	"github.com/nauta/nauta/internal/server/servertest"
)

// runPublisher runs a Publisher until the returned stop is called (or the
// test ends) and waits for Run to return on stop.
func runPublisher(t *testing.T, rc *rest.Config, cfg PublishConfig) (stop func()) {
	t.Helper()
	p, err := NewPublisher(PublisherConfig{RESTConfig: rc, PublishConfig: cfg, Logger: servertest.Logger(t, slog.LevelWarn)})
	if err != nil {
		t.Fatalf("NewPublisher: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("publisher Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("publisher did not stop")
		}
	}
	t.Cleanup(stop)
	return stop
}

// eventually retries check for up to timeout.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func endpointIPs(ep *v1.Endpoints) []string {
	var ips []string
	for _, s := range ep.Subsets {
		for _, a := range s.Addresses {
			ips = append(ips, a.IP)
		}
	}
	slices.Sort(ips)
	return ips
}

func TestPublisher(t *testing.T) {
	rc := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(rc)
	ctx := context.Background()
	// A server that died without withdrawing: slice and address, no Lease.
	ghost := testSlice(ServiceNamespace, ServiceName, SliceName("ghost"), []testEndpoint{{ip: "10.0.0.99", ready: true}}, testPort(PortNameUDP, v1.ProtocolUDP, 10053))
	ghost.Labels[discovery.LabelManagedBy] = ManagedBy
	if _, err := client.DiscoveryV1().EndpointSlices(ServiceNamespace).Create(ctx, ghost, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ghostEP := &v1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: ServiceName, Namespace: ServiceNamespace},
		Subsets: []v1.EndpointSubset{{
			Addresses: []v1.EndpointAddress{{IP: "10.0.0.99"}},
			Ports:     []v1.EndpointPort{{Name: PortNameUDP, Protocol: v1.ProtocolUDP, Port: 10053}, {Name: PortNameTCP, Protocol: v1.ProtocolTCP, Port: 10053}},
		}},
	}
	if _, err := client.CoreV1().Endpoints(ServiceNamespace).Create(ctx, ghostEP, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	runPublisher(t, rc, PublishConfig{ServiceIP: "10.43.0.10", NodeName: "node-a", Address: "10.0.0.5", Port: 10053})

	var svc *v1.Service
	eventually(t, 10*time.Second, "kube-dns service", func() error {
		var err error
		svc, err = client.CoreV1().Services(ServiceNamespace).Get(ctx, ServiceName, metav1.GetOptions{})
		return err
	})
	t.Run("service", func(t *testing.T) {
		if svc.Spec.ClusterIP != "10.43.0.10" {
			t.Errorf("clusterIP %q", svc.Spec.ClusterIP)
		}
		if svc.Spec.Selector != nil {
			t.Errorf("selector %v, want none", svc.Spec.Selector)
		}
		for k, v := range ServiceLabels() {
			if svc.Labels[k] != v {
				t.Errorf("label %s=%q, want %q", k, svc.Labels[k], v)
			}
		}
		want := []v1.ServicePort{
			{Name: "dns", Protocol: v1.ProtocolUDP, Port: 53, TargetPort: intstr.FromInt32(10053)},
			{Name: "dns-tcp", Protocol: v1.ProtocolTCP, Port: 53, TargetPort: intstr.FromInt32(10053)},
		}
		if len(svc.Spec.Ports) != 2 {
			t.Fatalf("ports %v", svc.Spec.Ports)
		}
		for i, p := range want {
			got := svc.Spec.Ports[i]
			if got.Name != p.Name || got.Protocol != p.Protocol || got.Port != p.Port || got.TargetPort != p.TargetPort {
				t.Errorf("port %d = %+v, want %+v", i, got, p)
			}
		}
	})

	checkSlice := func(node, ip string, port int32) func() error {
		return func() error {
			s, err := client.DiscoveryV1().EndpointSlices(ServiceNamespace).Get(ctx, SliceName(node), metav1.GetOptions{})
			if err != nil {
				return err
			}
			if s.Labels[discovery.LabelServiceName] != ServiceName || s.Labels[discovery.LabelManagedBy] != ManagedBy {
				return fmt.Errorf("labels %v", s.Labels)
			}
			if len(s.Endpoints) != 1 || !slices.Equal(s.Endpoints[0].Addresses, []string{ip}) || s.Endpoints[0].NodeName == nil || *s.Endpoints[0].NodeName != node {
				return fmt.Errorf("endpoints %+v", s.Endpoints)
			}
			if len(s.Ports) != 2 || *s.Ports[0].Port != port || *s.Ports[0].Protocol != v1.ProtocolUDP || *s.Ports[1].Protocol != v1.ProtocolTCP {
				return fmt.Errorf("ports %+v", s.Ports)
			}
			if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].UID != svc.UID {
				return fmt.Errorf("owner %+v", s.OwnerReferences)
			}
			return nil
		}
	}
	checkEndpoints := func(want ...string) func() error {
		return func() error {
			ep, err := client.CoreV1().Endpoints(ServiceNamespace).Get(ctx, ServiceName, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if got := endpointIPs(ep); !slices.Equal(got, want) {
				return fmt.Errorf("addresses %v, want %v", got, want)
			}
			if ep.Labels[LabelSkipMirror] != "true" {
				return fmt.Errorf("labels %v", ep.Labels)
			}
			return nil
		}
	}
	eventually(t, 5*time.Second, "slice of node-a", checkSlice("node-a", "10.0.0.5", 10053))
	eventually(t, 5*time.Second, "endpoints with node-a, without the dead server", checkEndpoints("10.0.0.5"))
	eventually(t, 5*time.Second, "slice of the dead server removed", func() error {
		_, err := client.DiscoveryV1().EndpointSlices(ServiceNamespace).Get(ctx, SliceName("ghost"), metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("err = %v, want NotFound", err)
		}
		return nil
	})
	if _, err := client.CoordinationV1().Leases(ServiceNamespace).Get(ctx, SliceName("node-a"), metav1.GetOptions{}); err != nil {
		t.Errorf("lease of node-a: %v", err)
	}

	// A second server adds itself without removing the first.
	// It listens on another port: its slice says so, and the two do not
	// fight over the Service's targetPort.
	stopB := runPublisher(t, rc, PublishConfig{ServiceIP: "10.43.0.10", NodeName: "node-b", Address: "10.0.0.6", Port: 10054})
	eventually(t, 5*time.Second, "slice of node-b", checkSlice("node-b", "10.0.0.6", 10054))
	eventually(t, 5*time.Second, "endpoints with both", checkEndpoints("10.0.0.5", "10.0.0.6"))
	eventually(t, 5*time.Second, "slice of node-a kept", checkSlice("node-a", "10.0.0.5", 10053))
	before, err := client.CoreV1().Services(ServiceNamespace).Get(ctx, ServiceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	after, err := client.CoreV1().Services(ServiceNamespace).Get(ctx, ServiceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if before.ResourceVersion != after.ResourceVersion || after.Spec.Ports[0].TargetPort != intstr.FromInt32(10053) {
		t.Errorf("service rewritten by the second server: rv %s -> %s, ports %+v", before.ResourceVersion, after.ResourceVersion, after.Spec.Ports)
	}

	// Damage is repaired from watch events.
	if err := client.DiscoveryV1().EndpointSlices(ServiceNamespace).Delete(ctx, SliceName("node-a"), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "deleted slice re-created", checkSlice("node-a", "10.0.0.5", 10053))
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		ep, err := client.CoreV1().Endpoints(ServiceNamespace).Get(ctx, ServiceName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		ep.Subsets = nil
		_, err = client.CoreV1().Endpoints(ServiceNamespace).Update(ctx, ep, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "endpoints repaired", checkEndpoints("10.0.0.5", "10.0.0.6"))
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := client.CoreV1().Services(ServiceNamespace).Get(ctx, ServiceName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Spec.Ports[0].Port = 54
		cur.Spec.Ports = cur.Spec.Ports[:1]
		_, err = client.CoreV1().Services(ServiceNamespace).Update(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "service ports repaired", func() error {
		s, err := client.CoreV1().Services(ServiceNamespace).Get(ctx, ServiceName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(s.Spec.Ports) != 2 || s.Spec.Ports[0].Port != 53 || s.Spec.Ports[1].Name != PortNameTCP || s.Spec.Ports[0].TargetPort != intstr.FromInt32(10053) {
			return fmt.Errorf("ports %+v", s.Spec.Ports)
		}
		return nil
	})

	// A stopping server withdraws only itself.
	stopB()
	if _, err := client.DiscoveryV1().EndpointSlices(ServiceNamespace).Get(ctx, SliceName("node-b"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("slice of stopped node-b: err = %v, want NotFound", err)
	}
	eventually(t, 5*time.Second, "endpoints without node-b", checkEndpoints("10.0.0.5"))
	if _, err := client.CoordinationV1().Leases(ServiceNamespace).Get(ctx, SliceName("node-b"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("lease of stopped node-b: err = %v, want NotFound", err)
	}
	eventually(t, 5*time.Second, "slice of node-a kept", checkSlice("node-a", "10.0.0.5", 10053))
}

func TestServerPublishesItself(t *testing.T) {
	rc := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(rc)
	s, addr := startDNS(t, rc, Config{
		Upstreams: []string{"127.0.0.1:1"},
		ServiceIP: "10.43.0.10",
		Publish:   &PublishConfig{NodeName: "node-c", Address: "10.0.0.7"},
	})
	port := int32(s.Addrs()[0].(*net.UDPAddr).Port)
	eventually(t, 10*time.Second, "own slice", func() error {
		sl, err := client.DiscoveryV1().EndpointSlices(ServiceNamespace).Get(context.Background(), SliceName("node-c"), metav1.GetOptions{})
		if err != nil {
			return err
		}
		if *sl.Ports[0].Port != port {
			return fmt.Errorf("port %d, want the bound %d", *sl.Ports[0].Port, port)
		}
		return nil
	})
	waitFor(t, addr, "kube-dns.kube-system.svc.cluster.local.", mdns.TypeA, 5*time.Second, func(m *mdns.Msg) bool {
		return slices.Equal(rrStrings(m.Answer), []string{"A 10.43.0.10"})
	})
	waitFor(t, addr, "ns.dns.cluster.local.", mdns.TypeA, time.Second, func(m *mdns.Msg) bool {
		return slices.Equal(rrStrings(m.Answer), []string{"A 10.43.0.10"})
	})
	resp := query(t, addr, "udp", "cluster.local.", mdns.TypeNS, false)
	if got := rrStrings(resp.Answer); !slices.Equal(got, []string{"NS ns.dns.cluster.local."}) {
		t.Errorf("NS %v", got)
	}
	if got := rrStrings(resp.Extra); !slices.Equal(got, []string{"A 10.43.0.10"}) {
		t.Errorf("NS glue %v", got)
	}
	// The endpoints resolve too: 10-0-0-7.kube-dns...
	waitFor(t, addr, "10-0-0-7.kube-dns.kube-system.svc.cluster.local.", mdns.TypeA, time.Second, func(m *mdns.Msg) bool {
		return slices.Equal(rrStrings(m.Answer), []string{"A 10.0.0.7"})
	})
}

func TestLeaseExpired(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	lease := func(renewed time.Duration, seconds int32) *coordinationv1.Lease {
		rt := metav1.NewMicroTime(now.Add(-renewed))
		return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &rt, LeaseDurationSeconds: &seconds}}
	}
	tests := []struct {
		name  string
		lease *coordinationv1.Lease
		want  bool
	}{
		{"missing", nil, true},
		{"never renewed", &coordinationv1.Lease{}, true},
		{"fresh", lease(5*time.Second, 40), false},
		{"at the edge", lease(40*time.Second, 40), false},
		{"expired", lease(41*time.Second, 40), true},
		{"longer duration", lease(50*time.Second, 60), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := leaseExpired(tt.lease, now); got != tt.want {
				t.Errorf("leaseExpired = %v, want %v", got, tt.want)
			}
		})
	}
}
