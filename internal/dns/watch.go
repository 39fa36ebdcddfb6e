package dns

import (
	"context"
	"fmt"
	"sync"

	discovery "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// slicesByService indexes EndpointSlices by "namespace/service-name".
const slicesByService = "dns.nauta.io/service"

// watcher keeps the index in step with the Services and EndpointSlices of
// the cluster. Every event rebuilds the records of the one Service it
// concerns from the informer caches (level-based: the payload is only a
// key), so the last rebuild always sees the latest state.
type watcher struct {
	ix         *index
	zone       string
	ttl        uint32
	services   corelisters.ServiceLister
	namespaces corelisters.NamespaceLister
	slices     cache.Indexer
	synced     []cache.InformerSynced

	// rebuildMu serialises rebuilds: the Service and EndpointSlice
	// handlers run on different goroutines.
	rebuildMu sync.Mutex
}

func newWatcher(factory informers.SharedInformerFactory, ix *index, zone string, ttl uint32) (*watcher, error) {
	svcInformer := factory.Core().V1().Services()
	nsInformer := factory.Core().V1().Namespaces()
	sliceInformer := factory.Discovery().V1().EndpointSlices()
	w := &watcher{
		ix:         ix,
		zone:       zone,
		ttl:        ttl,
		services:   svcInformer.Lister(),
		namespaces: nsInformer.Lister(),
		slices:     sliceInformer.Informer().GetIndexer(),
	}
	if err := sliceInformer.Informer().AddIndexers(cache.Indexers{slicesByService: sliceServiceKeys}); err != nil {
		return nil, fmt.Errorf("endpointslice indexer: %w", err)
	}
	svcReg, err := svcInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.rebuildObject(obj) },
		UpdateFunc: func(_, obj any) { w.rebuildObject(obj) },
		DeleteFunc: func(obj any) { w.rebuildObject(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("service handler: %w", err)
	}
	sliceReg, err := sliceInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { w.rebuildForSlice(obj) },
		UpdateFunc: func(oldObj, obj any) {
			w.rebuildForSlice(obj)
			if serviceOfSlice(oldObj) != serviceOfSlice(obj) {
				w.rebuildForSlice(oldObj)
			}
		},
		DeleteFunc: func(obj any) { w.rebuildForSlice(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("endpointslice handler: %w", err)
	}
	w.synced = []cache.InformerSynced{
		svcReg.HasSynced, sliceReg.HasSynced, nsInformer.Informer().HasSynced,
	}
	return w, nil
}

// waitForSync blocks until the caches listed and every initial event was
// handled, or ctx ends.
func (w *watcher) waitForSync(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), w.synced...)
}

// namespaceExists answers whether a namespace exists.
func (w *watcher) namespaceExists(name string) bool {
	_, err := w.namespaces.Get(name)
	return err == nil
}

func (w *watcher) rebuildObject(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	w.rebuild(key)
}

func (w *watcher) rebuildForSlice(obj any) {
	if key := serviceOfSlice(obj); key != "" {
		w.rebuild(key)
	}
}

// rebuild recomputes the records of the Service key from the caches.
func (w *watcher) rebuild(key string) {
	w.rebuildMu.Lock()
	defer w.rebuildMu.Unlock()
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return
	}
	svc, err := w.services.Services(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		w.ix.apply(key, nil)
		return
	}
	if err != nil {
		return
	}
	objs, err := w.slices.ByIndex(slicesByService, key)
	if err != nil {
		return
	}
	slices := make([]*discovery.EndpointSlice, 0, len(objs))
	for _, o := range objs {
		if s, ok := o.(*discovery.EndpointSlice); ok {
			slices = append(slices, s)
		}
	}
	w.ix.apply(key, buildServiceRecords(svc, slices, w.zone, w.ttl))
}

// serviceOfSlice is "namespace/service" of an EndpointSlice (or its
// tombstone), "" when it names no Service.
func serviceOfSlice(obj any) string {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	s, ok := obj.(*discovery.EndpointSlice)
	if !ok {
		return ""
	}
	name := s.Labels[discovery.LabelServiceName]
	if name == "" {
		return ""
	}
	return s.Namespace + "/" + name
}

func sliceServiceKeys(obj any) ([]string, error) {
	if key := serviceOfSlice(obj); key != "" {
		return []string{key}, nil
	}
	return nil, nil
}
