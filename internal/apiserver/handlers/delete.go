package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/storage"
)

// Sentinels that end a deletion's GuaranteedUpdate without writing.
var (
	errAlreadyDeleting = errors.New("graceful deletion already pending")
	errDeleteNow       = errors.New("delete without update")
)

// delete serves DELETE on an object.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request, s *scope) {
	opts, err := deleteOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, deleted, err := h.deleteStored(r.Context(), s, s.name, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code := http.StatusOK
	//nolint:staticcheck // OrphanDependents is deprecated but still honoured.
	if !deleted && opts.OrphanDependents != nil && !*opts.OrphanDependents {
		code = http.StatusAccepted
	}
	s.write(w, r, code, out)
}

// deleteStored deletes the named object following upstream's rules:
// preconditions, graceful deletion (pods), finalizers (the object only gets
// a deletionTimestamp while any remain), the orphan/foregroundDeletion
// finalizers of the propagation policy, namespace termination. It returns
// what the response carries (the object or a Status) and whether the
// object is gone.
func (h *Handler) deleteStored(ctx context.Context, s *scope, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	key := s.key(name)
	dryRun := isDryRun(opts.DryRun)
	current := s.ep.newStored()
	if err := s.ep.store.Get(ctx, key, storage.GetOptions{}, current); err != nil {
		return nil, false, responsewriters.InterpretStorageError(err, s.ep.gr, name)
	}
	// Deletes on behalf of a subresource (eviction) were admitted as that
	// subresource's create.
	if s.info.Subresource == "" {
		if _, err := h.admit(ctx, s.admissionAttrs(admission.Delete, nil, current, name, dryRun)); err != nil {
			return nil, false, err
		}
	}
	if ns, ok := current.(*corev1.Namespace); ok && s.ep.gr == namespacesGR {
		return h.deleteNamespace(ctx, s, ns, opts)
	}
	plan, err := s.planDelete(current.DeepCopyObject(), opts.DeepCopy())
	if err != nil {
		return nil, false, err
	}
	if plan.pending {
		return s.deletedResult(current), false, nil
	}
	preconditions := deletePreconditions(opts)
	var updated runtime.Object
	if plan.update != nil {
		if dryRun {
			if plan.deleteNow {
				return s.deletedResult(current), true, nil
			}
			return plan.update, false, nil
		}
		var last deletePlan
		out := s.ep.newStored()
		err := s.ep.store.GuaranteedUpdate(ctx, key, out, false, preconditions, func(cur runtime.Object) (runtime.Object, error) {
			p, err := s.planDelete(cur, opts.DeepCopy())
			switch {
			case err != nil:
				return nil, err
			case p.pending:
				return nil, errAlreadyDeleting
			case p.update == nil:
				return nil, errDeleteNow
			}
			last = p
			return p.update, nil
		})
		switch {
		case errors.Is(err, errAlreadyDeleting):
			return s.deletedResult(current), false, nil
		case errors.Is(err, errDeleteNow):
		case err != nil:
			return nil, false, responsewriters.InterpretStorageError(err, s.ep.gr, name)
		case !last.deleteNow:
			return out, false, nil
		default:
			updated = out
			if preconditions != nil && preconditions.ResourceVersion != nil {
				m, err := accessor(out)
				if err != nil {
					return nil, false, err
				}
				rv := m.GetResourceVersion()
				preconditions.ResourceVersion = &rv
			}
		}
	}
	if dryRun {
		return s.deletedResult(current), true, nil
	}
	out := s.ep.newStored()
	if err := s.ep.store.Delete(ctx, key, out, preconditions, nil); err != nil {
		// A graceless delete races with whoever else deletes the object
		// (the kubelet); losing that race is fine.
		if errors.Is(err, storage.ErrKeyNotFound) && updated != nil {
			return s.deletedResult(updated), true, nil
		}
		return nil, false, responsewriters.InterpretStorageError(err, s.ep.gr, name)
	}
	return s.deletedResult(out), true, nil
}

func deletePreconditions(opts *metav1.DeleteOptions) *storage.Preconditions {
	if opts.Preconditions == nil {
		return nil
	}
	return &storage.Preconditions{UID: opts.Preconditions.UID, ResourceVersion: opts.Preconditions.ResourceVersion}
}

// deletedResult is what a DELETE answers about obj: the object itself for
// the kinds upstream returns it for, else a Success Status naming it.
func (s *scope) deletedResult(obj runtime.Object) runtime.Object {
	if s.ep.returnDeleted {
		return obj
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Details: &metav1.StatusDetails{Group: s.ep.gr.Group, Kind: s.ep.gr.Resource}}
	if m, err := accessor(obj); err == nil {
		st.Details.Name = m.GetName()
		st.Details.UID = m.GetUID()
	}
	return st
}

// deletePlan is what a delete does to the current object.
type deletePlan struct {
	// update is the object to write first (deletionTimestamp, grace
	// period, finalizers), nil when nothing needs writing.
	update runtime.Object
	// deleteNow: remove the key (after writing update, if any).
	deleteNow bool
	// pending: a graceful deletion is already under way and this delete
	// does not shorten it; nothing changes.
	pending bool
}

// planDelete decides a delete against current (a private copy it may
// change).
func (s *scope) planDelete(current runtime.Object, opts *metav1.DeleteOptions) (deletePlan, error) {
	m, err := accessor(current)
	if err != nil {
		return deletePlan{}, err
	}
	if p := opts.Preconditions; p != nil {
		gr := schema.GroupResource{Group: s.ep.storageGVK.Group, Resource: s.ep.storageGVK.Kind}
		if p.UID != nil && *p.UID != m.GetUID() {
			return deletePlan{}, apierrors.NewConflict(gr, m.GetName(), fmt.Errorf(
				"the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated",
				*p.UID, m.GetUID()))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
			return deletePlan{}, apierrors.NewConflict(gr, m.GetName(), fmt.Errorf(
				"the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified",
				*p.ResourceVersion, m.GetResourceVersion()))
		}
	}
	if g := opts.GracePeriodSeconds; g != nil && *g < 0 {
		one := int64(1)
		opts.GracePeriodSeconds = &one
	}
	graceful := false
	var grace int64
	if pod, ok := current.(*corev1.Pod); ok && s.ep.gr == podsGR {
		if pod.DeletionTimestamp != nil {
			cur := pod.DeletionGracePeriodSeconds
			switch {
			case cur == nil || *cur == 0:
				// Already due: fall through to the final delete.
			case opts.GracePeriodSeconds != nil && *opts.GracePeriodSeconds < *cur:
				// Only a shorter grace period may be asked for.
				period := *opts.GracePeriodSeconds
				ts := metav1.NewTime(pod.DeletionTimestamp.Add(-time.Duration(*cur) * time.Second).Add(time.Duration(period) * time.Second))
				pod.DeletionTimestamp = &ts
				pod.DeletionGracePeriodSeconds = &period
				graceful, grace = true, period
			default:
				return deletePlan{pending: true}, nil
			}
		} else {
			grace = podGracePeriod(pod, opts)
			ts := metav1.NewTime(now().Add(time.Duration(grace) * time.Second))
			pod.DeletionTimestamp = &ts
			pod.DeletionGracePeriodSeconds = &grace
			if pod.Generation > 0 {
				pod.Generation++
			}
			graceful = true
		}
	}
	if changed, finalizers := gcFinalizers(m.GetFinalizers(), opts); changed {
		m.SetFinalizers(finalizers)
	}
	pendingFinalizers := len(m.GetFinalizers()) > 0
	if !graceful {
		if pendingFinalizers {
			markAsDeleting(m)
			return deletePlan{update: current}, nil
		}
		return deletePlan{deleteNow: true}, nil
	}
	return deletePlan{update: current, deleteNow: !pendingFinalizers && grace == 0}, nil
}

// podGracePeriod is a pod's grace period for a new deletion: the option,
// else spec.terminationGracePeriodSeconds; zero for pods not on a node or
// already terminated.
func podGracePeriod(pod *corev1.Pod, opts *metav1.DeleteOptions) int64 {
	var period int64
	if opts.GracePeriodSeconds != nil {
		period = *opts.GracePeriodSeconds
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		period = *pod.Spec.TerminationGracePeriodSeconds
	} else {
		period = corev1.DefaultTerminationGracePeriodSeconds
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		period = 0
	}
	if period < 0 {
		period = 1
	}
	opts.GracePeriodSeconds = &period
	return period
}

// markAsDeleting gives an object with finalizers a deletionTimestamp (now,
// unless it already has an earlier one) and a zero grace period.
func markAsDeleting(m metav1.Object) {
	if m.GetDeletionTimestamp() == nil && m.GetGeneration() > 0 {
		m.SetGeneration(m.GetGeneration() + 1)
	}
	t := now()
	if ts := m.GetDeletionTimestamp(); ts == nil || ts.After(t.Time) {
		m.SetDeletionTimestamp(&t)
	}
	var zero int64
	m.SetDeletionGracePeriodSeconds(&zero)
}

// gcFinalizers returns the finalizers the propagation policy asks for: the
// garbage collector's "orphan" for Orphan, "foregroundDeletion" for
// Foreground, neither for Background; without a policy the object's own
// choice stands. changed reports a difference from the current set.
func gcFinalizers(current []string, opts *metav1.DeleteOptions) (bool, []string) {
	orphan, foreground := false, false
	//nolint:staticcheck // OrphanDependents is deprecated but still honoured.
	switch {
	case opts.OrphanDependents != nil:
		orphan = *opts.OrphanDependents
	case opts.PropagationPolicy != nil:
		orphan = *opts.PropagationPolicy == metav1.DeletePropagationOrphan
		foreground = *opts.PropagationPolicy == metav1.DeletePropagationForeground
	default:
		for _, f := range current {
			switch f {
			case metav1.FinalizerOrphanDependents:
				orphan = true
			case metav1.FinalizerDeleteDependents:
				foreground = true
			}
		}
		if orphan && foreground {
			foreground = false
		}
	}
	out := make([]string, 0, len(current)+1)
	for _, f := range current {
		if f != metav1.FinalizerOrphanDependents && f != metav1.FinalizerDeleteDependents {
			out = append(out, f)
		}
	}
	if orphan {
		out = append(out, metav1.FinalizerOrphanDependents)
	}
	if foreground {
		out = append(out, metav1.FinalizerDeleteDependents)
	}
	if sameSet(current, out) {
		return false, current
	}
	return true, out
}

func sameSet(a, b []string) bool {
	as := map[string]bool{}
	for _, x := range a {
		as[x] = true
	}
	bs := map[string]bool{}
	for _, x := range b {
		bs[x] = true
	}
	if len(as) != len(bs) {
		return false
	}
	for x := range as {
		if !bs[x] {
			return false
		}
	}
	return true
}

// deleteCollection serves DELETE on a collection: every object the
// selectors match is deleted as a single DELETE would; the response is the
// list of the matched objects.
func (h *Handler) deleteCollection(w http.ResponseWriter, r *http.Request, s *scope) {
	if s.ep.res.Namespaced && s.namespace == "" {
		s.fail(w, r, notFound())
		return
	}
	lo, err := s.listOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts, err := deleteOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.readList(r.Context(), lo)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = eachItem(list, func(m metav1.Object) error {
		ns := *s
		ns.namespace = m.GetNamespace()
		_, _, err := h.deleteStored(r.Context(), &ns, m.GetName(), opts.DeepCopy())
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.write(w, r, http.StatusOK, list)
}
