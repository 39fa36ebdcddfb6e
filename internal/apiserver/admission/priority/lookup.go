package priority

import (
	"context"
	"errors"
	"fmt"

	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/nauta/nauta/internal/storage"
)

// KeyPrefix is where PriorityClasses live in etcd.
const KeyPrefix = "/registry/scheduling.k8s.io/priorityclasses/"

// GetFunc returns the PriorityClass called name. When there is none the
// error satisfies apierrors.IsNotFound (as a client-go lister's does).
type GetFunc func(ctx context.Context, name string) (*schedulingv1.PriorityClass, error)

// ListFunc returns every PriorityClass. fresh asks for the newest state
// rather than a possibly lagging cached one.
type ListFunc func(ctx context.Context, fresh bool) ([]schedulingv1.PriorityClass, error)

// NewFromStorage returns the plugin reading PriorityClasses from store
// (keys KeyPrefix + name), normally the priorityclasses watch cache.
func NewFromStorage(store storage.Interface) *Plugin {
	get, list := StorageLookups(store)
	return New(get, list)
}

// StorageLookups returns a GetFunc and a ListFunc over store. Get reads
// the cache first and etcd when the cache does not have the class yet (it
// may lag a class created just before the pod).
func StorageLookups(store storage.Interface) (GetFunc, ListFunc) {
	get := func(ctx context.Context, name string) (*schedulingv1.PriorityClass, error) {
		for _, rv := range []string{"0", ""} {
			pc := &schedulingv1.PriorityClass{}
			err := store.Get(ctx, KeyPrefix+name, storage.GetOptions{ResourceVersion: rv}, pc)
			if err == nil {
				return pc, nil
			}
			if !errors.Is(err, storage.ErrKeyNotFound) {
				return nil, fmt.Errorf("reading PriorityClass %q: %w", name, err)
			}
		}
		return nil, apierrors.NewNotFound(schedulingv1.Resource("priorityclasses"), name)
	}
	list := func(ctx context.Context, fresh bool) ([]schedulingv1.PriorityClass, error) {
		opts := storage.ListOptions{Recursive: true, ResourceVersion: "0"}
		if fresh {
			opts.ResourceVersion = ""
		}
		out := &schedulingv1.PriorityClassList{}
		if err := store.GetList(ctx, KeyPrefix, opts, out); err != nil {
			return nil, fmt.Errorf("listing PriorityClasses: %w", err)
		}
		return out.Items, nil
	}
	return get, list
}
