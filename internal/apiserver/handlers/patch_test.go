package handlers_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestPatchTypes(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	pods := ts.client.CoreV1().Pods("ns1")
	pod := testPod("p")
	pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "side", Image: "busybox"})
	created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// Strategic merge: containers merge by name.
	p, err := pods.Patch(ctx, "p", types.StrategicMergePatchType,
		[]byte(`{"metadata":{"labels":{"tier":"front"}},"spec":{"containers":[{"name":"side","image":"busybox:2"}]}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("strategic: %v", err)
	}
	if len(p.Spec.Containers) != 2 || p.Spec.Containers[1].Image != "busybox:2" || p.Labels["tier"] != "front" || p.Labels["app"] != "web" {
		t.Fatalf("strategic result: %+v", p)
	}
	if p.UID != created.UID || p.ResourceVersion == created.ResourceVersion {
		t.Fatalf("strategic metadata: %+v", p.ObjectMeta)
	}

	// JSON merge: lists are replaced.
	p, err = pods.Patch(ctx, "p", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":null}},"spec":{"containers":[{"name":"only","image":"x"}]}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	if len(p.Spec.Containers) != 1 || p.Spec.Containers[0].Name != "only" || p.Labels["tier"] != "" {
		t.Fatalf("merge result: %+v", p)
	}

	// JSON patch, including a failing test op (422).
	p, err = pods.Patch(ctx, "p", types.JSONPatchType, []byte(`[{"op":"add","path":"/metadata/annotations","value":{"a":"b"}}]`), metav1.PatchOptions{})
	if err != nil || p.Annotations["a"] != "b" {
		t.Fatalf("json patch: %v %+v", err, p)
	}
	_, err = pods.Patch(ctx, "p", types.JSONPatchType, []byte(`[{"op":"test","path":"/metadata/name","value":"other"}]`), metav1.PatchOptions{})
	if apierrors.ReasonForError(err) != metav1.StatusReasonInvalid && !strings.Contains(err.Error(), "test") {
		t.Fatalf("failing json patch test op: %v", err)
	}
	if st, ok := err.(apierrors.APIStatus); !ok || st.Status().Code != 422 {
		t.Fatalf("failing json patch code: %v", err)
	}
	_, err = pods.Patch(ctx, "p", types.JSONPatchType, []byte(`{"not":"a list"}`), metav1.PatchOptions{})
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("malformed json patch: %v", err)
	}

	// Optimistic concurrency through a patched resourceVersion.
	_, err = pods.Patch(ctx, "p", types.MergePatchType, []byte(`{"metadata":{"resourceVersion":"1"}}`), metav1.PatchOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("stale resourceVersion in patch: %v", err)
	}
	// Patching a missing object.
	_, err = pods.Patch(ctx, "missing", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("patch of missing: %v", err)
	}
	// Unsupported patch type.
	resp := ts.do("PATCH", "/api/v1/namespaces/ns1/pods/p", "application/json", []byte(`{}`))
	if resp.code != 415 {
		t.Fatalf("unsupported patch type: %d %s", resp.code, resp.body)
	}
	// Patches cannot rename.
	_, err = pods.Patch(ctx, "p", types.MergePatchType, []byte(`{"metadata":{"name":"q"}}`), metav1.PatchOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("rename by patch: %v", err)
	}
}

func TestApplyPatch(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	deps := ts.client.AppsV1().Deployments("ns1")
	applied := []byte(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: nginx:1
`)
	force := true
	d, err := deps.Patch(ctx, "web", types.ApplyPatchType, applied, metav1.PatchOptions{FieldManager: "test", Force: &force})
	if err != nil || *d.Spec.Replicas != 2 || d.Generation != 1 {
		t.Fatalf("apply create: %v %+v", err, d)
	}
	applied = []byte(strings.Replace(string(applied), "nginx:1", "nginx:2", 1))
	d, err = deps.Patch(ctx, "web", types.ApplyPatchType, applied, metav1.PatchOptions{FieldManager: "test"})
	if err != nil || d.Spec.Template.Spec.Containers[0].Image != "nginx:2" || d.Generation != 2 {
		t.Fatalf("apply update: %v %+v", err, d)
	}
	_, err = deps.Patch(ctx, "web", types.ApplyPatchType, applied, metav1.PatchOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("apply without fieldManager: %v", err)
	}
	var _ = appsv1.Deployment{}
}
