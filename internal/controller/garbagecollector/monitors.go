package garbagecollector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
)

// ignoredResources are never watched, as upstream: events are numerous,
// short-lived and never own anything.
var ignoredResources = map[schema.GroupResource]bool{
	{Group: "", Resource: "events"}:              true,
	{Group: "events.k8s.io", Resource: "events"}: true,
}

// monitors runs one metadata informer per collectable resource and keeps
// the REST mapping owners are resolved with. Informers start as resources
// appear in discovery and stop when they leave it (a deleted custom
// resource definition).
type monitors struct {
	discovery discovery.DiscoveryInterface
	metadata  metadata.Interface
	// informer, when not nil, may give a resource's metadata informer
	// that takes the server's objects (controller.Context.MetadataInformer).
	informer func(schema.GroupVersionResource) (cache.SharedIndexInformer, bool)
	handler  func(schema.GroupVersionResource) cache.ResourceEventHandler
	// gone is called for every object of a resource that stopped being
	// watched, so the graph forgets it.
	gone func(schema.GroupVersionResource, cache.Store)

	mu       sync.Mutex
	watching map[schema.GroupVersionResource]*monitor
	mapper   *restmapper.DeferredDiscoveryRESTMapper
}

type monitor struct {
	informer cache.SharedIndexInformer
	stop     context.CancelFunc
}

// collectable returns the resources the garbage collector watches: those
// supporting list, watch and delete, in their preferred version.
// Discovery may fail for some groups; what was found is still returned
// with the error.
func collectable(d discovery.DiscoveryInterface) ([]schema.GroupVersionResource, error) {
	lists, err := d.ServerPreferredResources()
	var partial *discovery.ErrGroupDiscoveryFailed
	if err != nil && !errors.As(err, &partial) {
		return nil, fmt.Errorf("discover resources: %w", err)
	}
	var out []schema.GroupVersionResource
	for _, l := range discovery.FilteredBy(discovery.SupportsAllVerbs{Verbs: []string{"list", "watch", "delete"}}, lists) {
		gv, perr := schema.ParseGroupVersion(l.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range l.APIResources {
			gvr := gv.WithResource(r.Name)
			if ignoredResources[gvr.GroupResource()] || slices.Contains(out, gvr) {
				continue
			}
			out = append(out, gvr)
		}
	}
	return out, err
}

// sync starts informers for resources discovered since the last call,
// stops those of resources no longer served (only when discovery fully
// succeeded) and refreshes the REST mapping. It returns the running
// informers' HasSynced.
func (m *monitors) sync(ctx context.Context) ([]cache.InformerSynced, error) {
	resources, err := collectable(m.discovery)
	if len(resources) == 0 && err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mapper == nil {
		m.mapper = restmapper.NewDeferredDiscoveryRESTMapper(cachedDiscovery{m.discovery})
	} else {
		m.mapper.Reset()
	}
	if err == nil {
		for gvr, mon := range m.watching {
			if !slices.Contains(resources, gvr) {
				mon.stop()
				delete(m.watching, gvr)
				m.gone(gvr, mon.informer.GetStore())
			}
		}
	}
	var synced []cache.InformerSynced
	for _, gvr := range resources {
		mon, ok := m.watching[gvr]
		if !ok {
			informer := m.newInformer(gvr)
			if _, herr := informer.AddEventHandler(m.handler(gvr)); herr != nil {
				return nil, fmt.Errorf("watch %s: %w", gvr, herr)
			}
			runCtx, stop := context.WithCancel(ctx)
			go informer.RunWithContext(runCtx)
			mon = &monitor{informer: informer, stop: stop}
			m.watching[gvr] = mon
		}
		synced = append(synced, mon.informer.HasSynced)
	}
	return synced, err
}

// newInformer returns a metadata informer of gvr: one taking the server's
// objects when the context offers it, else one of the metadata client.
func (m *monitors) newInformer(gvr schema.GroupVersionResource) cache.SharedIndexInformer {
	if m.informer != nil {
		if informer, ok := m.informer(gvr); ok {
			return informer
		}
	}
	return metadatainformer.NewFilteredMetadataInformer(m.metadata, gvr, metav1.NamespaceAll, 0,
		cache.Indexers{}, nil).Informer()
}

// stopAll stops every informer.
func (m *monitors) stopAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for gvr, mon := range m.watching {
		mon.stop()
		delete(m.watching, gvr)
	}
}

// resourceFor maps an owner reference's apiVersion and kind to its resource
// and whether that resource is namespaced.
func (m *monitors) resourceFor(apiVersion, kind string) (schema.GroupVersionResource, bool, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return schema.GroupVersionResource{}, false, err
	}
	m.mu.Lock()
	mapper := m.mapper
	m.mu.Unlock()
	if mapper == nil {
		return schema.GroupVersionResource{}, false, errors.New("no REST mapping yet")
	}
	mapping, err := mapper.RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
	if err != nil {
		return schema.GroupVersionResource{}, false, err
	}
	return mapping.Resource, mapping.Scope.Name() == "namespace", nil
}

// cachedDiscovery adapts a discovery client to the cached interface the
// deferred mapper wants; Reset on the mapper re-reads discovery.
type cachedDiscovery struct {
	discovery.DiscoveryInterface
}

func (cachedDiscovery) Fresh() bool { return true }
func (cachedDiscovery) Invalidate() {}
