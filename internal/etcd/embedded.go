package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/sys/unix"
)

// Backend is an etcd this process talks to: a Runnable that becomes ready
// once etcd answers, and then hands out a client.
type Backend interface {
	// Start runs until ctx ends, then releases everything it holds.
	Start(ctx context.Context) error
	// Ready is closed once Client may be used.
	Ready() <-chan struct{}
	// Client returns the client; nil before Ready is closed.
	Client() *clientv3.Client
}

// Defaults of the embedded etcd.
const (
	// DefaultProgressNotifyInterval makes etcd tell idle watchers its
	// current revision, which lets watch caches prove they are fresh.
	DefaultProgressNotifyInterval = time.Second
	defaultStartTimeout           = time.Minute
	// maxUnixSocketPath is the limit of sun_path on Linux, less the NUL.
	maxUnixSocketPath = 107
)

// EmbeddedConfig configures an etcd running inside this process.
type EmbeddedConfig struct {
	// Dir holds etcd's data, normally DATA_DIR/etcd. Required.
	Dir string
	// ClientURL is where etcd serves clients. The default,
	// unix://<Dir>/client.sock, cannot collide with any other etcd;
	// http://127.0.0.1:<port> is accepted too.
	ClientURL string
	// ProgressNotifyInterval is how often idle watchers are told the
	// current revision. Default DefaultProgressNotifyInterval.
	ProgressNotifyInterval time.Duration
	// StartTimeout bounds how long Start waits for etcd to become ready.
	// Default one minute.
	StartTimeout time.Duration
	// Logger receives etcd's messages at LogLevel and above. Default
	// slog.Default().
	Logger *slog.Logger
	// LogLevel is the lowest level of etcd's own messages that are logged.
	// Default slog.LevelWarn: etcd is chatty at info.
	LogLevel slog.Leveler
}

// Embedded is an etcd server inside this process.
type Embedded struct {
	cfg    EmbeddedConfig
	level  zap.AtomicLevel
	zap    *zap.Logger
	ready  chan struct{}
	client *clientv3.Client
}

var _ Backend = (*Embedded)(nil)

// NewEmbedded checks cfg and fills its defaults; nothing starts before Start.
func NewEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.Dir == "" {
		return nil, errors.New("etcd: data directory is required")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("etcd: data directory: %w", err)
	}
	cfg.Dir = dir
	if cfg.ClientURL == "" {
		cfg.ClientURL = "unix://" + filepath.Join(cfg.Dir, "client.sock")
	}
	u, err := url.Parse(cfg.ClientURL)
	if err != nil {
		return nil, fmt.Errorf("etcd: client URL %q: %w", cfg.ClientURL, err)
	}
	switch u.Scheme {
	case "unix":
		if len(u.Host+u.Path) > maxUnixSocketPath {
			return nil, fmt.Errorf("etcd: socket path %s is longer than %d bytes; use a shorter data directory", u.Host+u.Path, maxUnixSocketPath)
		}
	case "http":
	default:
		return nil, fmt.Errorf("etcd: client URL %q: scheme must be unix or http", cfg.ClientURL)
	}
	if cfg.ProgressNotifyInterval <= 0 {
		cfg.ProgressNotifyInterval = DefaultProgressNotifyInterval
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = defaultStartTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LogLevel == nil {
		cfg.LogLevel = slog.LevelWarn
	}
	level := zap.NewAtomicLevelAt(zapLevel(cfg.LogLevel.Level()))
	return &Embedded{
		cfg:   cfg,
		level: level,
		zap:   newZapLogger(cfg.Logger, level),
		ready: make(chan struct{}),
	}, nil
}

// Endpoint is the URL clients reach this etcd at.
func (e *Embedded) Endpoint() string { return e.cfg.ClientURL }

// Ready is closed once etcd serves and Client works.
func (e *Embedded) Ready() <-chan struct{} { return e.ready }

// Client returns a client of this etcd; nil before Ready is closed. It is
// closed when Start returns.
func (e *Embedded) Client() *clientv3.Client {
	select {
	case <-e.ready:
		return e.client
	default:
		return nil
	}
}

// Start runs etcd until ctx ends, then closes the client and etcd.
func (e *Embedded) Start(ctx context.Context) error {
	if err := os.MkdirAll(e.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	// etcd refuses a data directory others can read.
	if err := os.Chmod(e.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	// etcd itself would wait forever on its database lock if another
	// process used Dir; fail at once instead.
	lock, err := lockDir(e.cfg.Dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	ecfg, err := e.etcdConfig()
	if err != nil {
		return err
	}
	etcd, err := embed.StartEtcd(ecfg)
	if err != nil {
		return fmt.Errorf("etcd: start: %w", err)
	}
	defer e.close(etcd)

	timer := time.NewTimer(e.cfg.StartTimeout)
	defer timer.Stop()
	select {
	case <-etcd.Server.ReadyNotify():
	case err := <-etcd.Err():
		return fmt.Errorf("etcd: %w", err)
	case <-timer.C:
		return fmt.Errorf("etcd: not ready after %v", e.cfg.StartTimeout)
	case <-ctx.Done():
		return nil
	}

	// The API server in this process calls etcd's server functions
	// directly, as etcd's own proxy does: no gRPC framing, TCP or
	// protobuf copies per request. The client URL still serves etcdctl
	// and other processes.
	client := v3client.New(etcd.Server)
	e.client = client
	close(e.ready)
	e.cfg.Logger.Info("embedded etcd ready", "dir", e.cfg.Dir, "endpoint", e.cfg.ClientURL)

	select {
	case <-ctx.Done():
		return nil
	case err := <-etcd.Err():
		return fmt.Errorf("etcd: %w", err)
	case <-etcd.Server.StopNotify():
		return errors.New("etcd: server stopped")
	}
}

// close shuts etcd down. etcd logs errors about its own listeners closing
// on every shutdown; they say nothing useful, so they are muted.
func (e *Embedded) close(etcd *embed.Etcd) {
	if e.client != nil {
		_ = e.client.Close()
	}
	e.level.SetLevel(zapcore.FatalLevel)
	etcd.Close()
	e.cfg.Logger.Info("embedded etcd stopped")
}

func (e *Embedded) etcdConfig() (*embed.Config, error) {
	client, err := url.Parse(e.cfg.ClientURL)
	if err != nil {
		return nil, fmt.Errorf("etcd: client URL: %w", err)
	}
	cfg := embed.NewConfig()
	cfg.Name = "nauta"
	cfg.Dir = e.cfg.Dir
	cfg.ListenClientUrls = []url.URL{*client}
	cfg.AdvertiseClientUrls = []url.URL{*client}
	// A single member never dials its peers, so it needs no peer listener.
	// The advertised peer URL only names the member in the cluster's
	// membership; being a socket path in Dir it cannot point anywhere else.
	peer := url.URL{Scheme: "unix", Path: filepath.Join(e.cfg.Dir, "peer.sock")}
	cfg.ListenPeerUrls = nil
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.InitialClusterToken = "nauta"
	// Compaction is done by internal/storage; a quota would turn writes
	// into alarms the API server cannot clear.
	cfg.AutoCompactionMode = embed.CompactorModePeriodic
	cfg.AutoCompactionRetention = "0"
	cfg.QuotaBackendBytes = -1
	cfg.WatchProgressNotifyInterval = e.cfg.ProgressNotifyInterval
	// etcd keeps every raft entry since its last snapshot in memory; the
	// default of 100,000 entries costs tens of MB under write load.
	cfg.SnapshotCount = 10000
	cfg.EnableGRPCGateway = false
	cfg.Logger = "zap"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(e.zap)
	return cfg, nil
}

// ErrDirInUse is returned by Start when another process runs an etcd on
// the same directory.
var ErrDirInUse = errors.New("etcd data directory is in use by another process")

// lockDir takes an exclusive lock on Dir/nauta.lock, released when the
// returned file is closed (or the process exits).
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "nauta.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrDirInUse, dir)
		}
		return nil, fmt.Errorf("etcd: lock %s: %w", path, err)
	}
	return f, nil
}

func zapLevel(l slog.Level) zapcore.Level {
	switch {
	case l < slog.LevelInfo:
		return zapcore.DebugLevel
	case l < slog.LevelWarn:
		return zapcore.InfoLevel
	case l < slog.LevelError:
		return zapcore.WarnLevel
	default:
		return zapcore.ErrorLevel
	}
}
