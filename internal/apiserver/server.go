package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/discovery"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/version"
)

// Server is the API server's HTTP side: the filter chain (recovery,
// logging, metrics, request info, authentication, authorization) in front of
// the routes (probes, /version, /metrics, OpenAPI, discovery, resources).
type Server struct {
	cfg       Config
	logger    *slog.Logger
	metrics   *requestMetrics
	metricsH  http.Handler
	discovery *discovery.Discovery
	resources map[schema.GroupVersionResource]*registry.Resource
	// resourceHandler serves the resource requests (the REST handlers).
	resourceHandler http.Handler
	health          []healthCheck
	handler         http.Handler
}

// New builds the API server of cfg.
func New(cfg Config) (*Server, error) {
	h, err := newResourceHandler(cfg)
	if err != nil {
		return nil, err
	}
	return newServer(cfg, h)
}

// newServer builds the server around the given resource handler.
func newServer(cfg Config, resourceHandler http.Handler) (*Server, error) {
	if cfg.Authorizer == nil {
		return nil, errors.New("apiserver: Config.Authorizer is required (authz.AlwaysAllow{} allows everything)")
	}
	if resourceHandler == nil {
		return nil, errors.New("apiserver: no resource handler")
	}
	if cfg.Version == (version.Info{}) {
		cfg.Version = version.Get()
	}
	s := &Server{
		cfg:             cfg,
		logger:          cfg.Logger,
		resources:       map[schema.GroupVersionResource]*registry.Resource{},
		resourceHandler: resourceHandler,
		health:          newHealthChecks(cfg.HealthChecks),
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	served := withVirtualResources(cfg.Resources)
	for _, res := range served {
		s.resources[res.GroupVersionResource()] = res
	}
	d, err := discovery.New(served)
	if err != nil {
		return nil, err
	}
	s.discovery = d
	reg := cfg.MetricsRegistry
	if reg == nil {
		reg = newDefaultRegistry()
	}
	if s.metrics, err = newRequestMetrics(reg); err != nil {
		return nil, fmt.Errorf("apiserver: registering metrics: %w", err)
	}
	s.metricsH = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})

	// Innermost first; the request passes them in the opposite order.
	var h http.Handler = http.HandlerFunc(s.route)
	h = s.withAuthorization(h)
	h = s.withAuthentication(h)
	h = s.withInflight(h)
	h = s.withRequestInfo(h)
	h = s.withRecovery(h)
	h = s.withObservation(h)
	s.handler = h
	return s, nil
}

// Handler returns the server's root handler, for the TLS listener.
func (s *Server) Handler() http.Handler { return s.handler }

// route dispatches an authenticated, authorized request.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	info := request.InfoFrom(r.Context())
	if info != nil && info.IsResourceRequest {
		s.serveResource(w, r, info)
		return
	}
	p := r.URL.Path
	if p != "/" {
		p = strings.TrimSuffix(p, "/")
	}
	switch {
	case p == "/":
		s.readOnly(w, r, s.serveRootPaths)
	case p == "/version":
		s.readOnly(w, r, s.serveVersion)
	case p == "/metrics":
		s.readOnly(w, r, s.metricsH.ServeHTTP)
	case p == "/openapi/v2":
		s.serveOptional(w, r, s.cfg.OpenAPIV2)
	case p == "/openapi/v3" || strings.HasPrefix(p, "/openapi/v3/"):
		s.serveOptional(w, r, s.cfg.OpenAPIV3)
	case discovery.IsDiscoveryPath(p):
		s.discovery.ServeHTTP(w, r)
	case strings.HasPrefix(p, "/debug/pprof"):
		serveProfiling(w, r)
	default:
		for _, endpoint := range []string{"healthz", "livez", "readyz"} {
			root := "/" + endpoint
			if p == root || strings.HasPrefix(p, root+"/") {
				s.readOnly(w, r, func(w http.ResponseWriter, r *http.Request) {
					s.serveHealth(w, r, endpoint, strings.TrimPrefix(strings.TrimPrefix(p, root), "/"))
				})
				return
			}
		}
		responsewriters.WriteError(w, r, discovery.NotFound())
	}
}

// serveResource hands a request for a served resource to the REST handlers;
// paths no resource is served at are 404 here.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, info *request.Info) {
	if info.Verb == "" {
		writeMethodNotAllowed(w, r)
		return
	}
	if !s.isServed(info) {
		responsewriters.WriteError(w, r, discovery.NotFound())
		return
	}
	s.resourceHandler.ServeHTTP(w, r)
}

// isServed reports whether info addresses a served resource at a URL shape
// it has: cluster-scoped resources have no namespace segment, and
// namespaced ones are only listed and watched across namespaces.
func (s *Server) isServed(info *request.Info) bool {
	res, ok := s.resources[schema.GroupVersionResource{Group: info.APIGroup, Version: info.APIVersion, Resource: info.Resource}]
	if !ok {
		return false
	}
	if res.Namespaced {
		isCollection := len(info.Parts) == 1
		return info.Namespace != "" || isCollection && (info.Verb == "list" || info.Verb == "watch")
	}
	// The namespaces resource carries its own name as the namespace.
	isNamespaces := info.APIGroup == "" && info.Resource == "namespaces"
	return info.Namespace == "" || isNamespaces
}

func (s *Server) readOnly(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeMethodNotAllowed(w, r)
		return
	}
	h(w, r)
}

func (s *Server) serveOptional(w http.ResponseWriter, r *http.Request, h http.Handler) {
	if h == nil {
		responsewriters.WriteError(w, r, discovery.NotFound())
		return
	}
	h.ServeHTTP(w, r)
}

func (s *Server) serveVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.cfg.Version)
}

// serveRootPaths lists the paths served, as upstream does at "/".
func (s *Server) serveRootPaths(w http.ResponseWriter, r *http.Request) {
	paths := s.discovery.Paths()
	paths = append(paths, "/livez", "/readyz", "/healthz", "/metrics", "/version")
	for _, c := range s.health {
		paths = append(paths, "/healthz/"+c.name, "/livez/"+c.name, "/readyz/"+c.name)
	}
	if s.cfg.OpenAPIV2 != nil {
		paths = append(paths, "/openapi/v2")
	}
	if s.cfg.OpenAPIV3 != nil {
		paths = append(paths, "/openapi/v3")
	}
	sort.Strings(paths)
	writeJSON(w, metav1.RootPaths{Paths: paths})
}

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func writeMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	responsewriters.WriteError(w, r, apierrors.NewGenericServerResponse(http.StatusMethodNotAllowed,
		strings.ToLower(r.Method), schema.GroupResource{}, "", "", 0, false))
}
