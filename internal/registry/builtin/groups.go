package builtin

import (
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/admissionregistration/mutatingwebhookconfiguration"
	"github.com/nauta/nauta/internal/registry/admissionregistration/validatingadmissionpolicy"
	"github.com/nauta/nauta/internal/registry/admissionregistration/validatingadmissionpolicybinding"
	"github.com/nauta/nauta/internal/registry/admissionregistration/validatingwebhookconfiguration"
	"github.com/nauta/nauta/internal/registry/apps/controllerrevision"
	"github.com/nauta/nauta/internal/registry/apps/daemonset"
	"github.com/nauta/nauta/internal/registry/apps/deployment"
	"github.com/nauta/nauta/internal/registry/apps/replicaset"
	"github.com/nauta/nauta/internal/registry/apps/statefulset"
	"github.com/nauta/nauta/internal/registry/autoscaling/horizontalpodautoscaler"
	"github.com/nauta/nauta/internal/registry/batch/cronjob"
	"github.com/nauta/nauta/internal/registry/batch/job"
	"github.com/nauta/nauta/internal/registry/certificates/certificatesigningrequest"
	"github.com/nauta/nauta/internal/registry/coordination/lease"
	"github.com/nauta/nauta/internal/registry/discovery/endpointslice"
	"github.com/nauta/nauta/internal/registry/events/event"
	"github.com/nauta/nauta/internal/registry/networking/ingress"
	"github.com/nauta/nauta/internal/registry/networking/ingressclass"
	"github.com/nauta/nauta/internal/registry/networking/networkpolicy"
	"github.com/nauta/nauta/internal/registry/policy/poddisruptionbudget"
	"github.com/nauta/nauta/internal/registry/rbac/clusterrole"
	"github.com/nauta/nauta/internal/registry/rbac/clusterrolebinding"
	"github.com/nauta/nauta/internal/registry/rbac/role"
	"github.com/nauta/nauta/internal/registry/rbac/rolebinding"
	"github.com/nauta/nauta/internal/registry/scheduling/priorityclass"
	"github.com/nauta/nauta/internal/registry/storage/csidriver"
	"github.com/nauta/nauta/internal/registry/storage/csinode"
	"github.com/nauta/nauta/internal/registry/storage/storageclass"
	"github.com/nauta/nauta/internal/registry/storage/volumeattachment"
)

// groupResources returns the resources of the named API groups, groups in
// the order upstream's discovery lists them, resources alphabetical within
// a group version (autoscaling lists its preferred v2 before v1).
func groupResources() []*registry.Resource {
	var all []*registry.Resource
	for _, rs := range [][]*registry.Resource{
		// apps
		controllerrevision.Resources(),
		daemonset.Resources(),
		deployment.Resources(),
		replicaset.Resources(),
		statefulset.Resources(),
		// events.k8s.io
		event.Resources(),
		// autoscaling (v2, then v1)
		horizontalpodautoscaler.Resources(),
		// batch
		cronjob.Resources(),
		job.Resources(),
		// certificates.k8s.io
		certificatesigningrequest.Resources(),
		// networking.k8s.io
		ingressclass.Resources(),
		ingress.Resources(),
		networkpolicy.Resources(),
		// policy
		poddisruptionbudget.Resources(),
		// rbac.authorization.k8s.io
		clusterrolebinding.Resources(),
		clusterrole.Resources(),
		rolebinding.Resources(),
		role.Resources(),
		// storage.k8s.io
		csidriver.Resources(),
		csinode.Resources(),
		storageclass.Resources(),
		volumeattachment.Resources(),
		// admissionregistration.k8s.io
		mutatingwebhookconfiguration.Resources(),
		validatingadmissionpolicy.Resources(),
		validatingadmissionpolicybinding.Resources(),
		validatingwebhookconfiguration.Resources(),
		// scheduling.k8s.io
		priorityclass.Resources(),
		// coordination.k8s.io
		lease.Resources(),
		// discovery.k8s.io
		endpointslice.Resources(),
	} {
		all = append(all, rs...)
	}
	return all
}
