package inprocess

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// sharedKinds are the kinds whose informers take the server's objects:
// those that churn or are many at scale. Each is served in its stored
// version, which handing objects over needs.
var sharedKinds = map[reflect.Type]Resource{
	reflect.TypeFor[*corev1.Pod]():                   {"", "v1", "pods"},
	reflect.TypeFor[*corev1.Node]():                  {"", "v1", "nodes"},
	reflect.TypeFor[*corev1.Service]():               {"", "v1", "services"},
	reflect.TypeFor[*corev1.Endpoints]():             {"", "v1", "endpoints"},
	reflect.TypeFor[*corev1.Namespace]():             {"", "v1", "namespaces"},
	reflect.TypeFor[*corev1.ConfigMap]():             {"", "v1", "configmaps"},
	reflect.TypeFor[*corev1.ServiceAccount]():        {"", "v1", "serviceaccounts"},
	reflect.TypeFor[*corev1.PersistentVolumeClaim](): {"", "v1", "persistentvolumeclaims"},
	reflect.TypeFor[*corev1.PersistentVolume]():      {"", "v1", "persistentvolumes"},
	reflect.TypeFor[*corev1.ReplicationController](): {"", "v1", "replicationcontrollers"},
	reflect.TypeFor[*appsv1.Deployment]():            {"apps", "v1", "deployments"},
	reflect.TypeFor[*appsv1.ReplicaSet]():            {"apps", "v1", "replicasets"},
	reflect.TypeFor[*appsv1.StatefulSet]():           {"apps", "v1", "statefulsets"},
	reflect.TypeFor[*appsv1.DaemonSet]():             {"apps", "v1", "daemonsets"},
	reflect.TypeFor[*appsv1.ControllerRevision]():    {"apps", "v1", "controllerrevisions"},
	reflect.TypeFor[*batchv1.Job]():                  {"batch", "v1", "jobs"},
	reflect.TypeFor[*batchv1.CronJob]():              {"batch", "v1", "cronjobs"},
	reflect.TypeFor[*coordinationv1.Lease]():         {"coordination.k8s.io", "v1", "leases"},
	reflect.TypeFor[*discoveryv1.EndpointSlice]():    {"discovery.k8s.io", "v1", "endpointslices"},
	reflect.TypeFor[*policyv1.PodDisruptionBudget](): {"policy", "v1", "poddisruptionbudgets"},
}

// FromConfig returns the in-process transport every request of cfg goes
// through (see the server's in-process configuration), or nil when cfg
// talks to a server over the network.
func FromConfig(cfg *rest.Config) *Transport {
	if cfg == nil || cfg.WrapTransport == nil {
		return nil
	}
	t, _ := cfg.WrapTransport(http.DefaultTransport).(*Transport)
	return t
}

// ShareInformers makes factory's informers of the shared kinds list and
// watch through t as the server's objects (see ListWatch): they cost no
// decoding and no memory of their own. Call it before the factory hands
// out any informer, and do not give the factory a transform: informer
// objects are now the server's. namespace and tweak must be the factory's
// own. A nil t leaves the factory as it is.
func (t *Transport) ShareInformers(factory informers.SharedInformerFactory, namespace string, tweak func(*metav1.ListOptions)) {
	if t == nil {
		return
	}
	for typ, res := range sharedKinds {
		example := reflect.New(typ.Elem()).Interface().(runtime.Object)
		factory.InformerFor(example, func(_ kubernetes.Interface, resync time.Duration) cache.SharedIndexInformer {
			return t.newInformer(res, example, namespace, tweak, resync,
				cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		})
	}
}

// NewInformer returns an informer of example's kind in namespace ("" for
// all), with tweak applied to its lists and watches, that takes the
// server's objects; false when t is nil or the kind is not shared.
func (t *Transport) NewInformer(example runtime.Object, namespace string, tweak func(*metav1.ListOptions), indexers cache.Indexers) (cache.SharedIndexInformer, bool) {
	if t == nil {
		return nil, false
	}
	res, ok := sharedKinds[reflect.TypeOf(example)]
	if !ok {
		return nil, false
	}
	return t.newInformer(res, example, namespace, tweak, 0, indexers), true
}

func (t *Transport) newInformer(res Resource, example runtime.Object, namespace string, tweak func(*metav1.ListOptions), resync time.Duration, indexers cache.Indexers) cache.SharedIndexInformer {
	return cache.NewSharedIndexInformer(t.ListWatch(res, namespace, tweak), example, resync, indexers)
}

// SharedResources lists the resources of the shared kinds, sorted.
func SharedResources() []Resource {
	out := make([]Resource, 0, len(sharedKinds))
	for _, res := range sharedKinds {
		out = append(out, res)
	}
	slices.SortFunc(out, func(a, b Resource) int {
		return strings.Compare(a.Group+"/"+a.Resource, b.Group+"/"+b.Resource)
	})
	return out
}
