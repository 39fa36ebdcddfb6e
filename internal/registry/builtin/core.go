package builtin

import (
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/configmap"
	"github.com/nauta/nauta/internal/registry/core/endpoints"
	"github.com/nauta/nauta/internal/registry/core/event"
	"github.com/nauta/nauta/internal/registry/core/limitrange"
	"github.com/nauta/nauta/internal/registry/core/namespace"
	"github.com/nauta/nauta/internal/registry/core/node"
	"github.com/nauta/nauta/internal/registry/core/persistentvolume"
	"github.com/nauta/nauta/internal/registry/core/persistentvolumeclaim"
	"github.com/nauta/nauta/internal/registry/core/pod"
	"github.com/nauta/nauta/internal/registry/core/podtemplate"
	"github.com/nauta/nauta/internal/registry/core/replicationcontroller"
	"github.com/nauta/nauta/internal/registry/core/resourcequota"
	"github.com/nauta/nauta/internal/registry/core/secret"
	"github.com/nauta/nauta/internal/registry/core/service"
	"github.com/nauta/nauta/internal/registry/core/serviceaccount"
)

// coreResources returns the core/v1 resources, in upstream's discovery
// order (alphabetical by resource).
func coreResources() []*registry.Resource {
	var all []*registry.Resource
	for _, rs := range [][]*registry.Resource{
		configmap.Resources(),
		endpoints.Resources(),
		event.Resources(),
		limitrange.Resources(),
		namespace.Resources(),
		node.Resources(),
		persistentvolumeclaim.Resources(),
		persistentvolume.Resources(),
		pod.Resources(),
		podtemplate.Resources(),
		replicationcontroller.Resources(),
		resourcequota.Resources(),
		secret.Resources(),
		serviceaccount.Resources(),
		service.Resources(),
	} {
		all = append(all, rs...)
	}
	return all
}
