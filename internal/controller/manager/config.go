package manager

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/controller"
)

// Config is the controller manager's configuration; New validates and
// defaults it.
type Config struct {
	// RESTConfig reaches the API server (required). The manager copies it
	// and sets its own user agent and client rate limits.
	RESTConfig *rest.Config

	// Identity names this process in the Lease; default hostname_<uuid>.
	Identity string
	// LeaderElect runs the controllers only while holding the Lease.
	LeaderElect bool
	// LeaseNamespace and LeaseName name the Lease; defaults "kube-system"
	// and "nauta-controller-manager".
	LeaseNamespace string
	LeaseName      string
	// LeaseDuration, RenewDeadline and RetryPeriod default to 15s, 10s and
	// 2s, the upstream --leader-elect-* defaults.
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration

	// Controllers selects controllers like kube-controller-manager's
	// --controllers: "*" is every controller, "name" enables one, "-name"
	// disables one. Empty means "*".
	Controllers []string
	// Constructors replaces the registry's constructor of a controller by
	// name: how the server passes flag-derived options (grace periods,
	// CIDRs) to the controllers that take them.
	Constructors map[string]controller.Constructor
	// Workers overrides how many keys a controller works on concurrently,
	// by controller name; unset names use the registry's default.
	Workers map[string]int

	// RootCA is the PEM bundle published in every namespace as
	// kube-root-ca.crt. Default: the CA of RESTConfig.
	RootCA []byte

	// ResyncPeriod is how often informers replay their cache to the
	// handlers; default 12h. Controllers needing more ask for it themselves.
	ResyncPeriod time.Duration

	// ClientQPS and ClientBurst limit requests to the API server, raising
	// RESTConfig's own limits when those are lower; default
	// 50 and 100 when RESTConfig has none.
	ClientQPS   float32
	ClientBurst int

	// Registerer receives the workqueue metrics; nil exports none.
	Registerer prometheus.Registerer
	// Logger defaults to slog.Default(); the manager adds
	// component=controller-manager.
	Logger *slog.Logger
}

const (
	DefaultLeaseNamespace = "kube-system"
	DefaultLeaseName      = "nauta-controller-manager"
	userAgent             = "nauta-controller-manager"
)

// withDefaults validates cfg and returns a copy with every default filled.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.RESTConfig == nil {
		return cfg, errors.New("controller manager: RESTConfig is required")
	}
	if cfg.Identity == "" {
		host, err := os.Hostname()
		if err != nil {
			return cfg, fmt.Errorf("controller manager: default identity: %w", err)
		}
		cfg.Identity = host + "_" + string(uuid.NewUUID())
	}
	if cfg.LeaseNamespace == "" {
		cfg.LeaseNamespace = DefaultLeaseNamespace
	}
	if cfg.LeaseName == "" {
		cfg.LeaseName = DefaultLeaseName
	}
	if cfg.LeaseDuration == 0 {
		cfg.LeaseDuration = 15 * time.Second
	}
	if cfg.RenewDeadline == 0 {
		cfg.RenewDeadline = 10 * time.Second
	}
	if cfg.RetryPeriod == 0 {
		cfg.RetryPeriod = 2 * time.Second
	}
	if cfg.LeaderElect {
		// Same rules client-go enforces; checked here so New fails, not Start.
		if cfg.LeaseDuration <= cfg.RenewDeadline {
			return cfg, errors.New("controller manager: LeaseDuration must be greater than RenewDeadline")
		}
		if float64(cfg.RenewDeadline) <= 1.2*float64(cfg.RetryPeriod) {
			return cfg, errors.New("controller manager: RenewDeadline must be greater than 1.2 × RetryPeriod")
		}
	}
	if len(cfg.Controllers) == 0 {
		cfg.Controllers = []string{"*"}
	}
	if err := validateSelection(cfg.Controllers); err != nil {
		return cfg, err
	}
	for name := range cfg.Constructors {
		if !slices.Contains(KnownControllers(), name) {
			return cfg, fmt.Errorf("controller manager: constructor for unknown controller %q", name)
		}
	}
	if len(cfg.RootCA) == 0 {
		ca, err := caFromRESTConfig(cfg.RESTConfig)
		if err != nil {
			return cfg, err
		}
		cfg.RootCA = ca
	}
	if cfg.ResyncPeriod == 0 {
		cfg.ResyncPeriod = 12 * time.Hour
	}
	if cfg.ClientQPS == 0 {
		cfg.ClientQPS = 50
	}
	if cfg.ClientBurst == 0 {
		cfg.ClientBurst = 100
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = cfg.Logger.With("component", "controller-manager")
	return cfg, nil
}

func caFromRESTConfig(rc *rest.Config) ([]byte, error) {
	if len(rc.TLSClientConfig.CAData) > 0 {
		return rc.TLSClientConfig.CAData, nil
	}
	if rc.TLSClientConfig.CAFile != "" {
		ca, err := os.ReadFile(rc.TLSClientConfig.CAFile)
		if err != nil {
			return nil, fmt.Errorf("controller manager: read root CA: %w", err)
		}
		return ca, nil
	}
	return nil, nil
}

// restConfigFor returns a copy of the configured rest.Config for one client
// of the manager, named in the user agent.
func (cfg Config) restConfigFor(name string) *rest.Config {
	rc := rest.CopyConfig(cfg.RESTConfig)
	rc.UserAgent = userAgent + "/" + name
	if rc.RateLimiter == nil && rc.QPS >= 0 { // QPS < 0 is unlimited
		rc.QPS = max(rc.QPS, cfg.ClientQPS)
		rc.Burst = max(rc.Burst, cfg.ClientBurst)
	}
	return rc
}
