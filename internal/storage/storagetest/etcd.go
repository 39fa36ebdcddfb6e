package storagetest

import (
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Options tune the embedded etcd.
type Options struct {
	// ProgressNotifyInterval is how often etcd sends watch progress
	// notifications; 0 keeps etcd's default (10 minutes).
	ProgressNotifyInterval time.Duration
}

// StartEtcd starts an embedded single-member etcd on free loopback ports in
// a t.TempDir() and returns a client for it. Both are closed when the test
// ends. It fails the test when etcd cannot start.
func StartEtcd(t testing.TB) *clientv3.Client {
	t.Helper()
	return StartEtcdWithOptions(t, Options{})
}

// StartEtcdWithOptions is StartEtcd with options.
func StartEtcdWithOptions(t testing.TB, opts Options) *clientv3.Client {
	t.Helper()
	var lastErr error
	// Free ports are picked by binding and releasing them; another process
	// can take one meanwhile, so retry a few times.
	for attempt := 0; attempt < 5; attempt++ {
		e, err := startServer(t.TempDir(), opts)
		if err != nil {
			lastErr = err
			continue
		}
		endpoint := e.Clients[0].Addr().String()
		client, err := clientv3.New(clientv3.Config{
			Endpoints:   []string{endpoint},
			DialTimeout: 10 * time.Second,
			Logger:      zap.NewNop(),
		})
		if err != nil {
			e.Close()
			t.Fatalf("etcd client: %v", err)
		}
		t.Cleanup(func() {
			_ = client.Close()
			e.Close()
		})
		return client
	}
	t.Fatalf("start embedded etcd: %v", lastErr)
	return nil
}

func startServer(dir string, opts Options) (*embed.Etcd, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[0])}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[1])}

	cfg := embed.NewConfig()
	cfg.Name = "test"
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	// etcd logs expected shutdown errors loudly; failures to start are
	// returned as errors anyway.
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.UnsafeNoFsync = true
	if opts.ProgressNotifyInterval > 0 {
		cfg.WatchProgressNotifyInterval = opts.ProgressNotifyInterval
	}

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		e.Close()
		return nil, fmt.Errorf("etcd did not become ready in 60s")
	}
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
