package handlers

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ephemeralOnly returns current with only spec.ephemeralContainers taken
// from the pods/ephemeralcontainers write (kubectl debug).
func ephemeralOnly(obj, current runtime.Object) (runtime.Object, error) {
	want, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("ephemeralcontainers takes a Pod, got %T", obj))
	}
	cur, ok := current.(*corev1.Pod)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("stored pod is a %T", current))
	}
	out := cur.DeepCopy()
	out.Spec.EphemeralContainers = want.Spec.EphemeralContainers
	out.ResourceVersion = want.ResourceVersion
	return out, nil
}

// validateEphemeral checks an ephemeral containers write: containers may
// only be added, each with a unique name and an image.
func validateEphemeral(obj, old runtime.Object) field.ErrorList {
	errs := validateMetaUpdate(obj, old)
	pod, ok1 := obj.(*corev1.Pod)
	oldPod, ok2 := old.(*corev1.Pod)
	if !ok1 || !ok2 {
		return errs
	}
	path := field.NewPath("spec", "ephemeralContainers")
	names := map[string]bool{}
	for _, c := range pod.Spec.Containers {
		names[c.Name] = true
	}
	for _, c := range pod.Spec.InitContainers {
		names[c.Name] = true
	}
	byName := map[string]corev1.EphemeralContainer{}
	for i, c := range pod.Spec.EphemeralContainers {
		p := path.Index(i)
		switch {
		case c.Name == "":
			errs = append(errs, field.Required(p.Child("name"), ""))
		case names[c.Name]:
			errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
		}
		if c.Image == "" {
			errs = append(errs, field.Required(p.Child("image"), ""))
		}
		names[c.Name] = true
		byName[c.Name] = c
	}
	for _, c := range oldPod.Spec.EphemeralContainers {
		now, ok := byName[c.Name]
		if !ok {
			errs = append(errs, field.Forbidden(path, fmt.Sprintf("existing ephemeral containers %q may not be removed", c.Name)))
			continue
		}
		if !apiequality.Semantic.DeepEqual(now, c) {
			errs = append(errs, field.Forbidden(path, fmt.Sprintf("existing ephemeral containers %q may not be changed", c.Name)))
		}
	}
	return errs
}
