package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/storage"
)

const (
	// evictionRetries bounds the read-check-write rounds of an eviction.
	evictionRetries = 5
	// maxDisruptedPods is upstream's cap on a PDB's unconfirmed evictions.
	maxDisruptedPods  = 2000
	violatesBudgetMsg = "Cannot evict pod as it would violate the pod's disruption budget."
)

var evictionGVK = policyv1.SchemeGroupVersion.WithKind("Eviction")

// createEviction serves POST pods/{name}/eviction: the pod is deleted
// (honouring the eviction's DeleteOptions) unless that would take a
// PodDisruptionBudget matching it below its allowed disruptions (429).
func (h *Handler) createEviction(w http.ResponseWriter, r *http.Request, s *scope) {
	opts, err := createOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, info, err := readInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	eviction, warnings, err := decodeEviction(body, info, fieldValidation(opts.FieldValidation))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.warn(warnings...)
	if eviction.Name != s.name {
		s.fail(w, r, apierrors.NewBadRequest("name in URL does not match name in Eviction object"))
		return
	}
	deleteOpts := eviction.DeleteOptions
	if deleteOpts == nil {
		deleteOpts = &metav1.DeleteOptions{}
	}
	if isDryRun(opts.DryRun) {
		deleteOpts.DryRun = opts.DryRun
	}
	if errs := metav1validation.ValidateDeleteOptions(deleteOpts); len(errs) > 0 {
		s.fail(w, r, invalidOptions("DeleteOptions", errs))
		return
	}
	attrs := s.admissionAttrs(admission.Create, eviction, nil, s.name, isDryRun(deleteOpts.DryRun))
	attrs.Kind = evictionGVK
	if _, err := h.admit(r.Context(), attrs); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := h.evict(r.Context(), s, deleteOpts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st.Code == 0 {
		st.Code = http.StatusCreated
	}
	s.write(w, r, int(st.Code), st)
}

// decodeEviction decodes a policy/v1 Eviction, or the older
// policy/v1beta1 one (same fields).
func decodeEviction(body []byte, info runtime.SerializerInfo, directive string) (*policyv1.Eviction, []string, error) {
	want := evictionGVK
	if _, gvk, err := info.Serializer.Decode(body, &want, nil); err == nil && gvk != nil && gvk.GroupVersion() == policyv1beta1.SchemeGroupVersion {
		obj, warnings, err := decodeObject(body, info, directive, policyv1beta1.SchemeGroupVersion.WithKind("Eviction"), &policyv1beta1.Eviction{})
		if err != nil {
			return nil, nil, err
		}
		old := obj.(*policyv1beta1.Eviction)
		return &policyv1.Eviction{ObjectMeta: old.ObjectMeta, DeleteOptions: old.DeleteOptions}, warnings, nil
	}
	obj, warnings, err := decodeObject(body, info, directive, want, &policyv1.Eviction{})
	if err != nil {
		return nil, nil, err
	}
	return obj.(*policyv1.Eviction), warnings, nil
}

// evict runs the eviction: direct deletion of pods that cannot be
// disrupting anything, else the budget check and a graceful delete.
func (h *Handler) evict(ctx context.Context, s *scope, opts *metav1.DeleteOptions) (*metav1.Status, error) {
	var pod *corev1.Pod
	for attempt := 0; ; attempt++ {
		pod = &corev1.Pod{}
		if err := s.ep.store.Get(ctx, s.key(s.name), storage.GetOptions{}, pod); err != nil {
			return nil, responsewriters.InterpretStorageError(err, podsGR, s.name)
		}
		if !canIgnorePDB(pod) {
			break
		}
		// Terminal, pending or already deleted pods disrupt nothing.
		o := opts
		if opts.Preconditions == nil || opts.Preconditions.ResourceVersion == nil {
			o = withResourceVersion(opts, pod.ResourceVersion)
		}
		err := h.deleteEvicted(ctx, s, o)
		if apierrors.IsConflict(err) && o != opts && attempt < evictionRetries {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &metav1.Status{Status: metav1.StatusSuccess}, nil
	}
	pdbs, err := h.matchingBudgets(ctx, pod)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pdbs) > 1:
		return &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusInternalServerError,
			Message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
		}, nil
	case len(pdbs) == 1:
		pdb := pdbs[0]
		unhealthyAllowed := false
		if !podReady(pod) {
			policy := pdb.Spec.UnhealthyPodEvictionPolicy
			if (policy != nil && *policy == policyv1.AlwaysAllow) ||
				(pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0) {
				unhealthyAllowed = true
			}
		}
		if !unhealthyAllowed {
			if err := h.takeDisruption(ctx, s, pdb, pod.Name, isDryRun(opts.DryRun)); err != nil {
				return nil, err
			}
		} else if opts.Preconditions == nil || opts.Preconditions.ResourceVersion == nil {
			o := withResourceVersion(opts, pod.ResourceVersion)
			if err := h.deleteEvicted(ctx, s, o); err != nil {
				if apierrors.IsConflict(err) {
					return nil, tooManyRequests(pdb.Name)
				}
				return nil, err
			}
			return &metav1.Status{Status: metav1.StatusSuccess}, nil
		}
	}
	if err := h.deleteEvicted(ctx, s, opts); err != nil {
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess}, nil
}

// canIgnorePDB: pods that are done, not yet running or already being
// deleted are evicted without consulting budgets.
func canIgnorePDB(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return true
	}
	return pod.DeletionTimestamp != nil
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func withResourceVersion(opts *metav1.DeleteOptions, rv string) *metav1.DeleteOptions {
	o := opts.DeepCopy()
	if o.Preconditions == nil {
		o.Preconditions = &metav1.Preconditions{}
	}
	o.Preconditions.ResourceVersion = &rv
	return o
}

// deleteEvicted marks the pod DisruptionTarget (as upstream does before an
// eviction deletes it) and deletes it.
func (h *Handler) deleteEvicted(ctx context.Context, s *scope, opts *metav1.DeleteOptions) error {
	if !isDryRun(opts.DryRun) {
		out := &corev1.Pod{}
		var pre *storage.Preconditions
		if opts.Preconditions != nil {
			pre = &storage.Preconditions{UID: opts.Preconditions.UID, ResourceVersion: opts.Preconditions.ResourceVersion}
		}
		err := s.ep.store.GuaranteedUpdate(ctx, s.key(s.name), out, false, pre, func(obj runtime.Object) (runtime.Object, error) {
			pod, ok := obj.(*corev1.Pod)
			if !ok {
				return nil, fmt.Errorf("expected a Pod, got %T", obj)
			}
			setPodCondition(&pod.Status, corev1.PodCondition{
				Type:    corev1.DisruptionTarget,
				Status:  corev1.ConditionTrue,
				Reason:  "EvictionByEvictionAPI",
				Message: "Eviction API: evicting",
			})
			return pod, nil
		})
		if err != nil {
			return responsewriters.InterpretStorageError(err, podsGR, s.name)
		}
		if opts.Preconditions != nil && opts.Preconditions.ResourceVersion != nil {
			opts = withResourceVersion(opts, out.ResourceVersion)
		}
	}
	_, _, err := h.deleteStored(ctx, s, s.name, opts)
	return err
}

// matchingBudgets lists the PodDisruptionBudgets in the pod's namespace
// whose selector matches it.
func (h *Handler) matchingBudgets(ctx context.Context, pod *corev1.Pod) ([]*policyv1.PodDisruptionBudget, error) {
	if h.pdbs == nil {
		return nil, nil
	}
	list := h.pdbs.res.NewList()
	err := h.pdbs.store.GetList(ctx, h.pdbs.prefix(pod.Namespace), storage.ListOptions{Recursive: true}, list)
	if err != nil {
		return nil, responsewriters.InterpretStorageError(err, pdbGR, "")
	}
	pdbList, ok := list.(*policyv1.PodDisruptionBudgetList)
	if !ok {
		return nil, nil
	}
	var out []*policyv1.PodDisruptionBudget
	for i := range pdbList.Items {
		pdb := &pdbList.Items[i]
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		out = append(out, pdb.DeepCopy())
	}
	return out, nil
}

// takeDisruption checks that a budget allows one more disruption and
// records it: disruptionsAllowed drops by one and the pod is listed in
// status.disruptedPods until the disruption controller sees it gone.
func (h *Handler) takeDisruption(ctx context.Context, s *scope, pdb *policyv1.PodDisruptionBudget, podName string, dryRun bool) error {
	check := func(p *policyv1.PodDisruptionBudget) error {
		switch {
		case p.Status.ObservedGeneration < p.Generation:
			return tooManyRequests(p.Name)
		case p.Status.DisruptionsAllowed < 0:
			return apierrors.NewForbidden(schema.GroupResource{Group: "policy", Resource: "poddisruptionbudget"}, p.Name,
				errors.New("pdb disruptions allowed is negative"))
		case len(p.Status.DisruptedPods) > maxDisruptedPods:
			return apierrors.NewForbidden(schema.GroupResource{Group: "policy", Resource: "poddisruptionbudget"}, p.Name,
				errors.New("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
		case p.Status.DisruptionsAllowed == 0:
			err := apierrors.NewTooManyRequests(violatesBudgetMsg, 0)
			err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
				Type: policyv1.DisruptionBudgetCause,
				Message: fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently",
					p.Name, p.Status.DesiredHealthy, p.Status.CurrentHealthy),
			})
			return err
		}
		return nil
	}
	if dryRun {
		return check(pdb)
	}
	key := h.pdbs.key(pdb.Namespace, pdb.Name)
	err := h.pdbs.store.GuaranteedUpdate(ctx, key, &policyv1.PodDisruptionBudget{}, false, nil, func(obj runtime.Object) (runtime.Object, error) {
		p, ok := obj.(*policyv1.PodDisruptionBudget)
		if !ok {
			return nil, fmt.Errorf("expected a PodDisruptionBudget, got %T", obj)
		}
		if err := check(p); err != nil {
			return nil, err
		}
		p.Status.DisruptionsAllowed--
		if p.Status.DisruptionsAllowed == 0 {
			setDisruptionAllowedCondition(p)
		}
		if p.Status.DisruptedPods == nil {
			p.Status.DisruptedPods = map[string]metav1.Time{}
		}
		p.Status.DisruptedPods[podName] = metav1.NewTime(time.Now())
		return p, nil
	})
	if err != nil {
		return responsewriters.InterpretStorageError(err, pdbGR, pdb.Name)
	}
	return nil
}

// setDisruptionAllowedCondition records that the budget allows no more
// disruptions.
func setDisruptionAllowedCondition(p *policyv1.PodDisruptionBudget) {
	c := metav1.Condition{
		Type:               policyv1.DisruptionAllowedCondition,
		Status:             metav1.ConditionFalse,
		Reason:             policyv1.InsufficientPodsReason,
		ObservedGeneration: p.Status.ObservedGeneration,
		LastTransitionTime: now(),
	}
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == c.Type {
			if p.Status.Conditions[i].Status == c.Status {
				c.LastTransitionTime = p.Status.Conditions[i].LastTransitionTime
			}
			p.Status.Conditions[i] = c
			return
		}
	}
	p.Status.Conditions = append(p.Status.Conditions, c)
}

// tooManyRequests is the 429 for a budget that is still being processed.
func tooManyRequests(pdbName string) error {
	err := apierrors.NewTooManyRequests(violatesBudgetMsg, 10)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
		Type:    policyv1.DisruptionBudgetCause,
		Message: fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdbName),
	})
	return err
}
