package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// PodsPrefix is where the pod fixtures are stored.
const PodsPrefix = "/registry/pods"

// Context is a context for one test, cancelled when it ends, with a
// deadline so a hung store call fails the test instead of the run.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// NewPod is a minimal valid pod with a UID derived from its name.
func NewPod(ns, name string, lbls map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls, UID: types.UID("uid-" + ns + "-" + name)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
}

// PodKey is the etcd key of a pod.
func PodKey(ns, name string) string { return PodsPrefix + "/" + ns + "/" + name }

// PodAttrs are the label and field sets selectors match pods on.
func PodAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil, errors.New("not a pod")
	}
	return labels.Set(pod.Labels), fields.Set{
		"metadata.name":      pod.Name,
		"metadata.namespace": pod.Namespace,
		"spec.nodeName":      pod.Spec.NodeName,
	}, nil
}

// Creator is the part of a store CreatePod needs (this package cannot
// import storage: storage's own tests import it).
type Creator interface {
	Create(ctx context.Context, key string, obj, out runtime.Object) error
}

// CreatePod stores pod under its key and returns the stored copy.
func CreatePod(t testing.TB, s Creator, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	out := &corev1.Pod{}
	if err := s.Create(context.Background(), PodKey(pod.Namespace, pod.Name), pod, out); err != nil {
		t.Fatalf("create %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return out
}
