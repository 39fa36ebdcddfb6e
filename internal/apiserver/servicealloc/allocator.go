package servicealloc

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/storage"
)

// Keys of the range bitmaps, as upstream names them.
const (
	ServiceIPsKey       = "/registry/ranges/serviceips"
	ServiceNodePortsKey = "/registry/ranges/servicenodeports"
)

// DefaultRepairInterval is how often the repair pass runs.
const DefaultRepairInterval = 3 * time.Minute

// leakRounds is how many repair passes in a row must see a value unused
// before it is freed.
const leakRounds = 3

// Config configures an Allocator.
type Config struct {
	// Store is the etcd store (not a watch cache: repair must read the
	// latest Services).
	Store storage.Interface
	// ServicesPrefix is the storage prefix of Services, "/registry/services".
	ServicesPrefix string
	// ServiceCIDR is --service-cluster-ip-range.
	ServiceCIDR string
	// NodePortRange is --service-node-port-range ("30000-32767").
	NodePortRange string
	// RepairInterval defaults to DefaultRepairInterval.
	RepairInterval time.Duration
	Logger         *slog.Logger
}

// Allocator hands out cluster IPs and node ports to Services.
type Allocator struct {
	cfg   Config
	ips   IPRange
	ports PortRange
	ipBM  *rangeStore
	ptBM  *rangeStore
	log   *slog.Logger

	mu      sync.Mutex
	ipLeaks map[int]int
	ptLeaks map[int]int
}

// New returns an Allocator for cfg.
func New(cfg Config) (*Allocator, error) {
	if cfg.Store == nil {
		return nil, errors.New("servicealloc: no store")
	}
	if cfg.ServicesPrefix == "" {
		cfg.ServicesPrefix = "/registry/services"
	}
	if cfg.NodePortRange == "" {
		cfg.NodePortRange = DefaultNodePortRange
	}
	if cfg.RepairInterval <= 0 {
		cfg.RepairInterval = DefaultRepairInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ips, err := ParseIPRange(cfg.ServiceCIDR)
	if err != nil {
		return nil, err
	}
	ports, err := ParsePortRange(cfg.NodePortRange)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "servicealloc")
	return &Allocator{
		cfg:   cfg,
		ips:   ips,
		ports: ports,
		ipBM: &rangeStore{store: cfg.Store, key: ServiceIPsKey, name: "serviceips", rangeText: ips.String(),
			size: ips.Size(), staticBand: ipStaticBand(ips.Size()), log: log},
		ptBM: &rangeStore{store: cfg.Store, key: ServiceNodePortsKey, name: "servicenodeports", rangeText: ports.String(),
			size: ports.Size, staticBand: portStaticBand(ports.Size), log: log},
		log:     log,
		ipLeaks: map[int]int{},
		ptLeaks: map[int]int{},
	}, nil
}

// claims are the range values a Service holds.
type claims struct {
	ips   []int // offsets in the IP range
	ports []int // offsets in the port range
}

// claimsOf returns what svc holds in the ranges. Values outside the
// ranges (a Service stored before the range flag changed) are ignored.
func (a *Allocator) claimsOf(svc *corev1.Service) claims {
	var c claims
	if svc == nil {
		return c
	}
	if svc.Spec.Type != corev1.ServiceTypeExternalName {
		for _, s := range svc.Spec.ClusterIPs {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				continue
			}
			if o, err := a.ips.Offset(ip); err == nil {
				c.ips = appendUnique(c.ips, o)
			}
		}
	}
	for _, p := range svc.Spec.Ports {
		if o, err := a.ports.Offset(int(p.NodePort)); err == nil {
			c.ports = appendUnique(c.ports, o)
		}
	}
	if o, err := a.ports.Offset(int(svc.Spec.HealthCheckNodePort)); err == nil {
		c.ports = appendUnique(c.ports, o)
	}
	return c
}

func appendUnique(s []int, v int) []int {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// minus returns the values of s not in t.
func minus(s, t []int) []int {
	var out []int
	for _, v := range s {
		found := false
		for _, w := range t {
			if v == w {
				found = true
				break
			}
		}
		if !found {
			out = append(out, v)
		}
	}
	return out
}

// release frees c, logging failures: a value left held is freed later by
// the repair pass.
func (a *Allocator) release(ctx context.Context, c claims) {
	ctx = context.WithoutCancel(ctx)
	if _, err := a.ipBM.apply(ctx, change{release: c.ips}); err != nil {
		a.log.Error("releasing cluster IPs failed; repair will free them", "offsets", c.ips, "err", err)
	}
	if _, err := a.ptBM.apply(ctx, change{release: c.ports}); err != nil {
		a.log.Error("releasing node ports failed; repair will free them", "offsets", c.ports, "err", err)
	}
}
