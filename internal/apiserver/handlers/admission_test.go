package handlers_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/admission"
)

func TestAdmission(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	drain := func() []admission.Attributes {
		var out []admission.Attributes
		for {
			select {
			case a := <-ts.admitted:
				out = append(out, a)
			default:
				return out
			}
		}
	}
	drain()
	if _, err := ts.client.CoreV1().Pods("ns1").Create(ctx, testPod("p"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := drain()
	if len(got) != 1 {
		t.Fatalf("admission calls: %+v", got)
	}
	a := got[0]
	if _, ok := a.Object.(*corev1.Pod); !ok || a.Operation != admission.Create || a.Namespace != "ns1" || a.Name != "p" ||
		a.Kind != (schema.GroupVersionKind{Version: "v1", Kind: "Pod"}) || a.Resource.Resource != "pods" || a.User == nil || a.User.Name != "tester" {
		t.Fatalf("create attributes: %+v", a)
	}
	if err := ts.client.CoreV1().Pods("ns1").Delete(ctx, "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got = drain()
	if len(got) != 1 || got[0].Operation != admission.Delete || got[0].OldObject == nil {
		t.Fatalf("delete attributes: %+v", got)
	}

	_, err := ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "denied"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("plain admission error: %v", err)
	}
	_, err = ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "denied-status"}}, metav1.CreateOptions{})
	if !apierrors.IsBadRequest(err) || err.Error() != "rejected by test admission" {
		t.Fatalf("status admission error: %v", err)
	}
}
