package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// DNSSchemaVersion is what dns-version.<zone> answers in TXT: the version of
// the Kubernetes DNS specification served.
const DNSSchemaVersion = "1.1.0"

// udpReadSize is the largest query read over UDP.
const udpReadSize = 4096

// Server is the cluster DNS server.
type Server struct {
	cfg    Config
	set    settings
	logger *slog.Logger
	client kubernetes.Interface

	ix      *index
	fwd     *forwarder
	metrics *metrics
	cache   *answerCache
	// versionName is dns-version.<zone>; versionTXT its answer.
	versionName string
	versionTXT  []mdns.RR
	// nsExists answers from the namespace informer; set before synced.
	nsExists func(namespace string) bool

	synced atomic.Bool
	ready  chan struct{}

	mu    sync.Mutex
	addrs []net.Addr
}

// New validates cfg and builds the server; Run starts it.
func New(cfg Config) (*Server, error) {
	set, err := cfg.complete()
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "dns")
	client, err := kubernetes.NewForConfig(cfg.RESTConfig)
	if err != nil {
		return nil, fmt.Errorf("dns client: %w", err)
	}
	m, err := newMetrics(cfg.Registerer, "dns://"+set.listen[0])
	if err != nil {
		return nil, err
	}
	s := &Server{
		metrics: m,
		cache:   newAnswerCache(),
		cfg:     cfg,
		set:     set,
		logger:  logger,
		client:  client,
		ix:      newIndex(set.ttl),
		ready:   make(chan struct{}),
	}
	s.versionName = "dns-version." + set.zone
	s.versionTXT = []mdns.RR{&mdns.TXT{Hdr: hdr(s.versionName, mdns.TypeTXT, 28800), Txt: []string{DNSSchemaVersion}}}
	return s, nil
}

// Ready is closed once the server listens and its caches have synced.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addrs returns the bound addresses once listening: for each listen
// address its UDP address then its TCP address (same IP and port).
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]net.Addr(nil), s.addrs...)
}

// Start runs the server (server.Runnable); see Run.
func (s *Server) Start(ctx context.Context) error { return s.Run(ctx) }

// Run listens, starts the informers and serves until ctx ends. Queries for
// cluster names get SERVFAIL until the caches have synced; forwarding works
// from the start.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	servers, err := s.listen()
	if err != nil {
		return err
	}
	// The forwarder is set before the first query can arrive.
	upstreams := s.set.upstreams
	if !s.set.explicitUpst {
		upstreams, err = resolvConfUpstreams(s.set.resolvConf, s.Addrs(), s.set.serviceIP)
		if err != nil || len(upstreams) == 0 {
			s.logger.Warn("no upstream resolvers; names outside the cluster get SERVFAIL", "file", s.set.resolvConf, "err", err)
		}
	}
	s.fwd = newForwarder(upstreams, s.set.fwdTimeout)
	s.fwd.sent = s.metrics.forwards
	s.logger.Info("dns listening", "addrs", addrStrings(s.Addrs()), "zone", s.set.zone, "upstreams", upstreams)

	errs := make(chan error, len(servers)+1)
	var wg, started sync.WaitGroup
	for _, srv := range servers {
		wg.Add(1)
		started.Add(1)
		var once sync.Once
		srv.NotifyStartedFunc = func() { once.Do(started.Done) }
		go func() {
			defer wg.Done()
			if err := srv.ActivateAndServe(); err != nil {
				once.Do(started.Done)
				errs <- fmt.Errorf("dns %s server: %w", srv.Net, err)
			}
		}()
	}
	// Shutdown only stops a server that has started: wait for all.
	started.Wait()
	defer func() {
		shutdownCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		for _, srv := range servers {
			_ = srv.ShutdownContext(shutdownCtx)
		}
		wg.Wait()
	}()

	factory := informers.NewSharedInformerFactory(s.client, 0)
	w, err := newWatcher(factory, s.ix, s.set.zone, s.set.ttl)
	if err != nil {
		return err
	}
	s.nsExists = w.namespaceExists
	factory.Start(ctx.Done())
	defer factory.Shutdown()

	if s.cfg.Publish != nil {
		pub, err := s.newPublisher(*s.cfg.Publish)
		if err != nil {
			return err
		}
		pubDone := make(chan struct{})
		go func() {
			defer close(pubDone)
			if err := pub.Run(ctx); err != nil {
				errs <- err
			}
		}()
		// Let the publisher withdraw this server before Run returns.
		defer func() { <-pubDone }()
	}

	syncDone := make(chan struct{})
	go func() {
		defer close(syncDone)
		if w.waitForSync(ctx) {
			s.synced.Store(true)
			s.logger.Info("dns caches synced", "services", s.ix.serviceCount())
			close(s.ready)
		}
	}()

	select {
	case <-ctx.Done():
		<-syncDone
		return nil
	case err := <-errs:
		cancel()
		<-syncDone
		return err
	}
}

// listen binds every listen address on UDP and then TCP on the same port.
func (s *Server) listen() ([]*mdns.Server, error) {
	var servers []*mdns.Server
	var addrs []net.Addr
	closeAll := func() {
		for _, srv := range servers {
			if srv.PacketConn != nil {
				srv.PacketConn.Close()
			}
			if srv.Listener != nil {
				srv.Listener.Close()
			}
		}
	}
	for _, a := range s.set.listen {
		pc, ln, err := listenPair(a)
		if err != nil {
			closeAll()
			return nil, err
		}
		servers = append(servers,
			&mdns.Server{Net: "udp", PacketConn: pc, Handler: s, UDPSize: udpReadSize},
			&mdns.Server{Net: "tcp", Listener: ln, Handler: s, ReadTimeout: 5 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }},
		)
		addrs = append(addrs, pc.LocalAddr(), ln.Addr())
	}
	s.mu.Lock()
	s.addrs = addrs
	s.mu.Unlock()
	return servers, nil
}

// listenPair binds UDP and TCP on one port; with port 0 it retries until
// the port UDP picked is free on TCP too.
func listenPair(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	for attempt := 0; ; attempt++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("dns listen udp %s: %w", addr, err)
		}
		bound := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		ln, err := net.Listen("tcp", net.JoinHostPort(host, bound))
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if port != "0" || attempt >= 10 {
			return nil, nil, fmt.Errorf("dns listen tcp %s: %w", net.JoinHostPort(host, bound), err)
		}
	}
}

func addrStrings(addrs []net.Addr) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.Network()+"/"+a.String())
	}
	return out
}

// errNoUpstream is returned when a name must be forwarded but no upstream
// resolver is configured.
var errNoUpstream = errors.New("no upstream resolver")
