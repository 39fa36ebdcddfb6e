package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"sort"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
)

// Names and labels of the published objects, as kubeadm's CoreDNS
// deployment has them, so tools looking for cluster DNS find it.
const (
	// ServiceName and ServiceNamespace name the cluster DNS Service.
	ServiceName      = kubeDNSName
	ServiceNamespace = kubeDNSNamespace
	// PortNameUDP and PortNameTCP name the Service's ports.
	PortNameUDP = "dns"
	PortNameTCP = "dns-tcp"
	// ServicePort is the port pods send queries to.
	ServicePort = 53
	// ManagedBy is the endpointslice.kubernetes.io/managed-by value of the
	// EndpointSlices the Publisher writes.
	ManagedBy = "dns-publisher.nauta.io"
	// LabelSkipMirror keeps an endpoint-slice mirroring controller away
	// from the Endpoints object: the Publisher writes the slices itself.
	LabelSkipMirror = "endpointslice.kubernetes.io/skip-mirror"
)

// ServiceLabels are the labels of the kube-dns Service.
func ServiceLabels() map[string]string {
	return map[string]string{
		"k8s-app":                       "kube-dns",
		"kubernetes.io/cluster-service": "true",
		"kubernetes.io/name":            "CoreDNS",
	}
}

// PublishConfig says how this server is published behind the kube-dns
// Service.
type PublishConfig struct {
	// ServiceIP is the kube-dns ClusterIP: the 10th address of the service
	// range (10.43.0.10 for 10.43.0.0/16). Empty lets the API server
	// allocate one.
	ServiceIP string
	// NodeName names this server's EndpointSlice (kube-dns-<node>) and is
	// the endpoint's nodeName.
	NodeName string
	// Address is the node IP the server is reachable at; default the host
	// of the first listen address when it is not unspecified.
	Address string
	// Port is the port the server listens on; default the bound port.
	Port int32
}

// PublisherConfig configures a standalone Publisher.
type PublisherConfig struct {
	RESTConfig *rest.Config
	PublishConfig
	Logger *slog.Logger
}

// Publisher keeps the kube-system/kube-dns Service (no selector, ports dns
// 53/UDP and dns-tcp 53/TCP to this server's port), this server's own
// EndpointSlice kube-dns-<node> and its address in the legacy Endpoints
// object. Each server of an HA control plane runs one: each writes only its
// own slice and adds itself to the Endpoints object without removing the
// others. It re-converges whenever any of these objects changes, and on
// stop removes its slice and address.
type Publisher struct {
	cfg    PublishConfig
	client kubernetes.Interface
	logger *slog.Logger
	family discovery.AddressType
}

// NewPublisher validates cfg and builds a Publisher.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if cfg.RESTConfig == nil {
		return nil, fmt.Errorf("%w: publisher RESTConfig is required", ErrInvalidConfig)
	}
	client, err := kubernetes.NewForConfig(cfg.RESTConfig)
	if err != nil {
		return nil, fmt.Errorf("dns publisher client: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return newPublisher(client, cfg.PublishConfig, logger.With("component", "dns-publisher"))
}

func newPublisher(client kubernetes.Interface, cfg PublishConfig, logger *slog.Logger) (*Publisher, error) {
	ip := net.ParseIP(cfg.Address)
	if ip == nil || ip.IsUnspecified() {
		return nil, fmt.Errorf("%w: publish address %q", ErrInvalidConfig, cfg.Address)
	}
	if cfg.Port <= 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("%w: publish port %d", ErrInvalidConfig, cfg.Port)
	}
	if cfg.NodeName == "" {
		return nil, fmt.Errorf("%w: publish node name is required", ErrInvalidConfig)
	}
	if cfg.ServiceIP != "" && net.ParseIP(cfg.ServiceIP) == nil {
		return nil, fmt.Errorf("%w: service IP %q", ErrInvalidConfig, cfg.ServiceIP)
	}
	cfg.Address = ip.String()
	family := discovery.AddressTypeIPv4
	if ip.To4() == nil {
		family = discovery.AddressTypeIPv6
	}
	return &Publisher{cfg: cfg, client: client, logger: logger, family: family}, nil
}

// newPublisher for Server.Run: the address and port default to the bound
// ones.
func (s *Server) newPublisher(cfg PublishConfig) (*Publisher, error) {
	addrs := s.Addrs()
	if len(addrs) > 0 {
		udp := addrs[0].(*net.UDPAddr)
		if cfg.Port == 0 {
			cfg.Port = int32(udp.Port)
		}
		if cfg.Address == "" && !udp.IP.IsUnspecified() {
			cfg.Address = udp.IP.String()
		}
	}
	if cfg.ServiceIP == "" {
		cfg.ServiceIP = s.set.serviceIP
	}
	return newPublisher(s.client, cfg, s.logger.With("component", "dns-publisher"))
}

// SliceName is the name of the EndpointSlice of the server on node.
func SliceName(node string) string {
	name := ServiceName + "-" + strings.ToLower(node)
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.TrimRight(name, ".-")
}

// Run converges now and on every change of the published objects, renews
// this server's Lease and prunes servers whose Lease expired, until ctx
// ends; then it withdraws this server.
func (p *Publisher) Run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactoryWithOptions(p.client, 10*time.Minute, informers.WithNamespace(ServiceNamespace))
	kick := make(chan struct{}, 1)
	trigger := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { nudge(kick) },
		UpdateFunc: func(any, any) { nudge(kick) },
		DeleteFunc: func(any) { nudge(kick) },
	}
	for _, inf := range []cache.SharedIndexInformer{
		factory.Core().V1().Services().Informer(),
		factory.Core().V1().Endpoints().Informer(),
		factory.Discovery().V1().EndpointSlices().Informer(),
	} {
		if _, err := inf.AddEventHandler(filtered(trigger)); err != nil {
			return fmt.Errorf("dns publisher handler: %w", err)
		}
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()

	backoff := time.Second
	var lastRenew time.Time
	for {
		var err error
		if now := time.Now(); now.Sub(lastRenew) >= leaseRenewInterval {
			// The Lease first: a slice never exists without a live Lease
			// that would keep other servers from pruning it.
			if err = p.renewLease(ctx, now); err == nil {
				lastRenew = now
				err = p.pruneStale(ctx, now)
			}
		}
		err = errors.Join(err, p.Sync(ctx))
		wait := leaseRenewInterval - time.Since(lastRenew)
		if err != nil && ctx.Err() == nil {
			p.logger.Warn("publish kube-dns", "err", err, "retry", backoff)
			wait = backoff
			backoff = min(backoff*2, 30*time.Second)
		} else {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			p.withdraw(context.WithoutCancel(ctx))
			return nil
		case <-kick:
		case <-time.After(max(wait, 0)):
		}
	}
}

// filtered passes on events of the kube-dns objects only.
func filtered(h cache.ResourceEventHandler) cache.ResourceEventHandler {
	return cache.FilteringResourceEventHandler{
		FilterFunc: func(obj any) bool {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			m, err := metaOf(obj)
			if err != nil {
				return false
			}
			return m.GetName() == ServiceName || m.GetLabels()[discovery.LabelServiceName] == ServiceName
		},
		Handler: h,
	}
}

func metaOf(obj any) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("unexpected %T", obj)
	}
	return m, nil
}

func nudge(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Sync converges the Service, this server's EndpointSlice and its address
// in the Endpoints object once.
func (p *Publisher) Sync(ctx context.Context) error {
	svc, err := p.syncService(ctx)
	if err != nil {
		return err
	}
	return errors.Join(p.syncSlice(ctx, svc), p.syncEndpoints(ctx))
}

func (p *Publisher) wantPorts() []v1.ServicePort {
	target := intstr.FromInt32(p.cfg.Port)
	return []v1.ServicePort{
		{Name: PortNameUDP, Protocol: v1.ProtocolUDP, Port: ServicePort, TargetPort: target},
		{Name: PortNameTCP, Protocol: v1.ProtocolTCP, Port: ServicePort, TargetPort: target},
	}
}

func (p *Publisher) syncService(ctx context.Context) (*v1.Service, error) {
	services := p.client.CoreV1().Services(ServiceNamespace)
	cur, err := services.Get(ctx, ServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		svc := &v1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: ServiceName, Namespace: ServiceNamespace, Labels: ServiceLabels()},
			Spec: v1.ServiceSpec{
				Type:      v1.ServiceTypeClusterIP,
				ClusterIP: p.cfg.ServiceIP,
				Ports:     p.wantPorts(),
			},
		}
		created, err := services.Create(ctx, svc, metav1.CreateOptions{})
		if err != nil {
			return nil, fmt.Errorf("create service %s/%s: %w", ServiceNamespace, ServiceName, err)
		}
		p.logger.Info("created service", "namespace", ServiceNamespace, "name", ServiceName, "clusterIP", created.Spec.ClusterIP)
		return created, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get service %s/%s: %w", ServiceNamespace, ServiceName, err)
	}
	if p.cfg.ServiceIP != "" && cur.Spec.ClusterIP != p.cfg.ServiceIP {
		// The ClusterIP is immutable; replacing the Service would break
		// every pod configured with the old address, so only say so.
		p.logger.Warn("kube-dns service has another ClusterIP than configured", "clusterIP", cur.Spec.ClusterIP, "want", p.cfg.ServiceIP)
	}
	want := cur.DeepCopy()
	if want.Labels == nil {
		want.Labels = map[string]string{}
	}
	for k, v := range ServiceLabels() {
		want.Labels[k] = v
	}
	want.Spec.Ports = p.mergePorts(cur.Spec.Ports)
	want.Spec.Selector = nil
	if reflect.DeepEqual(want.Labels, cur.Labels) && reflect.DeepEqual(want.Spec, cur.Spec) {
		return cur, nil
	}
	updated, err := services.Update(ctx, want, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update service %s/%s: %w", ServiceNamespace, ServiceName, err)
	}
	p.logger.Info("updated service", "namespace", ServiceNamespace, "name", ServiceName)
	return updated, nil
}

// mergePorts sets the dns and dns-tcp ports and keeps any other port
// someone added (a metrics port, say); NodePorts already allocated stay.
// An existing targetPort stays too: servers of an HA control plane may
// listen on different ports (each slice carries its own), and rewriting it
// to each one's port would make them fight over the Service.
func (p *Publisher) mergePorts(cur []v1.ServicePort) []v1.ServicePort {
	out := p.wantPorts()
	for i := range out {
		for _, c := range cur {
			if c.Name == out[i].Name {
				out[i].NodePort = c.NodePort
				out[i].AppProtocol = c.AppProtocol
				if c.TargetPort.IntValue() > 0 {
					out[i].TargetPort = c.TargetPort
				}
			}
		}
	}
	for _, c := range cur {
		if c.Name != PortNameUDP && c.Name != PortNameTCP {
			out = append(out, c)
		}
	}
	return out
}

func (p *Publisher) wantSlice(svc *v1.Service) *discovery.EndpointSlice {
	ready, serving, terminating := true, true, false
	nameUDP, nameTCP := PortNameUDP, PortNameTCP
	udp, tcp := v1.ProtocolUDP, v1.ProtocolTCP
	port := p.cfg.Port
	node := p.cfg.NodeName
	return &discovery.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name:      SliceName(p.cfg.NodeName),
			Namespace: ServiceNamespace,
			Labels: map[string]string{
				discovery.LabelServiceName: ServiceName,
				discovery.LabelManagedBy:   ManagedBy,
			},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, v1.SchemeGroupVersion.WithKind("Service"))},
		},
		AddressType: p.family,
		Endpoints: []discovery.Endpoint{{
			Addresses:  []string{p.cfg.Address},
			Conditions: discovery.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
			NodeName:   &node,
		}},
		Ports: []discovery.EndpointPort{
			{Name: &nameUDP, Protocol: &udp, Port: &port},
			{Name: &nameTCP, Protocol: &tcp, Port: &port},
		},
	}
}

func (p *Publisher) syncSlice(ctx context.Context, svc *v1.Service) error {
	slices := p.client.DiscoveryV1().EndpointSlices(ServiceNamespace)
	want := p.wantSlice(svc)
	cur, err := slices.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if _, err := slices.Create(ctx, want, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create endpointslice %s/%s: %w", ServiceNamespace, want.Name, err)
		}
		p.logger.Info("published endpoint", "slice", want.Name, "address", p.cfg.Address, "port", p.cfg.Port)
		return nil
	}
	if err != nil {
		return fmt.Errorf("get endpointslice %s/%s: %w", ServiceNamespace, want.Name, err)
	}
	if cur.AddressType != want.AddressType {
		// The address type is immutable: replace the slice.
		if err := slices.Delete(ctx, cur.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("replace endpointslice %s/%s: %w", ServiceNamespace, want.Name, err)
		}
		_, err := slices.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	if reflect.DeepEqual(cur.Labels, want.Labels) && reflect.DeepEqual(cur.Endpoints, want.Endpoints) &&
		reflect.DeepEqual(cur.Ports, want.Ports) && reflect.DeepEqual(cur.OwnerReferences, want.OwnerReferences) {
		return nil
	}
	next := cur.DeepCopy()
	next.Labels, next.Endpoints, next.Ports, next.OwnerReferences = want.Labels, want.Endpoints, want.Ports, want.OwnerReferences
	if _, err := slices.Update(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update endpointslice %s/%s: %w", ServiceNamespace, want.Name, err)
	}
	return nil
}

// syncEndpoints puts this server's address into the legacy Endpoints
// object, keeping the addresses other servers added.
func (p *Publisher) syncEndpoints(ctx context.Context) error {
	return p.editEndpoints(ctx, func(subsets []v1.EndpointSubset) []v1.EndpointSubset {
		return withAddress(subsets, p.endpointAddress(), p.endpointPorts())
	})
}

func (p *Publisher) endpointAddress() v1.EndpointAddress {
	node := p.cfg.NodeName
	return v1.EndpointAddress{IP: p.cfg.Address, NodeName: &node}
}

func (p *Publisher) endpointPorts() []v1.EndpointPort {
	return []v1.EndpointPort{
		{Name: PortNameUDP, Protocol: v1.ProtocolUDP, Port: p.cfg.Port},
		{Name: PortNameTCP, Protocol: v1.ProtocolTCP, Port: p.cfg.Port},
	}
}

// editEndpoints applies edit to the Endpoints object's subsets with
// optimistic concurrency (other servers edit it too).
func (p *Publisher) editEndpoints(ctx context.Context, edit func([]v1.EndpointSubset) []v1.EndpointSubset) error {
	endpoints := p.client.CoreV1().Endpoints(ServiceNamespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := endpoints.Get(ctx, ServiceName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			subsets := edit(nil)
			if len(subsets) == 0 {
				return nil
			}
			ep := &v1.Endpoints{
				ObjectMeta: metav1.ObjectMeta{Name: ServiceName, Namespace: ServiceNamespace, Labels: endpointsLabels(nil)},
				Subsets:    subsets,
			}
			_, err := endpoints.Create(ctx, ep, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(v1.Resource("endpoints"), ServiceName, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		want := cur.DeepCopy()
		want.Subsets = edit(cur.Subsets)
		want.Labels = endpointsLabels(cur.Labels)
		if reflect.DeepEqual(want.Subsets, cur.Subsets) && reflect.DeepEqual(want.Labels, cur.Labels) {
			return nil
		}
		_, err = endpoints.Update(ctx, want, metav1.UpdateOptions{})
		return err
	})
}

func endpointsLabels(cur map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range cur {
		out[k] = v
	}
	for k, v := range ServiceLabels() {
		out[k] = v
	}
	out[LabelSkipMirror] = "true"
	return out
}

// withAddress returns subsets with addr listed exactly once, in the subset
// whose ports are ports; other addresses stay where they are.
func withAddress(subsets []v1.EndpointSubset, addr v1.EndpointAddress, ports []v1.EndpointPort) []v1.EndpointSubset {
	out := withoutAddress(subsets, addr.IP)
	for i := range out {
		if samePorts(out[i].Ports, ports) {
			out[i].Addresses = append(out[i].Addresses, addr)
			sort.Slice(out[i].Addresses, func(a, b int) bool { return out[i].Addresses[a].IP < out[i].Addresses[b].IP })
			return out
		}
	}
	return append(out, v1.EndpointSubset{Addresses: []v1.EndpointAddress{addr}, Ports: ports})
}

// withoutAddress drops ip from every subset and drops subsets left empty.
func withoutAddress(subsets []v1.EndpointSubset, ip string) []v1.EndpointSubset {
	var out []v1.EndpointSubset
	for _, s := range subsets {
		s = *s.DeepCopy()
		var keep []v1.EndpointAddress
		for _, a := range s.Addresses {
			if a.IP != ip {
				keep = append(keep, a)
			}
		}
		s.Addresses = keep
		if len(s.Addresses) == 0 && len(s.NotReadyAddresses) == 0 {
			continue
		}
		out = append(out, s)
	}
	return out
}

func samePorts(a, b []v1.EndpointPort) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(p v1.EndpointPort) string { return fmt.Sprintf("%s/%s/%d", p.Name, p.Protocol, p.Port) }
	seen := map[string]int{}
	for _, p := range a {
		seen[key(p)]++
	}
	for _, p := range b {
		seen[key(p)]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// withdraw removes this server's slice and address, best effort: on
// shutdown the API server may be stopping too.
func (p *Publisher) withdraw(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err := p.client.DiscoveryV1().EndpointSlices(ServiceNamespace).Delete(ctx, SliceName(p.cfg.NodeName), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		p.logger.Debug("withdraw endpointslice", "err", err)
	}
	err = p.editEndpoints(ctx, func(subsets []v1.EndpointSubset) []v1.EndpointSubset {
		return withoutAddress(subsets, p.cfg.Address)
	})
	if err != nil {
		p.logger.Debug("withdraw endpoints address", "err", err)
	}
	p.deleteLease(ctx)
}
