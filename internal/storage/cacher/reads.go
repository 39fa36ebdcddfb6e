package cacher

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"

	"github.com/nauta/nauta/internal/storage"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Create goes to the store.
func (c *Cacher) Create(ctx context.Context, key string, obj, out runtime.Object) error {
	return c.cfg.Store.Create(ctx, key, obj, out)
}

// cachedUpdater is a store that can start an update from a cached object
// instead of reading it (storage.Store).
type cachedUpdater interface {
	GuaranteedUpdateFrom(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
		preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cached runtime.Object) error
}

// GuaranteedUpdate goes to the store, starting from the cached object when
// there is one: most updates follow a read of the same cache (an
// informer's), so the object is rarely behind, and when it is the store's
// compare-and-swap fails and it reads the key as usual.
func (c *Cacher) GuaranteedUpdate(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc) error {
	if store, ok := c.cfg.Store.(cachedUpdater); ok {
		c.mu.RLock()
		el := c.objects[key]
		c.mu.RUnlock()
		if el != nil {
			return store.GuaranteedUpdateFrom(ctx, key, out, ignoreNotFound, preconditions, tryUpdate, el.obj)
		}
	}
	return c.cfg.Store.GuaranteedUpdate(ctx, key, out, ignoreNotFound, preconditions, tryUpdate)
}

// Delete goes to the store.
func (c *Cacher) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validate storage.ValidateObjectFunc) error {
	return c.cfg.Store.Delete(ctx, key, out, preconditions, validate)
}

// CurrentResourceVersion asks the store.
func (c *Cacher) CurrentResourceVersion(ctx context.Context) (uint64, error) {
	return c.cfg.Store.CurrentResourceVersion(ctx)
}

// isReady reports whether the first list is in.
func (c *Cacher) isReady() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.ready
}

// Get serves resourceVersion "0" and "N" (at least N) from memory, copying
// the cached object into out; "" (a consistent read) goes to the store, as
// does everything while the cache is not ready.
func (c *Cacher) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	if opts.ResourceVersion == "" || !newScope(c.prefix, true).contains(key) || !c.isReady() {
		return c.cfg.Store.Get(ctx, key, opts, out)
	}
	rv, err := storage.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return err
	}
	if err := c.waitForRev(ctx, key, rv); err != nil {
		return err
	}
	c.mu.RLock()
	el := c.objects[key]
	c.mu.RUnlock()
	if el == nil {
		if opts.IgnoreNotFound {
			v := reflect.ValueOf(out).Elem()
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		return storage.NewError(storage.ErrKeyNotFound, key, 0, "")
	}
	// out belongs to the caller: give it its own copy.
	return assign(out, el.obj.DeepCopyObject())
}

// servesList reports whether a list can come from memory: resourceVersion
// "0" (limit and continue ignored, as upstream), or "N" meaning at least N
// without a limit. Consistent ("") and exact reads, continuations and
// limited "N" lists go to the store.
func servesList(opts storage.ListOptions) bool {
	switch {
	case opts.Predicate.Continue != "":
		return false
	case opts.ResourceVersionMatch == metav1.ResourceVersionMatchExact:
		return false
	case opts.ResourceVersion == "":
		return false
	case opts.ResourceVersion == "0":
		return true
	}
	return opts.Predicate.Limit <= 0
}

// GetList serves lists that accept cached data from memory (see servesList):
// the matching objects sorted by key, at the cache's revision, with no
// continue token. The items are shallow copies sharing maps and slices with
// the cache: callers must DeepCopy an item before modifying it.
func (c *Cacher) GetList(ctx context.Context, keyPrefix string, opts storage.ListOptions, listObj runtime.Object) error {
	sc := newScope(keyPrefix, opts.Recursive)
	if !servesList(opts) || !newScope(c.prefix, true).contains(sc.key) || !c.isReady() {
		return c.cfg.Store.GetList(ctx, keyPrefix, opts, listObj)
	}
	rv, err := storage.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return err
	}
	if err := c.waitForRev(ctx, keyPrefix, rv); err != nil {
		return err
	}
	listMeta, err := meta.ListAccessor(listObj)
	if err != nil {
		return fmt.Errorf("list object %T: %w", listObj, err)
	}

	var els []*element
	c.mu.RLock()
	listRev := c.rev
	if sc.recursive {
		for key, el := range c.objects {
			if sc.contains(key) && c.matches(opts.Predicate, el, &attrMemo{}) {
				els = append(els, el)
			}
		}
	} else if el := c.objects[sc.key]; el != nil && c.matches(opts.Predicate, el, &attrMemo{}) {
		els = append(els, el)
	}
	c.mu.RUnlock()

	sort.Slice(els, func(i, j int) bool { return els[i].key < els[j].key })
	items := make([]runtime.Object, len(els))
	for i, el := range els {
		items[i] = el.obj
	}
	if err := meta.SetList(listObj, items); err != nil {
		return fmt.Errorf("list object %T: %w", listObj, err)
	}
	listMeta.SetResourceVersion(strconv.FormatInt(listRev, 10))
	listMeta.SetContinue("")
	listMeta.SetRemainingItemCount(nil)
	return nil
}

// assign makes out hold obj (same type required).
func assign(out, obj runtime.Object) error {
	if reflect.TypeOf(out) != reflect.TypeOf(obj) {
		return fmt.Errorf("cached %T does not fit %T", obj, out)
	}
	reflect.ValueOf(out).Elem().Set(reflect.ValueOf(obj).Elem())
	return nil
}

func setRV(obj runtime.Object, rev int64) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	return nil
}
