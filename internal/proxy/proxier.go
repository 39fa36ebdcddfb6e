package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/prometheus/client_golang/prometheus"
)

// Modes of the proxy.
const (
	ModeNFTables = "nftables"
	ModeIPTables = "iptables"
)

// Defaults, matching Nauta's address plan and upstream's sync periods.
const (
	DefaultClusterCIDR   = "10.42.0.0/16"
	DefaultServiceCIDR   = "10.43.0.0/16"
	DefaultMinSyncPeriod = time.Second
	DefaultSyncPeriod    = 30 * time.Second
)

// Labels upstream's proxy honours: Services owned by another proxy, and
// EndpointSlices of headless Services, are not programmed.
const (
	labelServiceProxyName = "service.kubernetes.io/service-proxy-name"
	labelHeadless         = "service.kubernetes.io/headless"
)

// Config configures the proxy of one node.
type Config struct {
	RESTConfig *rest.Config
	NodeName   string
	// NodeIPs are the addresses NodePorts are served on. Empty: the
	// Node's InternalIP/ExternalIP addresses, or every local address but
	// 127.0.0.0/8 when it has none.
	NodeIPs []net.IP
	// Mode is "nftables" (default) or "iptables".
	Mode string
	// ClusterCIDR is the pod network (default 10.42.0.0/16): traffic from
	// outside it to a ClusterIP is masqueraded.
	ClusterCIDR string
	// ServiceCIDR is the ClusterIP range (default 10.43.0.0/16).
	ServiceCIDR string
	// MinSyncPeriod is the least time between two syncs (default 1s).
	MinSyncPeriod time.Duration
	// SyncPeriod is the period of full resyncs (default 30s).
	SyncPeriod time.Duration
	Logger     *slog.Logger
	// Metrics, when set, receives the kubeproxy_sync_* metrics.
	Metrics prometheus.Registerer
}

// backend programs the kernel in one mode.
type backend interface {
	name() string
	// update records a Service's new ports (nil when it is gone).
	update(key string, ports []servicePort)
	// sync writes what changed, or everything when full.
	sync(ctx context.Context, full bool) error
	cleanup(ctx context.Context) error
}

// Proxier runs the proxy of one node.
type Proxier struct {
	cfg     Config
	log     *slog.Logger
	r       runner
	backend backend
	params  nftParams
	metrics *metrics

	mu        sync.Mutex
	dirty     map[string]bool
	nodeIPs   []string // from the Node, when cfg.NodeIPs is empty
	paramsNew bool
	trigger   chan struct{}

	applied   map[string][]servicePort // last synced ports, for conntrack
	conntrack []conntrackJob           // waiting for a successful sync
	warnedCT  bool
}

// New validates cfg, fills defaults and checks the netfilter tools.
func New(cfg Config) (*Proxier, error) {
	return newProxier(cfg, execRunner{})
}

func newProxier(cfg Config, r runner) (*Proxier, error) {
	if cfg.RESTConfig == nil {
		return nil, errors.New("proxy: RESTConfig is required")
	}
	if cfg.NodeName == "" {
		return nil, errors.New("proxy: NodeName is required")
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeNFTables
	}
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = DefaultClusterCIDR
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = DefaultServiceCIDR
	}
	for _, c := range []string{cfg.ClusterCIDR, cfg.ServiceCIDR} {
		if ip, _, err := net.ParseCIDR(c); err != nil || ip.To4() == nil {
			return nil, fmt.Errorf("proxy: %q is not an IPv4 CIDR", c)
		}
	}
	if cfg.MinSyncPeriod <= 0 {
		cfg.MinSyncPeriod = DefaultMinSyncPeriod
	}
	if cfg.SyncPeriod <= 0 {
		cfg.SyncPeriod = DefaultSyncPeriod
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("component", "proxy", "mode", cfg.Mode)
	p := &Proxier{
		cfg: cfg, log: log, r: r,
		dirty:   map[string]bool{},
		trigger: make(chan struct{}, 1),
		applied: map[string][]servicePort{},
		metrics: newMetrics(cfg.Metrics),
	}
	p.params = nftParams{ClusterCIDR: cfg.ClusterCIDR, ServiceCIDR: cfg.ServiceCIDR, NodeIPs: ipv4Strings(cfg.NodeIPs)}
	switch cfg.Mode {
	case ModeNFTables:
		if !r.has("nft") {
			return nil, errors.New("proxy: nftables mode needs the nft binary (package nftables)")
		}
		p.backend = newNFTBackend(r, p.params, log)
	case ModeIPTables:
		for _, tool := range []string{"iptables", "iptables-save", "iptables-restore"} {
			if !r.has(tool) {
				return nil, fmt.Errorf("proxy: iptables mode needs %s (package iptables)", tool)
			}
		}
		p.backend = newIPTBackend(r, p.params, log)
	default:
		return nil, fmt.Errorf("proxy: unknown mode %q (want %q or %q)", cfg.Mode, ModeNFTables, ModeIPTables)
	}
	return p, nil
}

func ipv4Strings(ips []net.IP) []string {
	var out []string
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			out = append(out, v4.String())
		}
	}
	return out
}

// Run watches Services, EndpointSlices and this node until ctx ends,
// keeping the kernel rules in step. The rules stay when it returns (a
// restart picks them up); Cleanup removes them.
func (p *Proxier) Run(ctx context.Context) error {
	client, err := kubernetes.NewForConfig(p.cfg.RESTConfig)
	if err != nil {
		return fmt.Errorf("proxy client: %w", err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = "!" + labelServiceProxyName
		}))
	svcInformer := factory.Core().V1().Services()
	sliceFactory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = "!" + labelServiceProxyName + ",!" + labelHeadless
		}))
	sliceInformer := sliceFactory.Discovery().V1().EndpointSlices()
	nodeFactory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = "metadata.name=" + p.cfg.NodeName
		}))
	nodeInformer := nodeFactory.Core().V1().Nodes()

	svcHandler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.serviceChanged(obj) },
		UpdateFunc: func(_, obj any) { p.serviceChanged(obj) },
		DeleteFunc: func(obj any) { p.serviceChanged(obj) },
	}
	sliceHandler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.sliceChanged(obj) },
		UpdateFunc: func(_, obj any) { p.sliceChanged(obj) },
		DeleteFunc: func(obj any) { p.sliceChanged(obj) },
	}
	nodeHandler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.nodeChanged(obj) },
		UpdateFunc: func(_, obj any) { p.nodeChanged(obj) },
	}
	if _, err := svcInformer.Informer().AddEventHandler(svcHandler); err != nil {
		return err
	}
	if _, err := sliceInformer.Informer().AddEventHandler(sliceHandler); err != nil {
		return err
	}
	if _, err := nodeInformer.Informer().AddEventHandler(nodeHandler); err != nil {
		return err
	}
	svcLister, sliceLister := svcInformer.Lister(), sliceInformer.Lister()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	factory.Start(ctx.Done())
	sliceFactory.Start(ctx.Done())
	nodeFactory.Start(ctx.Done())
	defer factory.Shutdown()
	defer sliceFactory.Shutdown()
	defer nodeFactory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), svcInformer.Informer().HasSynced, sliceInformer.Informer().HasSynced, nodeInformer.Informer().HasSynced) {
		if ctx.Err() != nil {
			return nil
		}
		return errors.New("proxy: informers did not sync")
	}
	setSysctls(ctx, p.r, p.log)
	// Rules left by an earlier run in the other mode would catch traffic
	// too: remove them, like upstream does when switching modes.
	other := iptCleanup
	if p.cfg.Mode == ModeIPTables {
		other = nftCleanup
	}
	if err := other(ctx, p.r); err != nil {
		p.log.Warn("could not remove the other proxy mode's rules", "err", err)
	}
	p.log.Info("proxy started", "node", p.cfg.NodeName, "clusterCIDR", p.cfg.ClusterCIDR, "serviceCIDR", p.cfg.ServiceCIDR)
	return p.loop(ctx, svcLister, sliceLister)
}

func (p *Proxier) kick() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

func (p *Proxier) markDirty(key string) {
	p.mu.Lock()
	p.dirty[key] = true
	p.mu.Unlock()
	p.kick()
}

func (p *Proxier) serviceChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if svc, ok := obj.(*v1.Service); ok {
		p.markDirty(svc.Namespace + "/" + svc.Name)
	}
}

func (p *Proxier) sliceChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if s, ok := obj.(*discovery.EndpointSlice); ok {
		if name := s.Labels[discovery.LabelServiceName]; name != "" {
			p.markDirty(s.Namespace + "/" + name)
		}
	}
}

func (p *Proxier) nodeChanged(obj any) {
	node, ok := obj.(*v1.Node)
	if !ok || len(p.cfg.NodeIPs) > 0 {
		return
	}
	var ips []string
	for _, a := range node.Status.Addresses {
		if (a.Type == v1.NodeInternalIP || a.Type == v1.NodeExternalIP) && isIPv4(a.Address) {
			ips = append(ips, a.Address)
		}
	}
	ips = uniqueSorted(ips)
	p.mu.Lock()
	changed := !slices.Equal(ips, p.nodeIPs)
	if changed {
		p.nodeIPs = ips
		p.paramsNew = true
	}
	p.mu.Unlock()
	if changed {
		p.kick()
	}
}

// loop syncs when something changed, at most once per MinSyncPeriod, and
// fully at least once per SyncPeriod.
func (p *Proxier) loop(ctx context.Context, svcs corelisters.ServiceLister, slices discoverylisters.EndpointSliceLister) error {
	// Everything is new at start.
	all, err := svcs.List(labels.Everything())
	if err != nil {
		return err
	}
	p.mu.Lock()
	for _, s := range all {
		p.dirty[s.Namespace+"/"+s.Name] = true
	}
	p.mu.Unlock()
	var lastSync, lastFull time.Time
	full := true
	retry := time.NewTimer(0)
	defer retry.Stop()
	periodic := time.NewTicker(p.cfg.SyncPeriod)
	defer periodic.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.trigger:
		case <-retry.C:
		case <-periodic.C:
			full = true
		}
		if wait := p.cfg.MinSyncPeriod - time.Since(lastSync); wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
		if time.Since(lastFull) >= p.cfg.SyncPeriod {
			full = true
		}
		lastSync = time.Now()
		if err := p.syncOnce(ctx, svcs, slices, full); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			p.log.Error("sync failed; retrying", "err", err)
			retry.Reset(p.cfg.MinSyncPeriod)
			full = true
			continue
		}
		if full {
			lastFull = lastSync
		}
		full = false
	}
}

// syncOnce programs the Services marked dirty since the last sync.
func (p *Proxier) syncOnce(ctx context.Context, svcs corelisters.ServiceLister, sliceLister discoverylisters.EndpointSliceLister, full bool) error {
	start := time.Now()
	p.mu.Lock()
	dirty := p.dirty
	p.dirty = map[string]bool{}
	if p.paramsNew {
		p.paramsNew = false
		if len(p.cfg.NodeIPs) == 0 {
			p.params.NodeIPs = p.nodeIPs
		}
		p.setParams(p.params)
		full = true
	}
	p.mu.Unlock()

	for key := range dirty {
		ns, name, _ := cache.SplitMetaNamespaceKey(key)
		var ports []servicePort
		svc, err := svcs.Services(ns).Get(name)
		if err == nil {
			sel := labels.SelectorFromSet(labels.Set{discovery.LabelServiceName: name})
			sl, err := sliceLister.EndpointSlices(ns).List(sel)
			if err != nil {
				return err
			}
			ports = buildServicePorts(svc, sl, p.cfg.NodeName)
		}
		p.conntrack = append(p.conntrack, staleConntrack(p.applied[key], ports)...)
		if len(ports) == 0 {
			delete(p.applied, key)
		} else {
			p.applied[key] = ports
		}
		p.backend.update(key, ports)
	}
	if err := p.backend.sync(ctx, full); err != nil {
		return err
	}
	if len(p.conntrack) > 0 {
		if p.r.has("conntrack") {
			clearConntrack(ctx, p.r, p.log, p.conntrack)
		} else if !p.warnedCT {
			p.warnedCT = true
			p.log.Warn("conntrack tool not found: stale UDP flows to removed endpoints will only time out (install package conntrack)")
		}
		p.conntrack = nil
	}
	took := time.Since(start)
	p.metrics.observe(full, took, time.Now())
	p.log.Debug("synced proxy rules", "full", full, "services", len(dirty), "duration", took)
	return nil
}

// setParams swaps the node-wide parameters and re-renders every Service.
func (p *Proxier) setParams(params nftParams) {
	switch b := p.backend.(type) {
	case *nftBackend:
		b.params = params
		b.synced = false // rewrite everything, nodeport-ips included
		for key, ports := range p.applied {
			b.update(key, ports)
		}
	case *iptBackend:
		b.params = params
		b.synced = false
		for key, ports := range p.applied {
			b.update(key, ports)
		}
	}
}

// setSysctls turns on what Service traffic needs: forwarding, and bridged
// pod traffic passing through netfilter so replies are un-NATed.
func setSysctls(ctx context.Context, r runner, log *slog.Logger) {
	for _, s := range []struct{ key, value string }{
		{"net/ipv4/ip_forward", "1"},
		{"net/bridge/bridge-nf-call-iptables", "1"},
		{"net/bridge/bridge-nf-call-ip6tables", "1"},
	} {
		if err := r.writeSysctl(ctx, s.key, s.value); err != nil {
			log.Warn("could not set sysctl", "key", s.key, "err", err)
		}
	}
}

// Cleanup removes everything the proxy created, in both modes: the nauta
// nftables table, and the NAUTA- iptables chains with the jumps to them.
func Cleanup(ctx context.Context, logger *slog.Logger) error {
	return cleanup(ctx, execRunner{}, logger)
}

func cleanup(ctx context.Context, r runner, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	err := errors.Join(nftCleanup(ctx, r), iptCleanup(ctx, r))
	if err == nil {
		logger.Info("removed proxy rules", "component", "proxy")
	}
	return err
}
