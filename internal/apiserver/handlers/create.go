package handlers

import (
	"context"
	"errors"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/storage"
)

// create serves POST on a collection.
func (h *Handler) create(w http.ResponseWriter, r *http.Request, s *scope) {
	opts, err := createOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stored, err := s.decodeWrite(r, fieldValidation(opts.FieldValidation), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := h.createStored(r.Context(), s, stored, isDryRun(opts.DryRun))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.write(w, r, http.StatusCreated, out)
}

// createStored runs the create lifecycle on a defaulted stored-version
// object and stores it (unless dryRun): system fields, PrepareForCreate,
// admission, name generation, validation. It returns the stored object.
func (h *Handler) createStored(ctx context.Context, s *scope, obj runtime.Object, dryRun bool) (runtime.Object, error) {
	m, err := accessor(obj)
	if err != nil {
		return nil, err
	}
	// The name is generated before PrepareForCreate, as upstream does: Jobs
	// derive labels from it. A collision reruns the whole lifecycle on a
	// fresh copy with a new name.
	generated := m.GetName() == "" && m.GetGenerateName() != ""
	original := obj
	for attempt := 1; ; attempt++ {
		cur := original
		if generated {
			cur = original.DeepCopyObject()
			cm, err := accessor(cur)
			if err != nil {
				return nil, err
			}
			cm.SetName(generateName(cm.GetGenerateName()))
		}
		cur, err = h.prepareCreate(ctx, s, cur, dryRun)
		if err != nil {
			return nil, err
		}
		cm, err := accessor(cur)
		if err != nil {
			return nil, err
		}
		if err := s.validateCreate(ctx, cur); err != nil {
			return nil, err
		}
		key := s.key(cm.GetName())
		if dryRun {
			err = s.ep.store.Get(ctx, key, storage.GetOptions{}, s.ep.newStored())
			if err == nil {
				err = storage.NewError(storage.ErrKeyExists, key, 0, "")
			} else if errors.Is(err, storage.ErrKeyNotFound) {
				if dr, ok := s.ep.store.(dryRunCreator); ok {
					if err := dr.DryRunCreate(ctx, cur); err != nil {
						return nil, err
					}
				}
				return cur, nil
			}
		} else {
			out := s.ep.newStored()
			err = s.ep.store.Create(ctx, key, cur, out)
			if err == nil {
				return out, nil
			}
		}
		if errors.Is(err, storage.ErrKeyExists) && generated {
			if attempt < maxCreateAttempts {
				continue
			}
			return nil, apierrors.NewGenerateNameConflict(s.ep.gr, cm.GetName(), 1)
		}
		return nil, responsewriters.InterpretStorageError(err, s.ep.gr, cm.GetName())
	}
}

// dryRunCreator is storage that assigns values on create (service cluster
// IPs and node ports): a dry run shows them without reserving them.
type dryRunCreator interface {
	DryRunCreate(ctx context.Context, obj runtime.Object) error
}

// dryRunUpdater is the same for updates: a dry run shows what the new
// object would be given besides what old holds.
type dryRunUpdater interface {
	DryRunUpdate(ctx context.Context, obj, old runtime.Object) error
}

// prepareCreate resets client-owned-by-server metadata, runs
// PrepareForCreate and the admission chain.
func (h *Handler) prepareCreate(ctx context.Context, s *scope, obj runtime.Object, dryRun bool) (runtime.Object, error) {
	m, err := accessor(obj)
	if err != nil {
		return nil, err
	}
	resetForCreate(m)
	s.ep.res.Strategy.PrepareForCreate(ctx, obj)
	return h.admit(ctx, s.admissionAttrs(admission.Create, obj, nil, m.GetName(), dryRun))
}

// validateCreate runs the strategy's create validation and queues its
// warnings.
func (s *scope) validateCreate(ctx context.Context, obj runtime.Object) error {
	m, err := accessor(obj)
	if err != nil {
		return err
	}
	if errs := s.ep.res.Strategy.Validate(ctx, obj); len(errs) > 0 {
		return apierrors.NewInvalid(s.groupKind(), m.GetName(), errs)
	}
	s.warn(s.ep.res.Strategy.WarningsOnCreate(ctx, obj)...)
	return nil
}
