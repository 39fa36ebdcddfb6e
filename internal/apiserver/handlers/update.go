package handlers

import (
	"context"
	"errors"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/certificates/certificatesigningrequest"
	"github.com/nauta/nauta/internal/storage"
)

// updateKind is which part of an object a write may change.
type updateKind int

const (
	updateMain      updateKind = iota // everything but status
	updateStatus                      // only status
	updateFinalize                    // only a namespace's spec.finalizers
	updateEphemeral                   // only a pod's spec.ephemeralContainers
	updateApproval                    // only a CSR's Approved and Denied conditions
)

// Sentinels that end a GuaranteedUpdate without writing.
var (
	errDryRun         = errors.New("dry run: not persisted")
	errDeleteOnUpdate = errors.New("update removed the last finalizer of a deleted object")
)

// update serves PUT on an object, its status or a namespace's finalize.
func (h *Handler) update(w http.ResponseWriter, r *http.Request, s *scope, kind updateKind) {
	opts, err := updateOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stored, err := s.decodeWrite(r, fieldValidation(opts.FieldValidation), true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, created, err := h.updateStored(r.Context(), s, updateSpec{
		kind:        kind,
		allowCreate: kind == updateMain && s.ep.res.Strategy.AllowCreateOnUpdate(),
		dryRun:      isDryRun(opts.DryRun),
		newObject: func(context.Context, runtime.Object) (runtime.Object, error) {
			return stored.DeepCopyObject(), nil
		},
	})
	s.writeUpdated(w, r, out, created, err)
}

// writeUpdated answers a write through updateStored: the error, or the
// object with 201 when the write created it and 200 otherwise.
func (s *scope) writeUpdated(w http.ResponseWriter, r *http.Request, out runtime.Object, created bool, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	s.write(w, r, code, out)
}

// updateSpec describes one read-modify-write of an object.
type updateSpec struct {
	kind updateKind
	// newObject returns the wanted stored-version object (defaulted) given
	// a private copy of the current one (a zero object when creating).
	newObject func(ctx context.Context, current runtime.Object) (runtime.Object, error)
	// allowCreate lets a write of a missing object create it.
	allowCreate bool
	dryRun      bool
	// skipAdmission: the caller admitted the change itself (scale admits
	// the Scale object).
	skipAdmission bool
}

// updateStored runs a guarded update of the request's object: the new
// object is computed from the current one, checked for resourceVersion
// conflicts, carried the immutable metadata, prepared by the strategy,
// admitted and validated, then written (or only returned under dryRun).
// An update that removes the last finalizer of an object being deleted
// deletes it. It returns the resulting stored object and whether it was
// created.
func (h *Handler) updateStored(ctx context.Context, s *scope, spec updateSpec) (runtime.Object, bool, error) {
	key := s.key(s.name)
	for attempt := 0; ; attempt++ {
		var (
			creating bool
			result   runtime.Object
		)
		out := s.ep.newStored()
		err := s.ep.store.GuaranteedUpdate(ctx, key, out, spec.allowCreate, nil, func(current runtime.Object) (runtime.Object, error) {
			creating, result = false, nil
			cm, err := accessor(current)
			if err != nil {
				return nil, err
			}
			exists := cm.GetResourceVersion() != ""
			if !exists && !spec.allowCreate {
				return nil, apierrors.NewNotFound(s.ep.gr, s.name)
			}
			obj, err := spec.newObject(ctx, current)
			if err != nil {
				return nil, err
			}
			if !exists {
				creating = true
				obj, err = h.prepareCreate(ctx, s, obj, spec.dryRun)
				if err != nil {
					return nil, err
				}
				if err := s.validateCreate(ctx, obj); err != nil {
					return nil, err
				}
				if spec.dryRun {
					if dr, ok := s.ep.store.(dryRunCreator); ok {
						if err := dr.DryRunCreate(ctx, obj); err != nil {
							return nil, err
						}
					}
					result = obj
					return nil, errDryRun
				}
				return obj, nil
			}
			obj, err = h.prepareUpdate(ctx, s, spec, obj, current)
			if err != nil {
				return nil, err
			}
			result = obj
			if s.deleteOnUpdate(obj, current) {
				return nil, errDeleteOnUpdate
			}
			if spec.dryRun {
				if dr, ok := s.ep.store.(dryRunUpdater); ok {
					if err := dr.DryRunUpdate(ctx, obj, current); err != nil {
						return nil, err
					}
				}
				return nil, errDryRun
			}
			return obj, nil
		})
		switch {
		case errors.Is(err, errDryRun):
			return result, creating, nil
		case errors.Is(err, errDeleteOnUpdate):
			if spec.dryRun {
				return result, false, nil
			}
			retry, err := s.deleteAfterUpdate(ctx, key, result)
			if retry && attempt < 3 {
				continue
			}
			if err != nil {
				return nil, false, err
			}
			return result, false, nil
		case err != nil:
			return nil, false, responsewriters.InterpretStorageError(err, s.ep.gr, s.name)
		}
		return out, creating, nil
	}
}

// prepareUpdate turns the wanted object into what gets stored over
// current: resourceVersion check, carried metadata, strategy preparation,
// admission and validation.
func (h *Handler) prepareUpdate(ctx context.Context, s *scope, spec updateSpec, obj, current runtime.Object) (runtime.Object, error) {
	m, err := accessor(obj)
	if err != nil {
		return nil, err
	}
	cm, err := accessor(current)
	if err != nil {
		return nil, err
	}
	switch rv := m.GetResourceVersion(); {
	case rv == "" && !s.ep.res.Strategy.AllowUnconditionalUpdate():
		gk := schema.GroupKind{Group: s.ep.gr.Group, Kind: s.ep.gr.Resource}
		return nil, apierrors.NewInvalid(gk, s.name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "resourceVersion"), rv, "must be specified for an update"),
		})
	case rv == "":
		m.SetResourceVersion(cm.GetResourceVersion())
	case rv != cm.GetResourceVersion():
		return nil, apierrors.NewConflict(s.ep.gr, s.name, errors.New(responsewriters.OptimisticLockErrorMsg))
	}
	switch spec.kind {
	case updateFinalize:
		obj, err = finalizeOnly(obj, current)
	case updateEphemeral:
		obj, err = ephemeralOnly(obj, current)
	}
	if err != nil {
		return nil, err
	}
	if m, err = accessor(obj); err != nil {
		return nil, err
	}
	carryForUpdate(m, cm)
	strategy := s.ep.res.Strategy
	switch spec.kind {
	case updateMain:
		strategy.PrepareForUpdate(ctx, obj, current)
	case updateStatus:
		resetForStatus(m, cm)
		strategy.PrepareForStatusUpdate(ctx, obj, current)
	case updateApproval:
		resetForStatus(m, cm)
		certificatesigningrequest.PrepareForApproval(obj, current)
	}
	if !spec.skipAdmission {
		obj, err = h.admit(ctx, s.admissionAttrs(admission.Update, obj, current, s.name, spec.dryRun))
		if err != nil {
			return nil, err
		}
	}
	var errs field.ErrorList
	switch spec.kind {
	case updateMain:
		errs = strategy.ValidateUpdate(ctx, obj, current)
	case updateStatus:
		errs = strategy.ValidateStatusUpdate(ctx, obj, current)
	case updateFinalize:
		errs = validateFinalize(obj, current)
	case updateEphemeral:
		errs = validateEphemeral(obj, current)
	case updateApproval:
		errs = certificatesigningrequest.ValidateApproval(obj, current)
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(s.groupKind(), s.name, errs)
	}
	return obj, nil
}

// deleteOnUpdate reports whether the update result should be deleted
// instead of written: a deleted object (zero grace period) whose last
// finalizer was just removed, or a terminating namespace whose spec and
// metadata finalizers are all gone.
func (s *scope) deleteOnUpdate(obj, current runtime.Object) bool {
	if ns, ok := obj.(*corev1.Namespace); ok && s.ep.gr == namespacesGR {
		return namespaceFinalized(ns)
	}
	m, err := accessor(obj)
	if err != nil || len(m.GetFinalizers()) > 0 {
		return false
	}
	old, err := accessor(current)
	if err != nil || len(old.GetFinalizers()) == 0 {
		return false
	}
	grace := old.GetDeletionGracePeriodSeconds()
	return old.GetDeletionTimestamp() != nil && grace != nil && *grace == 0
}

// deleteAfterUpdate deletes obj's key provided nothing changed since obj
// was computed. retry is set when something did.
func (s *scope) deleteAfterUpdate(ctx context.Context, key string, obj runtime.Object) (retry bool, err error) {
	m, err := accessor(obj)
	if err != nil {
		return false, err
	}
	rv := m.GetResourceVersion()
	err = s.ep.store.Delete(ctx, key, s.ep.newStored(), &storage.Preconditions{ResourceVersion: &rv}, nil)
	switch {
	case err == nil, errors.Is(err, storage.ErrKeyNotFound):
		return false, nil
	case errors.Is(err, storage.ErrConflict):
		return true, responsewriters.InterpretStorageError(err, s.ep.gr, s.name)
	}
	return false, responsewriters.InterpretStorageError(err, s.ep.gr, s.name)
}

// validateMetaUpdate is the metadata part of update validation, for writes
// that bypass the strategy.
func validateMetaUpdate(obj, old runtime.Object) field.ErrorList {
	return registry.ValidateObjectMetaUpdate(obj, old)
}
