package kubelet

import (
	"context"
	"sync"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// objectKey names a ConfigMap or Secret a pod's volumes use.
type objectKey struct {
	kind            string // "ConfigMap" or "Secret"
	namespace, name string
}

// objectWatch is one watch on one object, shared by the pods using it.
type objectWatch struct {
	informer cache.SharedIndexInformer
	stop     chan struct{}
	pods     map[types.UID]bool
}

// objectWatcher keeps a watch on every ConfigMap and Secret the node's
// pods mount, like upstream's watch-based manager: one watch per object
// (a field selector on its name), never a list of every object in the
// cluster. A change wakes the pods that use the object, whose workers then
// rewrite their volumes.
type objectWatcher struct {
	client kubernetes.Interface
	wake   func(types.UID)

	mu      sync.Mutex
	watches map[objectKey]*objectWatch
	podRefs map[types.UID]map[objectKey]bool
}

func newObjectWatcher(client kubernetes.Interface, wake func(types.UID)) *objectWatcher {
	return &objectWatcher{
		client: client, wake: wake,
		watches: map[objectKey]*objectWatch{},
		podRefs: map[types.UID]map[objectKey]bool{},
	}
}

// volumeObjects lists the ConfigMaps and Secrets pod's volumes project.
func volumeObjects(pod *v1.Pod) map[objectKey]bool {
	keys := map[objectKey]bool{}
	add := func(kind, name string) {
		if name != "" {
			keys[objectKey{kind, pod.Namespace, name}] = true
		}
	}
	for _, vol := range pod.Spec.Volumes {
		switch {
		case vol.ConfigMap != nil:
			add("ConfigMap", vol.ConfigMap.Name)
		case vol.Secret != nil:
			add("Secret", vol.Secret.SecretName)
		case vol.Projected != nil:
			for _, src := range vol.Projected.Sources {
				if src.ConfigMap != nil {
					add("ConfigMap", src.ConfigMap.Name)
				}
				if src.Secret != nil {
					add("Secret", src.Secret.Name)
				}
			}
		}
	}
	return keys
}

// track makes the watches of pod exactly the objects its volumes use.
// Watches end with ctx or when no pod uses them any more.
func (o *objectWatcher) track(ctx context.Context, pod *v1.Pod) {
	keys := volumeObjects(pod)
	o.mu.Lock()
	defer o.mu.Unlock()
	old := o.podRefs[pod.UID]
	for key := range old {
		if !keys[key] {
			o.releaseLocked(pod.UID, key)
		}
	}
	for key := range keys {
		if old[key] {
			continue
		}
		w, ok := o.watches[key]
		if !ok {
			w = o.startLocked(ctx, key)
		}
		w.pods[pod.UID] = true
	}
	if len(keys) == 0 {
		delete(o.podRefs, pod.UID)
	} else {
		o.podRefs[pod.UID] = keys
	}
}

// forget drops the pod's watches.
func (o *objectWatcher) forget(uid types.UID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for key := range o.podRefs[uid] {
		o.releaseLocked(uid, key)
	}
	delete(o.podRefs, uid)
}

func (o *objectWatcher) releaseLocked(uid types.UID, key objectKey) {
	w, ok := o.watches[key]
	if !ok {
		return
	}
	delete(w.pods, uid)
	if len(w.pods) == 0 {
		close(w.stop)
		delete(o.watches, key)
	}
}

func (o *objectWatcher) startLocked(ctx context.Context, key objectKey) *objectWatch {
	sel := fields.OneTermEqualSelector("metadata.name", key.name).String()
	var lw *cache.ListWatch
	var obj runtime.Object
	switch key.kind {
	case "Secret":
		obj = &v1.Secret{}
		lw = &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				opts.FieldSelector = sel
				return o.client.CoreV1().Secrets(key.namespace).List(ctx, opts)
			},
			WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				opts.FieldSelector = sel
				return o.client.CoreV1().Secrets(key.namespace).Watch(ctx, opts)
			},
		}
	default:
		obj = &v1.ConfigMap{}
		lw = &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				opts.FieldSelector = sel
				return o.client.CoreV1().ConfigMaps(key.namespace).List(ctx, opts)
			},
			WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				opts.FieldSelector = sel
				return o.client.CoreV1().ConfigMaps(key.namespace).Watch(ctx, opts)
			},
		}
	}
	inf := cache.NewSharedIndexInformer(lw, obj, 0, cache.Indexers{})
	w := &objectWatch{informer: inf, stop: make(chan struct{}), pods: map[types.UID]bool{}}
	changed := func(any) { o.wakePods(key) }
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    changed,
		UpdateFunc: func(_, obj any) { changed(obj) },
		DeleteFunc: changed,
	})
	stop := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-w.stop:
		}
		close(stop)
	}()
	go inf.Run(stop)
	o.watches[key] = w
	return w
}

func (o *objectWatcher) wakePods(key objectKey) {
	o.mu.Lock()
	var uids []types.UID
	if w, ok := o.watches[key]; ok {
		for uid := range w.pods {
			uids = append(uids, uid)
		}
	}
	o.mu.Unlock()
	for _, uid := range uids {
		o.wake(uid)
	}
}

// cached returns the watched object: found tells whether it exists, ok
// whether the watch has synced (else the caller asks the API server).
func (o *objectWatcher) cached(key objectKey) (obj any, found, ok bool) {
	o.mu.Lock()
	w := o.watches[key]
	o.mu.Unlock()
	if w == nil || !w.informer.HasSynced() {
		return nil, false, false
	}
	obj, found, err := w.informer.GetStore().GetByKey(key.namespace + "/" + key.name)
	if err != nil {
		return nil, false, false
	}
	return obj, found, true
}

// configMap reads a ConfigMap from its watch, or from the API server while
// the watch has not synced. Not found is an API NotFound error.
func (k *Kubelet) configMap(ctx context.Context, namespace, name string) (*v1.ConfigMap, error) {
	if obj, found, ok := k.objects.cached(objectKey{"ConfigMap", namespace, name}); ok {
		if !found {
			return nil, notFound("configmaps", name)
		}
		if cm, isCM := obj.(*v1.ConfigMap); isCM {
			return cm, nil
		}
	}
	return k.client.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
}

// secret is configMap for Secrets.
func (k *Kubelet) secret(ctx context.Context, namespace, name string) (*v1.Secret, error) {
	if obj, found, ok := k.objects.cached(objectKey{"Secret", namespace, name}); ok {
		if !found {
			return nil, notFound("secrets", name)
		}
		if s, isSecret := obj.(*v1.Secret); isSecret {
			return s, nil
		}
	}
	return k.client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}

func notFound(resource, name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name)
}
