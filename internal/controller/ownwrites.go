package controller

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// OwnWrites remembers the objects a controller wrote itself until its
// informer catches up with them. A controller that syncs an object again
// right after writing it would otherwise work on the informer's copy, one
// write behind: it would see its own status as still to be written, and
// its next write would fail on the stale resourceVersion (a conflict, a
// GET and a second write). Optimistic concurrency still decides every
// write; this only picks which version to start from.
type OwnWrites[T metav1.Object] struct {
	mu      sync.Mutex
	written map[types.UID]ownWrite[T]
}

type ownWrite[T metav1.Object] struct {
	// over is the resourceVersion of the informer's copy the write (or the
	// first of a chain of writes) replaced.
	over string
	obj  T
}

// NewOwnWrites returns an empty record that forgets objects when
// informer reports them deleted.
func NewOwnWrites[T metav1.Object](informer cache.SharedIndexInformer) (*OwnWrites[T], error) {
	w := &OwnWrites[T]{written: map[types.UID]ownWrite[T]{}}
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if m, ok := obj.(metav1.Object); ok {
				w.forget(m.GetUID())
			}
		},
	})
	return w, err
}

// Wrote records obj, as the server returned it, written over the version
// basedOn. The caller keeps obj unchanged from now on.
func (w *OwnWrites[T]) Wrote(basedOn string, obj T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	over := basedOn
	if prev, ok := w.written[obj.GetUID()]; ok && prev.obj.GetResourceVersion() == basedOn {
		// A write over our own earlier write: the informer still shows
		// what the first one replaced.
		over = prev.over
	}
	w.written[obj.GetUID()] = ownWrite[T]{over: over, obj: obj}
}

// Latest returns the newest version of cached the controller knows of:
// its own last write while the informer still shows the version that write
// replaced, else cached. Like informer objects, the result is read-only.
func (w *OwnWrites[T]) Latest(cached T) T {
	w.mu.Lock()
	defer w.mu.Unlock()
	own, ok := w.written[cached.GetUID()]
	if !ok {
		return cached
	}
	if own.over == cached.GetResourceVersion() {
		return own.obj
	}
	// The informer moved on (to this write or past it).
	delete(w.written, cached.GetUID())
	return cached
}

func (w *OwnWrites[T]) forget(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.written, uid)
}
