package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/storage"
)

var scaleGVK = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// scaleOf is the autoscaling/v1 Scale of a stored parent object: the
// parent's identity, spec.replicas, status.replicas and selector.
func (s *scope) scaleOf(parent runtime.Object) (*autoscalingv1.Scale, error) {
	m, err := accessor(parent)
	if err != nil {
		return nil, err
	}
	sa := s.ep.res.Scale
	sc := &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name:              m.GetName(),
			Namespace:         m.GetNamespace(),
			UID:               m.GetUID(),
			ResourceVersion:   m.GetResourceVersion(),
			CreationTimestamp: m.GetCreationTimestamp(),
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: sa.SpecReplicas(parent)},
		Status: autoscalingv1.ScaleStatus{Replicas: sa.StatusReplicas(parent)},
	}
	if sa.Selector != nil {
		sc.Status.Selector = sa.Selector(parent)
	}
	sc.SetGroupVersionKind(scaleGVK)
	return sc, nil
}

// writeScale writes a Scale (or its metadata or Table, as negotiated).
func (s *scope) writeScale(w http.ResponseWriter, r *http.Request, code int, sc *autoscalingv1.Scale) {
	var out runtime.Object = sc
	if t := s.out.Convert; t != nil && t.Kind == "Table" {
		table, err := s.scaleTable(sc, *t)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = table
	} else if t != nil {
		if t.Kind != "PartialObjectMetadata" {
			s.fail(w, r, responsewriters.NewNotAcceptableMessage(fmt.Sprintf("no conversion of a Scale to %s is supported", t.Kind)))
			return
		}
		p, err := asPartial(sc, t.GroupVersion())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = p
	}
	s.writeRendered(w, code, out)
}

// getScale serves GET .../scale.
func (h *Handler) getScale(w http.ResponseWriter, r *http.Request, s *scope) {
	parent := s.ep.newStored()
	if err := s.ep.store.Get(r.Context(), s.key(s.name), storage.GetOptions{}, parent); err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.scaleOf(parent)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeScale(w, r, http.StatusOK, sc)
}

// updateScale serves PUT .../scale.
func (h *Handler) updateScale(w http.ResponseWriter, r *http.Request, s *scope) {
	opts, err := updateOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	obj, err := s.decodeBodyAs(r, fieldValidation(opts.FieldValidation), scaleGVK, &autoscalingv1.Scale{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	want := obj.(*autoscalingv1.Scale)
	if want.Name != s.name {
		s.fail(w, r, apierrors.NewBadRequest(fmt.Sprintf(
			"the name of the object (%s) does not match the name on the URL (%s)", want.Name, s.name)))
		return
	}
	sc, err := h.writeParentScale(r.Context(), s, isDryRun(opts.DryRun), func(*autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
		return want.DeepCopy(), nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeScale(w, r, http.StatusOK, sc)
}

// patchScale serves PATCH .../scale: the patch applies to the Scale.
func (h *Handler) patchScale(w http.ResponseWriter, r *http.Request, s *scope) {
	pt, opts, body, err := readPatch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if pt == types.ApplyYAMLPatchType {
		// An apply of a Scale is merged like a strategic merge patch.
		pt = types.StrategicMergePatchType
	}
	directive := fieldValidation(opts.FieldValidation)
	info, _ := responsewriters.SerializerFor(runtime.ContentTypeJSON)
	var warnings []string
	sc, err := h.writeParentScale(r.Context(), s, isDryRun(opts.DryRun), func(current *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
		original, err := runtime.Encode(info.Serializer, current)
		if err != nil {
			return nil, err
		}
		patched, err := patchJSON(pt, original, body, &autoscalingv1.Scale{})
		if err != nil {
			return nil, err
		}
		obj, w, err := decodeObject(patched, info, directive, scaleGVK, &autoscalingv1.Scale{})
		if err != nil {
			return nil, err
		}
		warnings = w
		return obj.(*autoscalingv1.Scale), nil
	})
	s.warn(warnings...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeScale(w, r, http.StatusOK, sc)
}

// writeParentScale writes spec.replicas of the wanted Scale through to the
// parent object, with the Scale's resourceVersion as the precondition, and
// returns the resulting Scale.
func (h *Handler) writeParentScale(ctx context.Context, s *scope, dryRun bool,
	wantScale func(current *autoscalingv1.Scale) (*autoscalingv1.Scale, error)) (*autoscalingv1.Scale, error) {
	out, _, err := h.updateStored(ctx, s, updateSpec{
		kind:          updateMain,
		dryRun:        dryRun,
		skipAdmission: true,
		newObject: func(ctx context.Context, current runtime.Object) (runtime.Object, error) {
			old, err := s.scaleOf(current)
			if err != nil {
				return nil, err
			}
			want, err := wantScale(old.DeepCopy())
			if err != nil {
				return nil, err
			}
			if want.ResourceVersion != "" && want.ResourceVersion != old.ResourceVersion {
				return nil, apierrors.NewConflict(s.ep.gr, s.name, errors.New(responsewriters.OptimisticLockErrorMsg))
			}
			if errs := validateScale(want); len(errs) > 0 {
				return nil, apierrors.NewInvalid(scaleGVK.GroupKind(), s.name, errs)
			}
			attrs := s.admissionAttrs(admission.Update, want, old, s.name, dryRun)
			attrs.Kind = scaleGVK
			admitted, err := h.admit(ctx, attrs)
			if err != nil {
				return nil, err
			}
			if sc, ok := admitted.(*autoscalingv1.Scale); ok {
				want = sc
			}
			parent := current.DeepCopyObject()
			s.ep.res.Scale.SetSpecReplicas(parent, want.Spec.Replicas)
			return parent, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return s.scaleOf(out)
}

func validateScale(sc *autoscalingv1.Scale) field.ErrorList {
	return apivalidation.ValidateNonnegativeField(int64(sc.Spec.Replicas), field.NewPath("spec", "replicas"))
}
