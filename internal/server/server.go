package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/apiserver"
	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/admission/defaulttolerationseconds"
	"github.com/nauta/nauta/internal/apiserver/admission/namespacelifecycle"
	"github.com/nauta/nauta/internal/apiserver/admission/priority"
	"github.com/nauta/nauta/internal/apiserver/authn"
	"github.com/nauta/nauta/internal/apiserver/authz"
	"github.com/nauta/nauta/internal/apiserver/handlers"
	"github.com/nauta/nauta/internal/etcd"
	"github.com/nauta/nauta/internal/openapi"
	"github.com/nauta/nauta/internal/pki"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/builtin"
	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/version"
)

// Server is the control plane of one node: PKI, etcd, storage with watch
// caches, the API server, and (later) the controllers.
type Server struct {
	cfg   Config
	log   *slog.Logger
	authn authn.Authenticator

	ready chan struct{}
	mu    sync.Mutex
	// Set before ready is closed.
	loopback *rest.Config
	url      string
}

// New defaults and validates cfg and loads the token file; nothing is
// started or written before Start.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	auths := []authn.Authenticator{authn.NewX509()}
	if cfg.TokenAuthFile != "" {
		tokens, err := authn.NewTokenFile(cfg.TokenAuthFile)
		if err != nil {
			return nil, fmt.Errorf("--token-auth-file: %w", err)
		}
		auths = append(auths, tokens)
	}
	return &Server{
		cfg:   cfg,
		log:   cfg.Logger.With("component", "server"),
		authn: authn.Union(auths...),
		ready: make(chan struct{}),
	}, nil
}

// Config returns the defaulted configuration.
func (s *Server) Config() Config { return s.cfg }

// KubeconfigPath is where Start writes the admin kubeconfig.
func (s *Server) KubeconfigPath() string { return filepath.Join(s.cfg.DataDir, "kubeconfig.yaml") }

// Ready is closed once the API server serves, the system namespaces exist
// and the controllers have been started.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// LoopbackConfig returns an admin client configuration for this server;
// nil before Ready is closed.
func (s *Server) LoopbackConfig() *rest.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loopback == nil {
		return nil
	}
	return rest.CopyConfig(s.loopback)
}

// URL is the loopback URL of the API server; empty before Ready is closed.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Start runs the control plane until ctx ends or a part fails; call it
// once. Parts stop in reverse order of starting: etcd goes last, after
// everything that reads it.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.BindAddress, strconv.Itoa(s.cfg.SecurePort)))
	if err != nil {
		return fmt.Errorf("--bind-address/--secure-port: %w", err)
	}
	defer ln.Close() // the HTTPS server closes it first on a normal stop
	port := ln.Addr().(*net.TCPAddr).Port

	bundle, err := s.ensurePKI()
	if err != nil {
		return err
	}
	loopbackURL := "https://" + net.JoinHostPort(loopbackHost(s.cfg.BindAddress), strconv.Itoa(port))
	if err := pki.WriteKubeconfig(s.KubeconfigPath(), pki.Kubeconfig(loopbackURL, bundle.CAPEM, bundle.Admin)); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}

	backend, err := s.newEtcd()
	if err != nil {
		return err
	}
	// The API side (caches, compactor, HTTPS) runs until the controllers
	// have stopped, so that they can still release their Leases; etcd
	// runs outside both groups and outlives every reader. A failure
	// anywhere stops everything.
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	g := newGroup(serveCtx, s.log)
	ctrlCtx, stopControllers := context.WithCancel(g.Context())
	defer stopControllers()
	context.AfterFunc(ctx, stopControllers)
	controllers := newGroup(ctrlCtx, s.log)
	etcdCtx, stopEtcd := context.WithCancel(context.WithoutCancel(ctx))
	etcdDone := make(chan error, 1)
	go func() {
		err := backend.Start(etcdCtx)
		if err != nil {
			g.fail(err)
		}
		etcdDone <- err
	}()

	if err := s.startControlPlane(g, controllers, backend, bundle, ln, loopbackURL); err != nil {
		g.fail(err)
	}
	<-controllers.Context().Done()
	if err := controllers.Wait(); err != nil {
		g.fail(err)
	}
	stopServing()
	runErr := g.Wait()
	stopEtcd()
	etcdErr := <-etcdDone
	if runErr != nil {
		return runErr
	}
	if etcdErr != nil {
		return etcdErr
	}
	s.log.Info("control plane stopped")
	return nil
}

// startControlPlane starts, in order, storage, the API server, bootstrap and
// the controllers, waiting for each to be ready before the next.
func (s *Server) startControlPlane(g, controllers *group, backend etcd.Backend, bundle *pki.Bundle, ln net.Listener, loopbackURL string) error {
	ctx := g.Context()
	select {
	case <-backend.Ready():
	case <-ctx.Done():
		return nil
	}
	client := backend.Client()

	resources := builtin.Resources()
	storageFor, err := s.startStorage(g, client, resources)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	if s.cfg.EtcdCompactionInterval > 0 {
		g.Go("compactor", storage.NewCompactor(client, s.cfg.EtcdCompactionInterval).
			WithMaxRevisions(s.cfg.EtcdCompactionMaxRevisions))
	}

	spec, err := openapi.New(resources)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	chain := &admission.Chain{}
	chain.Mutators = append(chain.Mutators, defaulttolerationseconds.New(
		s.cfg.DefaultNotReadyTolerationSeconds, s.cfg.DefaultUnreachableTolerationSeconds))
	nsResource := findResource(resources, "", "namespaces")
	if ns := nsResource; ns != nil {
		chain.Validators = append(chain.Validators, namespacelifecycle.New(storageFor(ns)))
	} else {
		s.log.Warn("no namespaces resource registered: namespace lifecycle admission is off")
	}
	if pcRes := findResource(resources, "scheduling.k8s.io", "priorityclasses"); pcRes != nil {
		prio := priority.NewFromStorage(storageFor(pcRes))
		chain.Mutators = append(chain.Mutators, prio)
		chain.Validators = append(chain.Validators, prio)
	} else {
		s.log.Warn("no priorityclasses resource registered: priority admission is off")
	}
	kubeletCert, err := bundle.KubeletClient.TLSCertificate()
	if err != nil {
		return fmt.Errorf("kubelet client certificate: %w", err)
	}
	api, err := apiserver.New(apiserver.Config{
		Kubelet: &handlers.KubeletClientConfig{TLS: &tls.Config{
			Certificates: []tls.Certificate{kubeletCert},
			MinVersion:   tls.VersionTLS12,
			// No RootCAs: kubelets serve self-signed certificates until
			// the cluster CA issues node certificates, and, as upstream
			// without --kubelet-certificate-authority, they are not verified.
		}},
		Resources:     resources,
		StorageFor:    storageFor,
		Authenticator: s.authn,
		Authorizer:    authz.AlwaysAllow{},
		Admission:     chain,
		OpenAPIV2:     spec.V2Handler(),
		OpenAPIV3:     spec.V3Handler(),
		HealthChecks: map[string]func(*http.Request) error{
			"etcd": func(r *http.Request) error { return etcd.Ping(r.Context(), client) },
		},
		Version:         version.Get(),
		Logger:          s.cfg.Logger.With("component", "apiserver"),
		MetricsRegistry: s.cfg.Metrics,
	})
	if err != nil {
		return fmt.Errorf("apiserver: %w", err)
	}
	tlsConfig, err := servingTLSConfig(bundle)
	if err != nil {
		return err
	}
	g.Go("https", &httpsServer{
		listener: ln,
		tls:      tlsConfig,
		handler:  api.Handler(),
		log:      s.cfg.Logger.With("component", "https"),
	})

	loopback := loopbackConfig(loopbackURL, bundle)
	if err := bootstrap(ctx, loopback, nsResource != nil, s.cfg.Logger.With("component", "bootstrap")); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("bootstrap: %w", err)
	}

	if nsResource != nil {
		ks, err := s.newKubernetesService(loopback, ln)
		if err != nil {
			return err
		}
		controllers.Go("kubernetes service", ks)
	}
	inProcess, err := inProcessConfig(ctx, loopback, api.Handler(), bundle, s.cfg.Logger)
	if err != nil {
		return err
	}
	for _, c := range s.cfg.Controllers {
		r, err := c.New(rest.CopyConfig(inProcess))
		if err != nil {
			return fmt.Errorf("controller %s: %w", c.Name, err)
		}
		controllers.Go(c.Name, r)
	}

	s.mu.Lock()
	s.loopback = loopback
	s.url = loopbackURL
	s.mu.Unlock()
	close(s.ready)
	s.log.Info("control plane ready", "url", loopbackURL, "kubeconfig", s.KubeconfigPath(),
		"etcd", s.etcdDescription(), "version", version.Nauta())
	return nil
}

// ensurePKI creates or loads the certificates in DataDir/tls.
func (s *Server) ensurePKI() (*pki.Bundle, error) {
	hostIPs, err := pki.HostIPs()
	if err != nil {
		return nil, err
	}
	serviceIP, err := s.cfg.ServiceIP()
	if err != nil {
		return nil, err
	}
	hostname, _ := os.Hostname()
	extra := append([]string(nil), s.cfg.TLSSANs...)
	if bind, err := netip.ParseAddr(s.cfg.BindAddress); err == nil && !bind.IsUnspecified() {
		extra = append(extra, bind.String())
	}
	dnsNames, ips := pki.ServingSANs(pki.SANOptions{
		ClusterDomain:    s.cfg.ClusterDomain,
		ServiceIP:        serviceIP,
		AdvertiseAddress: net.ParseIP(s.cfg.AdvertiseAddress),
		Hostname:         hostname,
		HostIPs:          hostIPs,
		Extra:            extra,
	})
	bundle, err := pki.Ensure(pki.Config{
		Dir:             filepath.Join(s.cfg.DataDir, "tls"),
		ServingDNSNames: dnsNames,
		ServingIPs:      ips,
		Logger:          s.cfg.Logger.With("component", "pki"),
	})
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return bundle, nil
}

// newEtcd returns the embedded etcd, or a client of --etcd-servers.
func (s *Server) newEtcd() (etcd.Backend, error) {
	log := s.cfg.Logger.With("component", "etcd")
	if len(s.cfg.EtcdServers) == 0 {
		return etcd.NewEmbedded(etcd.EmbeddedConfig{Dir: filepath.Join(s.cfg.DataDir, "etcd"), Logger: log})
	}
	return etcd.NewExternal(etcd.ExternalConfig{
		Endpoints: s.cfg.EtcdServers,
		CAFile:    s.cfg.EtcdCAFile,
		CertFile:  s.cfg.EtcdCertFile,
		KeyFile:   s.cfg.EtcdKeyFile,
		Logger:    log,
	})
}

func (s *Server) etcdDescription() string {
	if len(s.cfg.EtcdServers) == 0 {
		return "embedded"
	}
	return fmt.Sprint(s.cfg.EtcdServers)
}

// loopbackHost is the address this process reaches its own listener at.
func loopbackHost(bindAddress string) string {
	addr, err := netip.ParseAddr(bindAddress)
	if err != nil || addr.IsUnspecified() {
		return "127.0.0.1"
	}
	return addr.String()
}

// loopbackConfig is the admin client configuration for in-process clients.
func loopbackConfig(url string, bundle *pki.Bundle) *rest.Config {
	return &rest.Config{
		Host: url,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   bundle.CAPEM,
			CertData: bundle.Admin.CertPEM,
			KeyData:  bundle.Admin.KeyPEM,
		},
		UserAgent: "nauta-loopback/" + version.Nauta(),
		QPS:       100,
		Burst:     200,
	}
}

func findResource(resources []*registry.Resource, group, resource string) *registry.Resource {
	for _, r := range resources {
		if r.GroupVersion.Group == group && r.Resource == resource {
			return r
		}
	}
	return nil
}
