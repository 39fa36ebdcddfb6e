package handlers

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/storage"
)

var (
	bindingGVK       = corev1.SchemeGroupVersion.WithKind("Binding")
	podsBindingGR    = schema.GroupResource{Resource: "pods/binding"}
	podScheduledType = corev1.PodScheduled
)

// serveBindings serves POST /api/v1/namespaces/{ns}/bindings: the same as
// pods/{name}/binding for the pod the Binding names.
func (h *Handler) serveBindings(w http.ResponseWriter, r *http.Request, info *request.Info) {
	if info.Verb != "create" || info.Name != "" || info.Namespace == "" {
		if info.Namespace == "" || info.Name != "" {
			responsewriters.WriteError(w, r, notFound())
			return
		}
		responsewriters.WriteError(w, r, apierrors.NewMethodNotSupported(bindingsGR, info.Verb))
		return
	}
	s, err := h.newScope(r, h.pods, info)
	if err != nil {
		responsewriters.WriteError(w, r, err)
		return
	}
	h.bind(w, r, s, "")
}

// createBinding serves POST pods/{name}/binding.
func (h *Handler) createBinding(w http.ResponseWriter, r *http.Request, s *scope) {
	h.bind(w, r, s, s.name)
}

// bind assigns a pod to the node a Binding targets: spec.nodeName is set
// (once: 409 when the pod is already bound) and PodScheduled becomes True.
func (h *Handler) bind(w http.ResponseWriter, r *http.Request, s *scope, urlName string) {
	opts, err := createOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	obj, err := s.decodeBodyAs(r, fieldValidation(opts.FieldValidation), bindingGVK, &corev1.Binding{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	binding := obj.(*corev1.Binding)
	if urlName != "" && binding.Name != urlName {
		s.fail(w, r, apierrors.NewBadRequest("name in URL does not match name in Binding object"))
		return
	}
	if binding.Namespace == "" {
		binding.Namespace = s.namespace
	} else if binding.Namespace != s.namespace {
		s.fail(w, r, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request"))
		return
	}
	s.name = binding.Name
	if errs := validateBinding(binding); len(errs) > 0 {
		s.fail(w, r, apierrors.NewInvalid(bindingGVK.GroupKind(), binding.Name, errs))
		return
	}
	dryRun := isDryRun(opts.DryRun)
	attrs := s.admissionAttrs(admission.Create, binding, nil, binding.Name, dryRun)
	attrs.Kind = bindingGVK
	attrs.Subresource = "binding"
	if _, err := h.admit(r.Context(), attrs); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := h.assignPod(r.Context(), s, binding, dryRun); err != nil {
		s.fail(w, r, err)
		return
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}
	s.write(w, r, http.StatusCreated, st)
}

// validateBinding is upstream's pod binding validation: a Node target
// with a name.
func validateBinding(b *corev1.Binding) field.ErrorList {
	var errs field.ErrorList
	if len(b.Target.Kind) != 0 && b.Target.Kind != "Node" {
		errs = append(errs, field.NotSupported(field.NewPath("target", "kind"), b.Target.Kind, []string{"Node", "<empty>"}))
	}
	if len(b.Target.Name) == 0 {
		errs = append(errs, field.Required(field.NewPath("target", "name"), ""))
	}
	if len(b.Name) == 0 {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), "name or generateName is required"))
	} else {
		for _, msg := range apivalidation.NameIsDNSSubdomain(b.Name, false) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), b.Name, msg))
		}
	}
	return errs
}

// assignPod writes the binding into the pod.
func (h *Handler) assignPod(ctx context.Context, s *scope, b *corev1.Binding, dryRun bool) error {
	key := s.key(b.Name)
	apply := func(obj runtime.Object) (runtime.Object, error) {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return nil, fmt.Errorf("expected a Pod, got %T", obj)
		}
		if pod.DeletionTimestamp != nil {
			return nil, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name)
		}
		if b.UID != "" && b.UID != pod.UID {
			return nil, apierrors.NewConflict(podsGR, pod.Name, fmt.Errorf(
				"the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated",
				b.UID, pod.UID))
		}
		if b.ResourceVersion != "" && b.ResourceVersion != pod.ResourceVersion {
			return nil, apierrors.NewConflict(podsGR, pod.Name, fmt.Errorf(
				"the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified",
				b.ResourceVersion, pod.ResourceVersion))
		}
		if pod.Spec.NodeName != "" {
			return nil, fmt.Errorf("pod %v is already assigned to node %q", pod.Name, pod.Spec.NodeName)
		}
		if len(pod.Spec.SchedulingGates) != 0 {
			return nil, fmt.Errorf("pod %v has non-empty .spec.schedulingGates", pod.Name)
		}
		pod.Spec.NodeName = b.Target.Name
		if len(b.Annotations) > 0 && pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		for k, v := range b.Annotations {
			pod.Annotations[k] = v
		}
		setPodCondition(&pod.Status, corev1.PodCondition{Type: podScheduledType, Status: corev1.ConditionTrue})
		return pod, nil
	}
	var err error
	if dryRun {
		pod := &corev1.Pod{}
		if err = s.ep.store.Get(ctx, key, storage.GetOptions{}, pod); err == nil {
			_, err = apply(pod.DeepCopy())
		}
	} else {
		err = s.ep.store.GuaranteedUpdate(ctx, key, &corev1.Pod{}, false, nil, apply)
	}
	if err == nil {
		return nil
	}
	err = responsewriters.InterpretStorageError(err, podsGR, b.Name)
	if _, ok := err.(apierrors.APIStatus); !ok {
		err = apierrors.NewConflict(podsBindingGR, b.Name, err)
	}
	return err
}

// setPodCondition sets a pod condition, stamping the transition time when
// its status changes.
func setPodCondition(status *corev1.PodStatus, c corev1.PodCondition) {
	t := now()
	for i := range status.Conditions {
		existing := &status.Conditions[i]
		if existing.Type != c.Type {
			continue
		}
		if existing.Status != c.Status {
			existing.LastTransitionTime = t
		}
		existing.Status = c.Status
		existing.Reason = c.Reason
		existing.Message = c.Message
		return
	}
	c.LastTransitionTime = t
	status.Conditions = append(status.Conditions, c)
}
