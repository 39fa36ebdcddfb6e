package handlers

import (
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ephemeralOnly returns current with only spec.ephemeralContainers taken
// from the pods/ephemeralcontainers write (kubectl debug).
func ephemeralOnly(obj, current runtime.Object) (runtime.Object, error) {
	return takePart(obj, current, "ephemeralcontainers", func(out, want *corev1.Pod) {
		out.Spec.EphemeralContainers = want.Spec.EphemeralContainers
	})
}

// takePart returns a copy of current with copyPart applied from obj, the
// object a subresource write sent, and obj's resourceVersion (checked by
// the caller). Subresources that may change one part of an object use it.
func takePart[T any, PT interface {
	*T
	runtime.Object
	SetResourceVersion(string)
	GetResourceVersion() string
}](obj, current runtime.Object, subresource string, copyPart func(out, want PT)) (runtime.Object, error) {
	want, ok := obj.(PT)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s takes a %s, got %T", subresource, reflect.TypeFor[T]().Name(), obj))
	}
	cur, ok := current.(PT)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("stored object for %s is a %T", subresource, current))
	}
	out := cur.DeepCopyObject().(PT)
	copyPart(out, want)
	out.SetResourceVersion(want.GetResourceVersion())
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
