package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// Names and labels of the default/kubernetes Service and of the Leases
// through which the API servers of a cluster announce their addresses.
const (
	kubernetesServiceName    = "kubernetes"
	apiserverEndpointLabel   = "nauta.io/apiserver-endpoint"
	apiserverAddressAnnot    = "nauta.io/apiserver-address"
	apiserverLeasePrefix     = "nauta-apiserver-"
	kubernetesServicePortTLS = 443
)

// kubernetesService keeps the default/kubernetes Service, its Endpoints and
// its EndpointSlice pointing at every live API server. Each server renews a
// Lease in kube-system carrying its address; the endpoints list the
// addresses of unexpired Leases, so a server that stops (or dies) drops out
// within three renew intervals. Every server runs it: writes are
// compare-and-swap and converge on the same content.
type kubernetesService struct {
	client    kubernetes.Interface
	serviceIP string
	address   string
	port      int32
	interval  time.Duration
	log       *slog.Logger
	now       func() time.Time
}

// kubernetesServiceInterval is how often a server renews its endpoint Lease.
const kubernetesServiceInterval = 10 * time.Second

func (s *Server) newKubernetesService(loopback *rest.Config, ln net.Listener) (*kubernetesService, error) {
	client, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	serviceIP, err := s.cfg.ServiceIP()
	if err != nil {
		return nil, err
	}
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return nil, fmt.Errorf("kubernetes service: listener address %v is not TCP", ln.Addr())
	}
	return &kubernetesService{
		client:    client,
		serviceIP: serviceIP.String(),
		address:   s.cfg.AdvertiseAddress,
		port:      int32(tcp.Port),
		interval:  kubernetesServiceInterval,
		log:       s.cfg.Logger.With("component", "kubernetes-service"),
		now:       time.Now,
	}, nil
}

func (k *kubernetesService) leaseName() string {
	r := strings.NewReplacer(".", "-", ":", "-")
	return apiserverLeasePrefix + r.Replace(k.address)
}

// Start reconciles every interval until ctx ends, then withdraws this
// server's address.
func (k *kubernetesService) Start(ctx context.Context) error {
	t := time.NewTicker(k.interval)
	defer t.Stop()
	for {
		if err := k.reconcile(ctx, true); err != nil && ctx.Err() == nil {
			k.log.Error("reconciling the kubernetes service failed", "err", err)
		}
		select {
		case <-ctx.Done():
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := k.withdraw(stopCtx); err != nil {
				k.log.Warn("withdrawing this API server from the kubernetes service failed", "err", err)
			}
			return nil
		case <-t.C:
		}
	}
}

func (k *kubernetesService) withdraw(ctx context.Context) error {
	err := k.client.CoordinationV1().Leases(metav1.NamespaceSystem).Delete(ctx, k.leaseName(), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return k.reconcile(ctx, false)
}

// reconcile renews this server's Lease (when live) and writes the
// Service, Endpoints and EndpointSlice.
func (k *kubernetesService) reconcile(ctx context.Context, live bool) error {
	if live {
		if err := k.ensureService(ctx); err != nil {
			return err
		}
		if err := k.renewLease(ctx); err != nil {
			return err
		}
	}
	addrs, err := k.liveAddresses(ctx)
	if err != nil {
		return err
	}
	if live && !slices.Contains(addrs, k.address) {
		addrs = append(addrs, k.address)
	}
	// Endpoints may not hold loopback addresses: a server advertising
	// one (a test, a laptop without network) serves no endpoint.
	addrs = slices.DeleteFunc(addrs, func(a string) bool { return netip.MustParseAddr(a).IsLoopback() })
	slices.SortFunc(addrs, func(a, b string) int {
		return netip.MustParseAddr(a).Compare(netip.MustParseAddr(b))
	})
	if err := k.ensureEndpoints(ctx, addrs); err != nil {
		return err
	}
	return k.ensureEndpointSlice(ctx, addrs)
}

func (k *kubernetesService) ensureService(ctx context.Context) error {
	ports := []corev1.ServicePort{{
		Name:       "https",
		Protocol:   corev1.ProtocolTCP,
		Port:       kubernetesServicePortTLS,
		TargetPort: intstr.FromInt32(k.port),
	}}
	svcs := k.client.CoreV1().Services(metav1.NamespaceDefault)
	cur, err := svcs.Get(ctx, kubernetesServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{
				Name:   kubernetesServiceName,
				Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"},
			},
			Spec: corev1.ServiceSpec{
				Type:            corev1.ServiceTypeClusterIP,
				ClusterIP:       k.serviceIP,
				Ports:           ports,
				SessionAffinity: corev1.ServiceAffinityNone,
			},
		}
		_, err = svcs.Create(ctx, svc, metav1.CreateOptions{})
		if err == nil {
			k.log.Info("created the kubernetes service", "clusterIP", k.serviceIP)
		}
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if len(cur.Spec.Ports) == 1 && cur.Spec.Ports[0].Port == ports[0].Port && cur.Spec.Ports[0].TargetPort == ports[0].TargetPort &&
		cur.Spec.Ports[0].Name == ports[0].Name && cur.Spec.Ports[0].Protocol == ports[0].Protocol {
		return nil
	}
	cur.Spec.Ports = ports
	_, err = svcs.Update(ctx, cur, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return nil // the next round sees the new state
	}
	return err
}

func (k *kubernetesService) renewLease(ctx context.Context) error {
	leases := k.client.CoordinationV1().Leases(metav1.NamespaceSystem)
	now := metav1.NewMicroTime(k.now())
	duration := int32(3 * k.interval / time.Second)
	if duration < 1 {
		duration = 1
	}
	cur, err := leases.Get(ctx, k.leaseName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		lease := &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Name:        k.leaseName(),
				Labels:      map[string]string{apiserverEndpointLabel: "true"},
				Annotations: map[string]string{apiserverAddressAnnot: k.address + ":" + strconv.Itoa(int(k.port))},
			},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       ptr.To(k.address),
				LeaseDurationSeconds: ptr.To(duration),
				AcquireTime:          &now,
				RenewTime:            &now,
			},
		}
		_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	cur.Spec.RenewTime = &now
	cur.Spec.LeaseDurationSeconds = ptr.To(duration)
	_, err = leases.Update(ctx, cur, metav1.UpdateOptions{})
	return err
}

// liveAddresses returns the addresses of the API servers whose Leases
// have not expired.
func (k *kubernetesService) liveAddresses(ctx context.Context) ([]string, error) {
	list, err := k.client.CoordinationV1().Leases(metav1.NamespaceSystem).List(ctx, metav1.ListOptions{
		LabelSelector: apiserverEndpointLabel + "=true",
	})
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, l := range list.Items {
		if l.Spec.HolderIdentity == nil || l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
			continue
		}
		expiry := l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second)
		if k.now().After(expiry) {
			continue
		}
		if a, err := netip.ParseAddr(*l.Spec.HolderIdentity); err != nil || a.IsLoopback() {
			continue
		}
		if !slices.Contains(addrs, *l.Spec.HolderIdentity) {
			addrs = append(addrs, *l.Spec.HolderIdentity)
		}
	}
	return addrs, nil
}

func (k *kubernetesService) ensureEndpoints(ctx context.Context, addrs []string) error {
	var subsets []corev1.EndpointSubset
	if len(addrs) > 0 {
		s := corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Name: "https", Port: k.port, Protocol: corev1.ProtocolTCP}}}
		for _, a := range addrs {
			s.Addresses = append(s.Addresses, corev1.EndpointAddress{IP: a})
		}
		subsets = []corev1.EndpointSubset{s}
	}
	eps := k.client.CoreV1().Endpoints(metav1.NamespaceDefault) //nolint:staticcheck // the legacy API is still served and read
	cur, err := eps.Get(ctx, kubernetesServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = eps.Create(ctx, &corev1.Endpoints{
			ObjectMeta: metav1.ObjectMeta{Name: kubernetesServiceName,
				Labels: map[string]string{discoveryv1.LabelSkipMirror: "true"}},
			Subsets: subsets,
		}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if apiequality.Semantic.DeepEqual(cur.Subsets, subsets) {
		return nil
	}
	cur.Subsets = subsets
	_, err = eps.Update(ctx, cur, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func (k *kubernetesService) ensureEndpointSlice(ctx context.Context, addrs []string) error {
	want := discoveryv1.EndpointSlice{
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports: []discoveryv1.EndpointPort{{
			Name: ptr.To("https"), Port: ptr.To(k.port), Protocol: ptr.To(corev1.ProtocolTCP),
		}},
	}
	if a, err := netip.ParseAddr(k.address); err == nil && a.Is6() {
		want.AddressType = discoveryv1.AddressTypeIPv6
	}
	for _, a := range addrs {
		want.Endpoints = append(want.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{a},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
		})
	}
	client := k.client.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault)
	cur, err := client.Get(ctx, kubernetesServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		want.ObjectMeta = metav1.ObjectMeta{
			Name:   kubernetesServiceName,
			Labels: map[string]string{discoveryv1.LabelServiceName: kubernetesServiceName},
		}
		_, err = client.Create(ctx, &want, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if cur.AddressType == want.AddressType && apiequality.Semantic.DeepEqual(cur.Endpoints, want.Endpoints) &&
		apiequality.Semantic.DeepEqual(cur.Ports, want.Ports) {
		return nil
	}
	cur.AddressType, cur.Endpoints, cur.Ports = want.AddressType, want.Endpoints, want.Ports
	_, err = client.Update(ctx, cur, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("update endpointslice default/kubernetes: %w", err)
	}
	return nil
}
