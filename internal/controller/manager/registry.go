package manager

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/deployment"
	"github.com/nauta/nauta/internal/controller/endpoint"
	"github.com/nauta/nauta/internal/controller/endpointslice"
	"github.com/nauta/nauta/internal/controller/endpointslicemirroring"
	"github.com/nauta/nauta/internal/controller/garbagecollector"
	"github.com/nauta/nauta/internal/controller/namespace"
	"github.com/nauta/nauta/internal/controller/nodeipam"
	"github.com/nauta/nauta/internal/controller/nodelifecycle"
	"github.com/nauta/nauta/internal/controller/podgc"
	"github.com/nauta/nauta/internal/controller/replicaset"
	"github.com/nauta/nauta/internal/controller/rootcacert"
	"github.com/nauta/nauta/internal/controller/serviceaccount"
	"github.com/nauta/nauta/internal/controller/servicelb"
)

// registration is one controller the manager knows how to build.
type registration struct {
	// name must equal the built controller's Name(); it is what
	// Config.Controllers and Config.Workers refer to.
	name    string
	new     controller.Constructor
	workers int
}

// registry lists every controller, in start order. Add new controllers here.
var registry = []registration{
	// Upstream --concurrent-namespace-syncs defaults to 10: deletions wait
	// on the API server, not on CPU.
	{name: namespace.ControllerName, new: namespace.New, workers: 10},
	{name: serviceaccount.ControllerName, new: serviceaccount.New, workers: 1},
	{name: rootcacert.ControllerName, new: rootcacert.New, workers: 1},
	// Upstream --concurrent-replicaset-syncs, --concurrent-rc-syncs and
	// --concurrent-deployment-syncs default to 5.
	{name: replicaset.ControllerName, new: replicaset.New, workers: 5},
	{name: replicaset.ReplicationControllerControllerName, new: replicaset.NewReplicationController, workers: 5},
	{name: deployment.ControllerName, new: deployment.New, workers: 5},
	// Upstream --concurrent-endpoint-syncs and
	// --concurrent-service-endpoint-syncs default to 5.
	{name: endpoint.ControllerName, new: endpoint.New, workers: 5},
	{name: endpointslice.ControllerName, new: endpointslice.New, workers: 5},
	// Upstream --mirroring-concurrent-service-endpoint-syncs defaults to 5.
	{name: endpointslicemirroring.ControllerName, new: endpointslicemirroring.New, workers: 5},
	// Upstream --concurrent-gc-syncs defaults to 20.
	{name: garbagecollector.ControllerName, new: garbagecollector.New, workers: 20},
	{name: podgc.ControllerName, new: podgc.New, workers: 1},
	{name: nodelifecycle.ControllerName, new: nodelifecycle.New, workers: 1},
	{name: nodelifecycle.TaintEvictionControllerName, new: nodelifecycle.NewTaintEviction, workers: 4},
	{name: nodeipam.ControllerName, new: nodeipam.New, workers: 1},
	{name: servicelb.ControllerName, new: servicelb.New, workers: 2},
}

// KnownControllers returns the names of every registered controller.
func KnownControllers() []string {
	names := make([]string, 0, len(registry))
	for _, r := range registry {
		names = append(names, r.name)
	}
	return names
}

func validateSelection(selection []string) error {
	known := KnownControllers()
	for _, s := range selection {
		name := strings.TrimPrefix(s, "-")
		if s == "*" || slices.Contains(known, name) {
			continue
		}
		return fmt.Errorf("controller manager: unknown controller %q in Controllers (known: %s)", s, strings.Join(known, ", "))
	}
	return nil
}

// enabled reports whether name is selected: an explicit "name" or "-name"
// wins over "*".
func enabled(selection []string, name string) bool {
	star := false
	for _, s := range selection {
		switch s {
		case name:
			return true
		case "-" + name:
			return false
		case "*":
			star = true
		}
	}
	return star
}
