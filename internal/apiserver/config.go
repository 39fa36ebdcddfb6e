package apiserver

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/authn"
	"github.com/nauta/nauta/internal/apiserver/authz"
	"github.com/nauta/nauta/internal/apiserver/handlers"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/version"
)

// Config is everything the API server needs; internal/server fills it.
type Config struct {
	// Resources are every served resource (registry/builtin.Resources()).
	Resources []*registry.Resource
	// StorageFor returns the storage of a resource. Resources sharing a
	// StoragePrefix share one storage (and one watch cache).
	StorageFor func(*registry.Resource) storage.Interface

	// Authenticator finds the user; requests it cannot authenticate are
	// 401 except on the public paths (/healthz, /livez, /readyz, /version).
	Authenticator authn.Authenticator
	Authorizer    authz.Authorizer
	// Admission runs after the strategy's defaulting and before its validation.
	Admission *admission.Chain
	// Kubelet is how pods/log, exec, attach, portforward and nodes/proxy
	// reach the kubelets; nil answers those with 503.
	Kubelet *handlers.KubeletClientConfig

	// OpenAPIV2 serves /openapi/v2; OpenAPIV3 serves /openapi/v3 and
	// everything below it.
	OpenAPIV2 http.Handler
	OpenAPIV3 http.Handler

	// HealthChecks are run by /healthz, /livez and /readyz; each maps a
	// check name ("etcd") to a function returning nil when healthy.
	HealthChecks map[string]func(*http.Request) error

	Version version.Info

	// Logger receives the request log and errors; nil means slog.Default().
	Logger *slog.Logger
	// MetricsRegistry receives the request metrics and is what /metrics
	// serves; nil means a new registry with the Go and process collectors.
	MetricsRegistry *prometheus.Registry
}
