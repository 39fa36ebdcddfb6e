package handlers

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/storage"
)

// namespaceTerminatingMsg is upstream's answer to deleting a namespace
// whose content is still being removed.
const namespaceTerminatingMsg = "The system is ensuring all content is removed from this namespace.  " +
	"Upon completion, this namespace will automatically be purged by the system."

// namespaceFinalized reports whether a terminating namespace has no spec or
// metadata finalizers left and can be removed.
func namespaceFinalized(ns *corev1.Namespace) bool {
	return ns.DeletionTimestamp != nil && len(ns.Spec.Finalizers) == 0 && len(ns.Finalizers) == 0
}

// deleteNamespace is the namespace lifecycle: the first delete only marks
// the namespace Terminating (the namespace controller empties it and
// clears spec.finalizers through /finalize); it is removed once no
// finalizers remain.
func (h *Handler) deleteNamespace(ctx context.Context, s *scope, current *corev1.Namespace, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != current.UID {
			return nil, false, apierrors.NewConflict(namespacesGR, current.Name, fmt.Errorf(
				"Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, current.UID))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != current.ResourceVersion {
			return nil, false, apierrors.NewConflict(namespacesGR, current.Name, fmt.Errorf(
				"Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v",
				*p.ResourceVersion, current.ResourceVersion))
		}
	}
	if current.DeletionTimestamp != nil {
		if len(current.Spec.Finalizers) != 0 {
			return nil, false, apierrors.NewConflict(namespacesGR, current.Name, errors.New(namespaceTerminatingMsg))
		}
		return h.removeNamespaceIfFinalized(ctx, s, current, opts)
	}
	terminate := func(ns *corev1.Namespace) {
		if ns.DeletionTimestamp == nil {
			t := now()
			ns.DeletionTimestamp = &t
		}
		ns.Status.Phase = corev1.NamespaceTerminating
		if changed, finalizers := gcFinalizers(ns.Finalizers, opts); changed {
			ns.Finalizers = finalizers
		}
	}
	if isDryRun(opts.DryRun) {
		ns := current.DeepCopy()
		terminate(ns)
		return ns, false, nil
	}
	key := s.key(current.Name)
	out := &corev1.Namespace{}
	uid := current.UID
	err := s.ep.store.GuaranteedUpdate(ctx, key, out, false, &storage.Preconditions{UID: &uid}, func(obj runtime.Object) (runtime.Object, error) {
		ns, ok := obj.(*corev1.Namespace)
		if !ok {
			return nil, fmt.Errorf("expected a Namespace, got %T", obj)
		}
		terminate(ns)
		return ns, nil
	})
	if err != nil {
		return nil, false, responsewriters.InterpretStorageError(err, namespacesGR, current.Name)
	}
	if namespaceFinalized(out) {
		return h.removeNamespaceIfFinalized(ctx, s, out, opts)
	}
	return out, false, nil
}

// removeNamespaceIfFinalized deletes a terminating namespace that has no
// spec finalizers: at once when no metadata finalizers remain either.
func (h *Handler) removeNamespaceIfFinalized(ctx context.Context, s *scope, ns *corev1.Namespace, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	if len(ns.Finalizers) != 0 {
		return ns, false, nil
	}
	if isDryRun(opts.DryRun) {
		return ns, true, nil
	}
	rv := ns.ResourceVersion
	out := &corev1.Namespace{}
	err := s.ep.store.Delete(ctx, s.key(ns.Name), out, &storage.Preconditions{UID: &ns.UID, ResourceVersion: &rv}, nil)
	if err != nil {
		if errors.Is(err, storage.ErrKeyNotFound) {
			return ns, true, nil
		}
		return nil, false, responsewriters.InterpretStorageError(err, namespacesGR, ns.Name)
	}
	return out, true, nil
}

// finalizeOnly returns current with only spec.finalizers taken from the
// finalize request (and its resourceVersion, checked by the caller).
func finalizeOnly(obj, current runtime.Object) (runtime.Object, error) {
	return takePart(obj, current, "finalize", func(out, want *corev1.Namespace) {
		out.Spec.Finalizers = want.Spec.Finalizers
	})
}

// validateFinalize checks a finalize write: valid finalizer names and the
// usual metadata immutability.
func validateFinalize(obj, old runtime.Object) field.ErrorList {
	errs := validateMetaUpdate(obj, old)
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return errs
	}
	names := make([]string, 0, len(ns.Spec.Finalizers))
	for _, f := range ns.Spec.Finalizers {
		names = append(names, string(f))
	}
	return append(errs, apivalidation.ValidateFinalizers(names, field.NewPath("spec", "finalizers"))...)
}
