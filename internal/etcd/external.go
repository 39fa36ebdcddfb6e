package etcd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// ExternalConfig names an etcd cluster run by someone else.
type ExternalConfig struct {
	// Endpoints are the client URLs (--etcd-servers). Required.
	Endpoints []string
	// CAFile verifies the servers; CertFile and KeyFile authenticate us.
	// All optional; CertFile and KeyFile go together.
	CAFile   string
	CertFile string
	KeyFile  string
	// Logger receives connection problems. Default slog.Default().
	Logger *slog.Logger
}

// External is a client of an external etcd cluster.
type External struct {
	cfg    ExternalConfig
	client *clientv3.Client
	ready  chan struct{}
}

var _ Backend = (*External)(nil)

// NewExternal checks cfg and creates the client. It does not wait for etcd
// to answer: Start does.
func NewExternal(cfg ExternalConfig) (*External, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("--etcd-servers: at least one endpoint is required")
	}
	useTLS := false
	for _, ep := range cfg.Endpoints {
		u, err := url.Parse(ep)
		if err != nil || u.Host == "" && u.Path == "" {
			return nil, fmt.Errorf("--etcd-servers: %q is not a URL like https://10.0.0.1:2379", ep)
		}
		switch u.Scheme {
		case "http", "unix":
		case "https", "unixs":
			useTLS = true
		default:
			return nil, fmt.Errorf("--etcd-servers: %q: scheme must be http, https, unix or unixs", ep)
		}
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("--etcd-certfile and --etcd-keyfile must be given together")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}

	var tlsConfig *tls.Config
	if useTLS || cfg.CAFile != "" || cfg.CertFile != "" {
		var err error
		tlsConfig, err = clientTLS(cfg)
		if err != nil {
			return nil, err
		}
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: 5 * time.Second,
		TLS:         tlsConfig,
		Logger:      newZapLogger(cfg.Logger, zap.NewAtomicLevelAt(zap.ErrorLevel)).Named("client"),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd client for %s: %w", strings.Join(cfg.Endpoints, ","), err)
	}
	return &External{cfg: cfg, client: client, ready: make(chan struct{})}, nil
}

// clientTLS trusts CAFile (the system roots when empty) and presents
// CertFile/KeyFile when given.
func clientTLS(cfg ExternalConfig) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		data, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--etcd-cafile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("--etcd-cafile: no PEM certificate in %s", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	if cfg.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--etcd-certfile/--etcd-keyfile: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc, nil
}

// Ready is closed once etcd has answered a read.
func (x *External) Ready() <-chan struct{} { return x.ready }

// Client returns the client; nil before Ready is closed.
func (x *External) Client() *clientv3.Client {
	select {
	case <-x.ready:
		return x.client
	default:
		return nil
	}
}

// Start waits until etcd answers, retrying while it does not, then holds
// the client open until ctx ends.
func (x *External) Start(ctx context.Context) error {
	defer x.client.Close()
	endpoints := strings.Join(x.cfg.Endpoints, ",")
	for attempt := 1; ; attempt++ {
		err := Ping(ctx, x.client)
		if err == nil {
			break
		}
		if attempt == 1 || attempt%10 == 0 {
			x.cfg.Logger.Warn("waiting for etcd", "endpoints", endpoints, "attempt", attempt, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	close(x.ready)
	x.cfg.Logger.Info("connected to etcd", "endpoints", endpoints)
	<-ctx.Done()
	return nil
}

// Ping reads one key with a two-second timeout: nil means etcd serves
// linearizable reads (it has a leader and a quorum).
func Ping(ctx context.Context, client *clientv3.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := client.Get(ctx, "health"); err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	return nil
}
