package inprocess

import (
	"context"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/nauta/nauta/internal/apischeme"
)

// NewMetadataInformer returns an informer of the metadata of gvr in every
// namespace, as a metadata informer (client-go's metadatainformer) keeps
// it: PartialObjectMetadata objects. It takes the server's own objects
// (see ListWatch) and wraps their metadata instead of having the server
// render, encode and the client decode it. The wrapped metadata shares
// maps and slices with the server's objects: read-only, as all informer
// objects are. False when t is nil or gvr is not one of the shared kinds.
func (t *Transport) NewMetadataInformer(gvr schema.GroupVersionResource) (cache.SharedIndexInformer, bool) {
	if t == nil {
		return nil, false
	}
	res := Resource{Group: gvr.Group, Version: gvr.Version, Resource: gvr.Resource}
	if !isShared(res) {
		return nil, false
	}
	objects := t.ListWatch(res, metav1.NamespaceAll, nil)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			list, err := objects.ListWithContext(ctx, opts)
			if err != nil {
				return nil, err
			}
			return apischeme.PartialList(list, metav1.SchemeGroupVersion)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			w, err := objects.WatchWithContext(ctx, opts)
			if err != nil {
				return nil, err
			}
			return newMetadataWatch(w), nil
		},
	}
	return cache.NewSharedIndexInformer(lw, &metav1.PartialObjectMetadata{}, 0, cache.Indexers{}), true
}

// metadataWatch passes a watch's events on with their objects' metadata
// wrapped. Unlike watch.Filter it ends on Stop even when nobody reads any
// more (a reflector stops reading before it stops the watch).
type metadataWatch struct {
	inner  watch.Interface
	result chan watch.Event
	done   chan struct{}
	once   sync.Once
}

func newMetadataWatch(inner watch.Interface) *metadataWatch {
	w := &metadataWatch{inner: inner, result: make(chan watch.Event), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *metadataWatch) ResultChan() <-chan watch.Event { return w.result }

func (w *metadataWatch) Stop() {
	w.once.Do(func() {
		close(w.done)
		w.inner.Stop()
	})
}

func (w *metadataWatch) run() {
	defer close(w.result)
	for ev := range w.inner.ResultChan() {
		select {
		case w.result <- metadataEvent(ev):
		case <-w.done:
			return
		}
	}
}

// metadataEvent is ev with its object's metadata wrapped; errors pass.
func metadataEvent(ev watch.Event) watch.Event {
	if _, isStatus := ev.Object.(*metav1.Status); isStatus {
		return ev
	}
	partial, err := apischeme.Partial(ev.Object, metav1.SchemeGroupVersion)
	if err != nil {
		return watch.Event{Type: watch.Error, Object: &metav1.Status{
			Status: metav1.StatusFailure, Message: err.Error(), Reason: metav1.StatusReasonInternalError, Code: 500,
		}}
	}
	ev.Object = partial
	return ev
}

// isShared reports whether res is the resource of one of the shared kinds.
func isShared(res Resource) bool {
	for _, r := range sharedKinds {
		if r == res {
			return true
		}
	}
	return false
}
