package simnode

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/rest"
)

// Defaults of Config, close to what a real kubelet reports.
const (
	DefaultNamePrefix        = "sim-node-"
	DefaultLeaseDuration     = 40 * time.Second
	DefaultHeartbeatInterval = 10 * time.Second
	DefaultStatusInterval    = 5 * time.Minute
	DefaultWorkers           = 16
	// DefaultPodWorkers is larger: each worker waits on one status write,
	// and under load a write waits for etcd's apply loop, so the number
	// in flight bounds how fast pods turn Running.
	DefaultPodWorkers = 64
	// DefaultQPS and DefaultBurst limit each of the two clients (pods;
	// leases and node status). The pod client must keep up with a
	// scheduler binding 1,000 pods/s.
	DefaultQPS   = 2000
	DefaultBurst = 4000
)

// LabelType is the label every simulated node carries (value "simulated").
const (
	LabelType      = "type"
	LabelTypeValue = "simulated"
)

// Config describes the simulated nodes.
type Config struct {
	// RESTConfig reaches the API server. Its QPS and Burst are raised to
	// QPS/Burst below unless already higher.
	RESTConfig *rest.Config
	// Nodes is how many nodes to register (at least 1).
	Nodes int
	// NamePrefix names nodes NamePrefix0, NamePrefix1, ...
	NamePrefix string
	// Capacity (and allocatable) of every node.
	CPU, Memory, Pods resource.Quantity
	// Labels are added to every node.
	Labels map[string]string
	// Zones, when > 0, spreads nodes over topology.kubernetes.io/zone
	// zone-0 .. zone-(Zones-1) (and the same region label "region-0").
	Zones int
	// LeaseDuration is the leaseDurationSeconds of the node leases.
	LeaseDuration time.Duration
	// HeartbeatInterval is how often each lease is renewed.
	HeartbeatInterval time.Duration
	// StatusInterval is how often the node status (conditions' heartbeat
	// times) is re-posted, like the kubelet's nodeStatusReportFrequency.
	StatusInterval time.Duration
	// Workers is how many nodes register at once; half of it (at least 4)
	// renew leases and post node status.
	Workers int
	// PodWorkers is how many pods are marked Running (or finish their
	// deletion) at once.
	PodWorkers int
	// QPS and Burst of the client.
	QPS   float32
	Burst int
	// Logger; slog.Default() when nil.
	Logger *slog.Logger
}

// ErrInvalidConfig is wrapped by every configuration error.
var ErrInvalidConfig = errors.New("invalid simulated node configuration")

// withDefaults validates cfg and fills in its defaults.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.RESTConfig == nil {
		return cfg, fmt.Errorf("%w: no REST config", ErrInvalidConfig)
	}
	if cfg.Nodes < 1 {
		return cfg, fmt.Errorf("%w: nodes must be at least 1, got %d", ErrInvalidConfig, cfg.Nodes)
	}
	if cfg.Zones < 0 {
		return cfg, fmt.Errorf("%w: zones must not be negative", ErrInvalidConfig)
	}
	if cfg.NamePrefix == "" {
		cfg.NamePrefix = DefaultNamePrefix
	}
	if cfg.CPU.IsZero() {
		cfg.CPU = resource.MustParse("32")
	}
	if cfg.Memory.IsZero() {
		cfg.Memory = resource.MustParse("256Gi")
	}
	if cfg.Pods.IsZero() {
		cfg.Pods = resource.MustParse("110")
	}
	if cfg.LeaseDuration <= 0 {
		cfg.LeaseDuration = DefaultLeaseDuration
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if cfg.StatusInterval <= 0 {
		cfg.StatusInterval = DefaultStatusInterval
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.PodWorkers <= 0 {
		cfg.PodWorkers = DefaultPodWorkers
	}
	if cfg.QPS <= 0 {
		cfg.QPS = DefaultQPS
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}
