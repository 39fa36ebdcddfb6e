package storage

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/storage/storagetest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

func newTestStore(t testing.TB) *Store {
	t.Helper()
	s := NewStore(storagetest.StartEtcd(t))
	s.futureWait = 200 * time.Millisecond
	return s
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newPod(ns, name string, lbls map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls, UID: types.UID("uid-" + ns + "-" + name)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
}

func podKey(ns, name string) string { return "/registry/pods/" + ns + "/" + name }

func podAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
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

func labelPred(t testing.TB, sel string) SelectionPredicate {
	t.Helper()
	s, err := labels.Parse(sel)
	if err != nil {
		t.Fatal(err)
	}
	return SelectionPredicate{Label: s, Field: fields.Everything(), GetAttrs: podAttrs}
}

func mustCreate(t testing.TB, s Interface, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	out := &corev1.Pod{}
	if err := s.Create(context.Background(), podKey(pod.Namespace, pod.Name), pod, out); err != nil {
		t.Fatalf("create %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return out
}

func podNames(list *corev1.PodList) []string {
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names
}

// nextEvent returns the next event of w or fails after a timeout.
func nextEvent(t testing.TB, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed while waiting for an event")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("no watch event in 10s")
	}
	return watch.Event{}
}

// expectNoEvent fails if w delivers an event within d.
func expectNoEvent(t testing.TB, w watch.Interface, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if ok {
			t.Fatalf("unexpected event %s %#v", ev.Type, ev.Object)
		}
	case <-time.After(d):
	}
}

func rvOf(t testing.TB, obj runtime.Object) int64 {
	t.Helper()
	rv, err := ObjectResourceVersion(obj)
	if err != nil {
		t.Fatal(err)
	}
	return rv
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func startEtcdWithProgress(t testing.TB, d time.Duration) *clientv3.Client {
	return storagetest.StartEtcdWithOptions(t, storagetest.Options{ProgressNotifyInterval: d})
}

func withRev(rev int64) clientv3.OpOption { return clientv3.WithRev(rev) }
