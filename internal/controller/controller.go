package controller

import (
	"context"
	"errors"
	"log/slog"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Controller is one control loop run by the manager.
type Controller interface {
	// Name is the controller's name as upstream spells it
	// ("namespace-controller"); it names logs and the workqueue metrics.
	Name() string
	// Run waits for its informers to sync, then runs workers until ctx ends.
	// It returns nil on a clean stop.
	Run(ctx context.Context, workers int) error
}

// Context is what a controller constructor gets. The informer factory is
// shared by all controllers of one manager and started by the manager after
// every constructor has registered its informers, so a constructor must ask
// the factory for every informer it needs before it returns.
type Context struct {
	Client    kubernetes.Interface
	Metadata  metadata.Interface
	Informers informers.SharedInformerFactory
	// MetadataInformer, when set, returns an informer of a resource's
	// metadata (PartialObjectMetadata) that takes the API server's own
	// objects instead of a serialization of them (in the server's own
	// process); false for resources it cannot serve so. Nil elsewhere.
	MetadataInformer func(schema.GroupVersionResource) (cache.SharedIndexInformer, bool)
	// QueueMetrics feeds the workqueue metrics; nil means no metrics.
	QueueMetrics workqueue.MetricsProvider
	// RootCA is the PEM bundle published as kube-root-ca.crt.
	RootCA []byte
	Logger *slog.Logger
}

// Constructor builds a controller from the shared Context. It returns an
// error wrapping ErrDisabled when the controller cannot run with this
// configuration (for example no root CA to publish); the manager then skips
// it instead of failing.
type Constructor func(cctx Context) (Controller, error)

// ErrDisabled marks a controller that chose not to run.
var ErrDisabled = errors.New("controller disabled")
