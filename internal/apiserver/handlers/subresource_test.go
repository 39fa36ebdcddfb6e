package handlers_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testDeployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
			},
		},
	}
}

func TestStatusSubresource(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	deps := ts.client.AppsV1().Deployments("ns1")
	d := testDeployment("web")
	d.Status.Replicas = 9 // reset on create
	d, err := deps.Create(ctx, d, metav1.CreateOptions{})
	if err != nil || d.Status.Replicas != 0 || d.Generation != 1 || *d.Spec.Replicas != 1 {
		t.Fatalf("create: %v %+v", err, d)
	}
	// Status writes change only status.
	s := d.DeepCopy()
	s.Status.Replicas = 3
	s.Spec.Paused = true
	s.Labels = map[string]string{"x": "y"}
	s.Finalizers = []string{"example.com/f"}
	s, err = deps.UpdateStatus(ctx, s, metav1.UpdateOptions{})
	if err != nil || s.Status.Replicas != 3 || s.Spec.Paused || len(s.Finalizers) != 0 || s.Generation != 1 {
		t.Fatalf("status update: %v %+v", err, s)
	}
	// Main writes keep status and bump generation on spec changes.
	m := s.DeepCopy()
	m.Status.Replicas = 0
	m.Spec.Paused = true
	m, err = deps.Update(ctx, m, metav1.UpdateOptions{})
	if err != nil || m.Status.Replicas != 3 || !m.Spec.Paused || m.Generation != 2 {
		t.Fatalf("main update: %v %+v", err, m)
	}
	p, err := deps.Patch(ctx, "web", types.MergePatchType, []byte(`{"status":{"availableReplicas":2}}`), metav1.PatchOptions{}, "status")
	if err != nil || p.Status.AvailableReplicas != 2 || p.Status.Replicas != 3 {
		t.Fatalf("status patch: %v %+v", err, p)
	}
	resp := ts.do("GET", "/apis/apps/v1/namespaces/ns1/deployments/web/status", "", nil)
	if resp.code != 200 || !strings.Contains(string(resp.body), `"kind":"Deployment"`) {
		t.Fatalf("get status: %d %s", resp.code, resp.body)
	}
	resp = ts.do("DELETE", "/apis/apps/v1/namespaces/ns1/deployments/web/status", "", nil)
	if resp.code != 405 || resp.status(t).Reason != metav1.StatusReasonMethodNotAllowed {
		t.Fatalf("delete status: %d %s", resp.code, resp.body)
	}
	resp = ts.do("GET", "/api/v1/namespaces/ns1/configmaps/web/status", "", nil)
	if resp.code != 404 {
		t.Fatalf("status of a kind without one: %d %s", resp.code, resp.body)
	}
	resp = ts.do("GET", "/apis/apps/v1/namespaces/ns1/deployments/web/bogus", "", nil)
	if resp.code != 404 {
		t.Fatalf("unknown subresource: %d %s", resp.code, resp.body)
	}
}

func TestScaleSubresource(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	deps := ts.client.AppsV1().Deployments("ns1")
	d, err := deps.Create(ctx, testDeployment("web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := deps.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil || sc.Spec.Replicas != 1 || sc.Name != "web" || sc.Namespace != "ns1" || sc.UID != d.UID ||
		sc.ResourceVersion != d.ResourceVersion || sc.Status.Selector != "app=web" {
		t.Fatalf("get scale: %v %+v", err, sc)
	}
	sc.Spec.Replicas = 4
	sc, err = deps.UpdateScale(ctx, "web", sc, metav1.UpdateOptions{})
	if err != nil || sc.Spec.Replicas != 4 {
		t.Fatalf("update scale: %v %+v", err, sc)
	}
	got, _ := deps.Get(ctx, "web", metav1.GetOptions{})
	if *got.Spec.Replicas != 4 || got.Generation != 2 || got.ResourceVersion != sc.ResourceVersion {
		t.Fatalf("parent after scale: %+v", got)
	}
	// The Scale's resourceVersion is a precondition.
	stale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns1", ResourceVersion: d.ResourceVersion}, Spec: autoscalingv1.ScaleSpec{Replicas: 7}}
	_, err = deps.UpdateScale(ctx, "web", stale, metav1.UpdateOptions{})
	want := `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`
	if !apierrors.IsConflict(err) || err.Error() != want {
		t.Fatalf("stale scale: %v", err)
	}
	// kubectl scale patches the scale subresource.
	resp := ts.do("PATCH", "/apis/apps/v1/namespaces/ns1/deployments/web/scale", "application/merge-patch+json", []byte(`{"spec":{"replicas":6}}`))
	if resp.code != 200 || !strings.Contains(string(resp.body), `"spec":{"replicas":6}`) {
		t.Fatalf("patch scale: %d %s", resp.code, resp.body)
	}
	if got, _ := deps.Get(ctx, "web", metav1.GetOptions{}); *got.Spec.Replicas != 6 {
		t.Fatalf("patched scale: %+v", got.Spec)
	}
	resp = ts.do("PATCH", "/apis/apps/v1/namespaces/ns1/deployments/web/scale", "application/merge-patch+json", []byte(`{"spec":{"replicas":-1}}`))
	if resp.code != 422 || !strings.Contains(resp.status(t).Message, "spec.replicas: Invalid value: -1: must be greater than or equal to 0") {
		t.Fatalf("negative scale: %d %s", resp.code, resp.body)
	}
	resp = ts.do("GET", "/apis/apps/v1/namespaces/ns1/deployments/web/scale", "", nil)
	if resp.code != 200 || !strings.Contains(string(resp.body), `"kind":"Scale","apiVersion":"autoscaling/v1"`) {
		t.Fatalf("raw scale: %d %s", resp.code, resp.body)
	}
	resp = ts.do("GET", "/apis/apps/v1/namespaces/ns1/deployments/missing/scale", "", nil)
	if resp.code != 404 || resp.status(t).Message != `deployments.apps "missing" not found` {
		t.Fatalf("scale of missing: %d %s", resp.code, resp.body)
	}
}

func TestBinding(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	pods := ts.client.CoreV1().Pods("ns1")
	for _, n := range []string{"a", "b"} {
		if _, err := pods.Create(ctx, testPod(n), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	err := pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("bind: %v", err)
	}
	p, _ := pods.Get(ctx, "a", metav1.GetOptions{})
	if p.Spec.NodeName != "node-1" || len(p.Status.Conditions) != 1 || p.Status.Conditions[0].Type != corev1.PodScheduled ||
		p.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("bound pod: %+v", p)
	}
	err = pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Target: corev1.ObjectReference{Name: "node-2"}}, metav1.CreateOptions{})
	if !apierrors.IsConflict(err) || err.Error() != `Operation cannot be fulfilled on pods/binding "a": pod a is already assigned to node "node-1"` {
		t.Fatalf("rebind: %v", err)
	}
	// The legacy bindings collection.
	body := []byte(`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"b"},"target":{"kind":"Node","name":"node-2"}}`)
	resp := ts.do("POST", "/api/v1/namespaces/ns1/bindings", "application/json", body)
	if st := resp.status(t); resp.code != 201 || st.Status != metav1.StatusSuccess {
		t.Fatalf("bindings: %d %s", resp.code, resp.body)
	}
	if p, _ := pods.Get(ctx, "b", metav1.GetOptions{}); p.Spec.NodeName != "node-2" {
		t.Fatalf("bindings target: %+v", p.Spec)
	}
	resp = ts.do("POST", "/api/v1/namespaces/ns1/pods/a/binding", "application/json",
		[]byte(`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"b"},"target":{"name":"n"}}`))
	if resp.code != 400 {
		t.Fatalf("binding name mismatch: %d %s", resp.code, resp.body)
	}
	if err := pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "missing"}, Target: corev1.ObjectReference{Name: "n"}}, metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("bind missing pod: %v", err)
	}
}

func TestEviction(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	pods := ts.client.CoreV1().Pods("ns1")
	running := func(name string) {
		t.Helper()
		pod := testPod(name)
		pod.Spec.NodeName = "node-a"
		if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		cur, _ := pods.Get(ctx, name, metav1.GetOptions{})
		cur.Status.Phase = corev1.PodRunning
		cur.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		if _, err := pods.UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	running("a")
	running("b")
	one := intstr.FromInt32(1)
	pdbs := ts.client.PolicyV1().PodDisruptionBudgets("ns1")
	pdb, err := pdbs.Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "budget"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: 0, CurrentHealthy: 2, DesiredHealthy: 2, ExpectedPods: 2}
	if pdb, err = pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "a"}})
	st, ok := err.(apierrors.APIStatus)
	if !apierrors.IsTooManyRequests(err) || err.Error() != "Cannot evict pod as it would violate the pod's disruption budget." || !ok ||
		len(st.Status().Details.Causes) != 1 || st.Status().Details.Causes[0].Type != policyv1.DisruptionBudgetCause {
		t.Fatalf("eviction against an exhausted budget: %v", err)
	}
	pdb.Status.DisruptionsAllowed = 1
	if _, err = pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "a"}}); err != nil {
		t.Fatalf("eviction: %v", err)
	}
	p, err := pods.Get(ctx, "a", metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp == nil || *p.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("evicted pod is deleted gracefully: %v %+v", err, p)
	}
	hasTarget := false
	for _, c := range p.Status.Conditions {
		hasTarget = hasTarget || (c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue)
	}
	if !hasTarget {
		t.Fatalf("no DisruptionTarget condition: %+v", p.Status.Conditions)
	}
	after, _ := pdbs.Get(ctx, "budget", metav1.GetOptions{})
	if after.Status.DisruptionsAllowed != 0 || len(after.Status.DisruptedPods) != 1 {
		t.Fatalf("budget after eviction: %+v", after.Status)
	}
	// Evicting a pod that is already being deleted needs no budget.
	if err := pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "a"}}); err != nil {
		t.Fatalf("eviction of deleting pod: %v", err)
	}
	// Pending pods are deleted right away.
	if _, err := pods.Create(ctx, testPod("pending"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "pending"}}); err != nil {
		t.Fatalf("evict pending: %v", err)
	}
	if _, err := pods.Get(ctx, "pending", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("pending pod after eviction: %v", err)
	}
	if err := pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "missing"}}); !apierrors.IsNotFound(err) {
		t.Fatalf("evict missing: %v", err)
	}
}

func TestEphemeralContainers(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	pods := ts.client.CoreV1().Pods("ns1")
	if _, err := pods.Create(ctx, testPod("p"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// kubectl debug patches the ephemeralcontainers subresource.
	patch := []byte(`{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox","stdin":true}],"containers":[{"name":"c","image":"changed"}]}}`)
	p, err := pods.Patch(ctx, "p", types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "ephemeralcontainers")
	if err != nil {
		t.Fatalf("add ephemeral container: %v", err)
	}
	if len(p.Spec.EphemeralContainers) != 1 || p.Spec.Containers[0].Image != "nginx" {
		t.Fatalf("ephemeral containers: %+v", p.Spec)
	}
	p.Spec.EphemeralContainers = nil
	if _, err := pods.UpdateEphemeralContainers(ctx, "p", p, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("removing an ephemeral container: %v", err)
	}
}
