package kubeletapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/agent/cri"
)

// DefaultAddr is the kubelet API's upstream port on all addresses.
const DefaultAddr = ":10250"

// Config is what the kubelet API server needs.
type Config struct {
	// Addr is the listen address (default ":10250").
	Addr string
	// NodeName is reported in /stats/summary.
	NodeName string
	// NodeIP, when set, is an IP address of the self-signed certificate.
	NodeIP string
	// ServingCertPEM/ServingKeyPEM, or else ServingCertFile/ServingKeyFile,
	// are the TLS serving pair. With neither, New makes a self-signed
	// certificate, as the upstream kubelet does.
	ServingCertPEM  []byte
	ServingKeyPEM   []byte
	ServingCertFile string
	ServingKeyFile  string
	// ClientCA (PEM) signs the client certificates that may call the API:
	// the API server's kubelet client certificate. Required.
	ClientCA []byte
	// AuthorizedUsers and AuthorizedGroups say which verified callers are
	// served: a certificate whose common name is one of the users, or
	// whose organizations name one of the groups. Other clients of the
	// same CA get 403. Both nil: DefaultAuthorizedUsers (the API server)
	// and DefaultAuthorizedGroups (system:masters).
	AuthorizedUsers  []string
	AuthorizedGroups []string
	// Runtime is the CRI connection. Required.
	Runtime *cri.Client
	// PodLogsDir is where the pod log directories live (the kubelet's
	// /var/log/pods): <ns>_<name>_<uid>/<container>/<restart>.log.
	PodLogsDir string
	// Pods returns the kubelet's current pods. Required.
	Pods func() []*corev1.Pod
	// Metrics, when set, is served at /metrics (the agent's Prometheus
	// registry).
	Metrics http.Handler
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Server is the kubelet API.
type Server struct {
	cfg     Config
	tls     *tls.Config
	log     *slog.Logger
	handler http.Handler

	cpuMu   sync.Mutex
	lastCPU cpuSample

	mu       sync.Mutex
	listener net.Listener
}

// ErrInvalidConfig is wrapped by New's errors.
var ErrInvalidConfig = errors.New("kubeletapi: invalid config")

// New checks cfg and builds the server; Run serves it.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Runtime == nil {
		return nil, fmt.Errorf("%w: Runtime is required", ErrInvalidConfig)
	}
	if cfg.Pods == nil {
		return nil, fmt.Errorf("%w: Pods is required", ErrInvalidConfig)
	}
	if cfg.AuthorizedUsers == nil && cfg.AuthorizedGroups == nil {
		cfg.AuthorizedUsers = DefaultAuthorizedUsers
		cfg.AuthorizedGroups = DefaultAuthorizedGroups
	}
	if len(cfg.ClientCA) == 0 {
		return nil, fmt.Errorf("%w: ClientCA is required", ErrInvalidConfig)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(cfg.ClientCA) {
		return nil, fmt.Errorf("%w: ClientCA holds no PEM certificate", ErrInvalidConfig)
	}
	cert, err := servingCert(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg,
		log: cfg.Logger.With("component", "kubelet-api"),
		tls: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientCAs:    pool,
			// Verified when given; requests without one get a 401
			// rather than a failed handshake.
			ClientAuth: tls.VerifyClientCertIfGiven,
			MinVersion: tls.VersionTLS12,
			// Upgraded streams (SPDY, WebSocket) need HTTP/1.1.
			NextProtos: []string{"http/1.1"},
		},
	}
	s.handler = s.authenticate(s.routes())
	return s, nil
}

// Handler is the authenticated API, for tests that serve it themselves.
func (s *Server) Handler() http.Handler { return s.handler }

// TLSConfig is the server's TLS configuration.
func (s *Server) TLSConfig() *tls.Config { return s.tls }

// Addr is the address the server listens on once Run started, or "".
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Listen opens the listening socket; Run calls it when it was not called.
// Tests call it first to learn the port of Addr ":0".
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		return nil
	}
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("kubeletapi: listen %s: %w", s.cfg.Addr, err)
	}
	s.listener = l
	return nil
}

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.handler,
		TLSConfig:         s.tls,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(s.listener, "", "") }()
	s.log.Info("serving kubelet API", "addr", s.listener.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("kubeletapi: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	// Hijacked streams are not tracked by Shutdown; their contexts end
	// with ctx through BaseContext.
	return nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics)
	}
	mux.HandleFunc("GET /pods", s.servePods)
	mux.HandleFunc("GET /pods/", s.servePods)
	mux.HandleFunc("GET /stats/summary", s.serveStatsSummary)
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", s.serveContainerLogs)
	for _, m := range []string{"GET", "POST"} {
		mux.HandleFunc(m+" /exec/{ns}/{pod}/{container}", s.serveExec)
		mux.HandleFunc(m+" /exec/{ns}/{pod}/{uid}/{container}", s.serveExec)
		mux.HandleFunc(m+" /attach/{ns}/{pod}/{container}", s.serveAttach)
		mux.HandleFunc(m+" /attach/{ns}/{pod}/{uid}/{container}", s.serveAttach)
		mux.HandleFunc(m+" /portForward/{ns}/{pod}", s.servePortForward)
		mux.HandleFunc(m+" /portForward/{ns}/{pod}/{uid}", s.servePortForward)
	}
	return mux
}

func (s *Server) servePods(w http.ResponseWriter, r *http.Request) {
	list := &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}}
	for _, p := range s.cfg.Pods() {
		list.Items = append(list.Items, *p)
	}
	writeJSON(w, http.StatusOK, list)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeStatus answers with a metav1.Status, the error body API clients
// decode.
func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string) {
	writeJSON(w, code, &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reason,
		Code:     int32(code),
	})
}

func servingCert(cfg Config) (tls.Certificate, error) {
	switch {
	case len(cfg.ServingCertPEM) > 0 || len(cfg.ServingKeyPEM) > 0:
		c, err := tls.X509KeyPair(cfg.ServingCertPEM, cfg.ServingKeyPEM)
		if err != nil {
			return c, fmt.Errorf("%w: serving certificate: %w", ErrInvalidConfig, err)
		}
		return c, nil
	case cfg.ServingCertFile != "" || cfg.ServingKeyFile != "":
		c, err := tls.LoadX509KeyPair(cfg.ServingCertFile, cfg.ServingKeyFile)
		if err != nil {
			return c, fmt.Errorf("%w: serving certificate: %w", ErrInvalidConfig, err)
		}
		return c, nil
	}
	return selfSignedCert(cfg.NodeName, cfg.NodeIP)
}

// selfSignedCert makes a one-year serving certificate for the host name,
// the node name, the node IP (when given) and loopback.
func selfSignedCert(nodeName, nodeIP string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("kubeletapi: key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("kubeletapi: serial: %w", err)
	}
	host, _ := os.Hostname()
	names := []string{"localhost"}
	for _, n := range []string{host, nodeName} {
		if n != "" {
			names = append(names, n)
		}
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[len(names)-1] + "@" + fmt.Sprint(now.Unix())},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if ip := net.ParseIP(nodeIP); ip != nil && !ip.IsLoopback() {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("kubeletapi: self-signed certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
