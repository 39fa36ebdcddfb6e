package servicealloc

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/storage"
)

// Wrap returns the services storage with allocation around its writes:
// Create reserves what the new Service asks for and fills in what it left
// empty; GuaranteedUpdate does the same for the difference between the
// stored and the updated Service; Delete frees what the deleted Service
// held. Reads and watches pass through.
func (a *Allocator) Wrap(inner storage.Interface) storage.Interface {
	return &servicesStore{Interface: inner, alloc: a}
}

type servicesStore struct {
	storage.Interface
	alloc *Allocator
}

func (s *servicesStore) Create(ctx context.Context, key string, obj, out runtime.Object) error {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return fmt.Errorf("servicealloc: create of %T", obj)
	}
	added, _, err := s.alloc.assign(ctx, svc, nil)
	if err != nil {
		return err
	}
	if err := s.Interface.Create(ctx, key, svc, out); err != nil {
		s.alloc.release(ctx, added)
		return err
	}
	return nil
}

func (s *servicesStore) GuaranteedUpdate(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc) error {
	var added, dropped claims
	wrapped := func(cur runtime.Object) (runtime.Object, error) {
		// A retry after a conflict starts again from the new current
		// object: undo what the previous attempt reserved.
		if len(added.ips)+len(added.ports) > 0 {
			s.alloc.release(ctx, added)
			added, dropped = claims{}, claims{}
		}
		// tryUpdate may change cur in place; keep the stored state.
		before := cur.DeepCopyObject()
		updated, err := tryUpdate(cur)
		if err != nil {
			return nil, err
		}
		svc, ok := updated.(*corev1.Service)
		if !ok {
			return nil, fmt.Errorf("servicealloc: update to %T", updated)
		}
		var old *corev1.Service
		if c, ok := before.(*corev1.Service); ok && c.Name != "" {
			old = c
		}
		added, dropped, err = s.alloc.assign(ctx, svc, old)
		if err != nil {
			added, dropped = claims{}, claims{}
			return nil, err
		}
		return svc, nil
	}
	if err := s.Interface.GuaranteedUpdate(ctx, key, out, ignoreNotFound, preconditions, wrapped); err != nil {
		s.alloc.release(ctx, added)
		return err
	}
	s.alloc.release(ctx, dropped)
	return nil
}

func (s *servicesStore) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validate storage.ValidateObjectFunc) error {
	if err := s.Interface.Delete(ctx, key, out, preconditions, validate); err != nil {
		return err
	}
	if svc, ok := out.(*corev1.Service); ok {
		s.alloc.release(ctx, s.alloc.claimsOf(svc))
	}
	return nil
}

// DryRunCreate fills in the cluster IP and node ports a create of obj
// would get, and reports the conflicts it would meet, without reserving
// anything (kubectl create --dry-run=server).
func (s *servicesStore) DryRunCreate(ctx context.Context, obj runtime.Object) error {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return fmt.Errorf("servicealloc: dry-run create of %T", obj)
	}
	_, _, err := s.alloc.assignMode(ctx, svc, nil, true)
	return err
}

// DryRunUpdate fills in what an update of old to obj would be given (a
// type change to NodePort gets node ports), and reports conflicts, without
// reserving or freeing anything.
func (s *servicesStore) DryRunUpdate(ctx context.Context, obj, old runtime.Object) error {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return fmt.Errorf("servicealloc: dry-run update to %T", obj)
	}
	var prev *corev1.Service
	if o, ok := old.(*corev1.Service); ok && o.Name != "" {
		prev = o
	}
	_, _, err := s.alloc.assignMode(ctx, svc, prev, true)
	return err
}
