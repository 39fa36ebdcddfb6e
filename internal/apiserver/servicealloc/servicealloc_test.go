package servicealloc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
)

type fixture struct {
	raw   storage.Interface
	alloc *Allocator
	svcs  storage.Interface
}

func newFixture(t *testing.T, cidr, ports string) *fixture {
	t.Helper()
	raw := storage.NewStore(storagetest.StartEtcd(t))
	a, err := New(Config{Store: raw, ServiceCIDR: cidr, NodePortRange: ports})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{raw: raw, alloc: a, svcs: a.Wrap(raw)}
}

func key(name string) string { return "/registry/services/default/" + name }

func service(name string, typ corev1.ServiceType, mutate ...func(*corev1.Service)) *corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Type:       typ,
			IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
			Ports:      []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	for _, m := range mutate {
		m(svc)
	}
	if svc.Spec.ClusterIP != "" && len(svc.Spec.ClusterIPs) == 0 {
		svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
	}
	return svc
}

func (f *fixture) create(t *testing.T, svc *corev1.Service) (*corev1.Service, error) {
	t.Helper()
	out := &corev1.Service{}
	err := f.svcs.Create(context.Background(), key(svc.Name), svc, out)
	return out, err
}

func (f *fixture) mustCreate(t *testing.T, svc *corev1.Service) *corev1.Service {
	t.Helper()
	out, err := f.create(t, svc)
	if err != nil {
		t.Fatalf("create %s: %v", svc.Name, err)
	}
	return out
}

func (f *fixture) update(t *testing.T, name string, fn func(*corev1.Service)) (*corev1.Service, error) {
	t.Helper()
	out := &corev1.Service{}
	err := f.svcs.GuaranteedUpdate(context.Background(), key(name), out, false, nil, func(cur runtime.Object) (runtime.Object, error) {
		svc := cur.(*corev1.Service)
		fn(svc)
		return svc, nil
	})
	return out, err
}

func (f *fixture) delete(t *testing.T, name string) {
	t.Helper()
	if err := f.svcs.Delete(context.Background(), key(name), &corev1.Service{}, nil, nil); err != nil {
		t.Fatalf("delete %s: %v", name, err)
	}
}

func (f *fixture) held(t *testing.T, r *rangeStore) int {
	t.Helper()
	bm, err := r.snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return bm.count()
}

func wantInvalid(t *testing.T, err error, msg string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("want Invalid, got %v", err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %q does not contain %q", err, msg)
	}
}

func TestClusterIPAllocation(t *testing.T) {
	f := newFixture(t, "10.43.0.0/16", "30000-32767")

	got := f.mustCreate(t, service("web", corev1.ServiceTypeClusterIP))
	ip := netip.MustParseAddr(got.Spec.ClusterIP)
	if !netip.MustParsePrefix("10.43.0.0/16").Contains(ip) || got.Spec.ClusterIPs[0] != got.Spec.ClusterIP {
		t.Fatalf("clusterIP %q clusterIPs %v", got.Spec.ClusterIP, got.Spec.ClusterIPs)
	}
	if o, _ := f.alloc.ips.Offset(ip); o < ipStaticBand(f.alloc.ips.Size()) {
		t.Errorf("random allocation %s landed in the static band", ip)
	}

	fixed := f.mustCreate(t, service("dns", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.0.10" }))
	if fixed.Spec.ClusterIP != "10.43.0.10" {
		t.Fatalf("requested IP not kept: %s", fixed.Spec.ClusterIP)
	}
	_, err := f.create(t, service("dns2", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.0.10" }))
	wantInvalid(t, err, "spec.clusterIPs[0]: Invalid value: \"10.43.0.10\": failed to allocate IP 10.43.0.10: provided IP is already allocated")

	_, err = f.create(t, service("outside", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ClusterIP = "10.99.0.1" }))
	wantInvalid(t, err, "the provided IP (10.99.0.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16")

	headless := f.mustCreate(t, service("headless", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone }))
	if headless.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Fatalf("headless got %s", headless.Spec.ClusterIP)
	}
	ext := f.mustCreate(t, service("ext", corev1.ServiceTypeExternalName, func(s *corev1.Service) { s.Spec.ExternalName = "example.com" }))
	if ext.Spec.ClusterIP != "" {
		t.Fatalf("ExternalName got %s", ext.Spec.ClusterIP)
	}
	if n := f.held(t, f.alloc.ipBM); n != 2 {
		t.Fatalf("held IPs = %d, want 2", n)
	}

	// Deleting frees the address at once: it can be asked for again.
	f.delete(t, "dns")
	f.mustCreate(t, service("dns2", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.0.10" }))

	_, err = f.create(t, service("dual", corev1.ServiceTypeClusterIP, func(s *corev1.Service) {
		p := corev1.IPFamilyPolicyRequireDualStack
		s.Spec.IPFamilyPolicy = &p
	}))
	wantInvalid(t, err, "this cluster is not configured for dual-stack services")
	if n := f.held(t, f.alloc.ipBM); n != 2 {
		t.Fatalf("held IPs after rejected creates = %d, want 2", n)
	}
}

func TestNodePortAllocation(t *testing.T) {
	f := newFixture(t, "10.43.0.0/16", "30000-32767")

	got := f.mustCreate(t, service("np", corev1.ServiceTypeNodePort, func(s *corev1.Service) {
		s.Spec.Ports = append(s.Spec.Ports,
			corev1.ServicePort{Name: "dns-udp", Port: 53, Protocol: corev1.ProtocolUDP},
			corev1.ServicePort{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP})
	}))
	p := got.Spec.Ports
	if p[0].NodePort < 30000 || p[0].NodePort > 32767 {
		t.Fatalf("nodePort %d not in range", p[0].NodePort)
	}
	if p[1].NodePort != p[2].NodePort || p[1].NodePort == p[0].NodePort {
		t.Fatalf("ports with the same number should share a node port, others not: %v", p)
	}

	f.mustCreate(t, service("fixed", corev1.ServiceTypeNodePort, func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 }))
	_, err := f.create(t, service("fixed2", corev1.ServiceTypeNodePort, func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 }))
	wantInvalid(t, err, "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated")
	_, err = f.create(t, service("low", corev1.ServiceTypeNodePort, func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 8080 }))
	wantInvalid(t, err, "provided port is not in the valid range. The range of valid ports is 30000-32767")
	// The rejected node port request must not keep a cluster IP.
	if n := f.held(t, f.alloc.ipBM); n != 2 {
		t.Fatalf("held IPs = %d, want 2", n)
	}

	lb := f.mustCreate(t, service("lb", corev1.ServiceTypeLoadBalancer, func(s *corev1.Service) {
		s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	}))
	if lb.Spec.HealthCheckNodePort == 0 || lb.Spec.Ports[0].NodePort == 0 || lb.Spec.HealthCheckNodePort == lb.Spec.Ports[0].NodePort {
		t.Fatalf("LoadBalancer ports: nodePort %d healthCheckNodePort %d", lb.Spec.Ports[0].NodePort, lb.Spec.HealthCheckNodePort)
	}
	if n := f.held(t, f.alloc.ptBM); n != 5 {
		t.Fatalf("held ports = %d, want 5", n)
	}
	f.delete(t, "lb")
	if n := f.held(t, f.alloc.ptBM); n != 3 {
		t.Fatalf("held ports after delete = %d, want 3", n)
	}
}

func TestTypeChanges(t *testing.T) {
	f := newFixture(t, "10.43.0.0/16", "30000-32767")

	f.mustCreate(t, service("s", corev1.ServiceTypeExternalName, func(s *corev1.Service) { s.Spec.ExternalName = "example.com" }))
	got, err := f.update(t, "s", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.ExternalName = ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.ClusterIP == "" || got.Spec.Ports[0].NodePort == 0 {
		t.Fatalf("ExternalName -> NodePort: clusterIP %q nodePort %d", got.Spec.ClusterIP, got.Spec.Ports[0].NodePort)
	}
	port := got.Spec.Ports[0].NodePort

	// A status-only style update holds on to everything.
	if _, err := f.update(t, "s", func(s *corev1.Service) { s.Labels = map[string]string{"a": "b"} }); err != nil {
		t.Fatal(err)
	}
	if f.held(t, f.alloc.ipBM) != 1 || f.held(t, f.alloc.ptBM) != 1 {
		t.Fatal("a metadata update changed allocations")
	}

	// NodePort -> ClusterIP frees the node port.
	if _, err := f.update(t, "s", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeClusterIP
		s.Spec.Ports[0].NodePort = 0
	}); err != nil {
		t.Fatal(err)
	}
	if n := f.held(t, f.alloc.ptBM); n != 0 {
		t.Fatalf("held ports = %d after NodePort -> ClusterIP", n)
	}
	f.mustCreate(t, service("other", corev1.ServiceTypeNodePort, func(s *corev1.Service) { s.Spec.Ports[0].NodePort = port }))

	// A conflicting node port in an update is rejected and nothing leaks.
	_, err = f.update(t, "s", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.Ports[0].NodePort = port
	})
	wantInvalid(t, err, "provided port is already allocated")
	if n := f.held(t, f.alloc.ptBM); n != 1 {
		t.Fatalf("held ports = %d, want 1", n)
	}
}

func TestConcurrentCreatesNeverShareAnAddress(t *testing.T) {
	f := newFixture(t, "10.43.0.0/24", "30000-32767")
	// Two allocators over the same etcd play two API servers.
	second, err := New(Config{Store: f.raw, ServiceCIDR: "10.43.0.0/24", NodePortRange: "30000-32767"})
	if err != nil {
		t.Fatal(err)
	}
	stores := []storage.Interface{f.svcs, second.Wrap(f.raw)}
	const n = 40
	var wg sync.WaitGroup
	ips := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out := &corev1.Service{}
			svc := service(fmt.Sprintf("s%d", i), corev1.ServiceTypeNodePort)
			errs[i] = stores[i%2].Create(context.Background(), key(svc.Name), svc, out)
			ips[i] = out.Spec.ClusterIP + fmt.Sprintf("/%d", out.Spec.Ports[0].NodePort)
		}(i)
	}
	wg.Wait()
	seenIP, seenPort := map[string]bool{}, map[string]bool{}
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		ip, port, _ := strings.Cut(ips[i], "/")
		if seenIP[ip] || seenPort[port] {
			t.Fatalf("duplicate allocation %s", ips[i])
		}
		seenIP[ip], seenPort[port] = true, true
	}
}

func TestRangeFull(t *testing.T) {
	f := newFixture(t, "10.43.0.0/29", "30000-30001")
	for i := 0; i < 6; i++ {
		f.mustCreate(t, service(fmt.Sprintf("s%d", i), corev1.ServiceTypeClusterIP))
	}
	_, err := f.create(t, service("one-too-many", corev1.ServiceTypeClusterIP))
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "failed to allocate a serviceIP: range is full") {
		t.Fatalf("want internal error 'range is full', got %v", err)
	}
}

func TestRepair(t *testing.T) {
	f := newFixture(t, "10.43.0.0/16", "30000-32767")
	ctx := context.Background()
	// A Service written around the allocator (as by an older server):
	// repair marks what it holds.
	direct := service("direct", corev1.ServiceTypeNodePort, func(s *corev1.Service) {
		s.Spec.ClusterIP = "10.43.5.5"
		s.Spec.Ports[0].NodePort = 31000
	})
	if err := f.raw.Create(ctx, key("direct"), direct, &corev1.Service{}); err != nil {
		t.Fatal(err)
	}
	// A leaked reservation: held but owned by no Service.
	if _, err := f.alloc.ipBM.apply(ctx, change{reserve: []int{100}}); err != nil {
		t.Fatal(err)
	}
	if err := f.alloc.Repair(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := f.create(t, service("dup", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ClusterIP = "10.43.5.5" }))
	wantInvalid(t, err, "provided IP is already allocated")
	_, err = f.create(t, service("dupport", corev1.ServiceTypeNodePort, func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 31000 }))
	wantInvalid(t, err, "provided port is already allocated")

	leaked := f.alloc.ips.Addr(100).String()
	for round := 2; round <= leakRounds; round++ {
		if _, err := f.create(t, service("leak", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ClusterIP = leaked })); err == nil {
			t.Fatalf("leaked address freed before round %d", round)
		}
		if err := f.alloc.Repair(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f.mustCreate(t, service("leak", corev1.ServiceTypeClusterIP, func(s *corev1.Service) { s.Spec.ClusterIP = leaked }))
}

func TestRanges(t *testing.T) {
	r, err := ParseIPRange("10.43.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != 65534 || r.Addr(0).String() != "10.43.0.1" || r.Addr(9).String() != "10.43.0.10" {
		t.Fatalf("range %v size %d first %s", r, r.Size(), r.Addr(0))
	}
	for _, tc := range []struct {
		ip   string
		want error
	}{{"10.43.0.0", ErrNotInRange}, {"10.43.255.255", ErrNotInRange}, {"10.43.255.254", nil}, {"10.44.0.1", ErrNotInRange}} {
		if _, err := r.Offset(netip.MustParseAddr(tc.ip)); !errors.Is(err, tc.want) {
			t.Errorf("Offset(%s) = %v, want %v", tc.ip, err, tc.want)
		}
	}
	v6, err := ParseIPRange("fd00:10:43::/108")
	if err != nil || v6.Size() != maxIPRangeSize {
		t.Fatalf("v6 range size %d err %v", v6.Size(), err)
	}
	for _, bad := range []string{"", "30000", "5-1", "0-10", "30000-70000", "a-b"} {
		if _, err := ParsePortRange(bad); err == nil && bad != "30000" {
			t.Errorf("ParsePortRange(%q) accepted", bad)
		}
	}
}

func TestDryRunCreate(t *testing.T) {
	f := newFixture(t, "10.43.0.0/16", "30000-32767")
	f.mustCreate(t, service("taken", corev1.ServiceTypeNodePort, func(s *corev1.Service) {
		s.Spec.ClusterIP = "10.43.0.20"
		s.Spec.Ports[0].NodePort = 30500
	}))
	dr := f.svcs.(interface {
		DryRunCreate(context.Context, runtime.Object) error
	})
	svc := service("dry", corev1.ServiceTypeNodePort)
	if err := dr.DryRunCreate(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.Ports[0].NodePort == 0 {
		t.Fatalf("dry run filled nothing in: %+v", svc.Spec)
	}
	if f.held(t, f.alloc.ipBM) != 1 || f.held(t, f.alloc.ptBM) != 1 {
		t.Fatal("a dry run reserved values")
	}
	err := dr.DryRunCreate(context.Background(), service("dry2", corev1.ServiceTypeNodePort, func(s *corev1.Service) {
		s.Spec.Ports[0].NodePort = 30500
	}))
	wantInvalid(t, err, "provided port is already allocated")
}
