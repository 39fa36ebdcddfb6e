package handlers_test

import (
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestDeleteResponsesAndPreconditions(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	cm, err := ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A UID precondition that does not hold conflicts.
	wrong := types.UID("nope")
	err = ts.client.CoreV1().ConfigMaps("ns1").Delete(ctx, "c", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrong}})
	if !apierrors.IsConflict(err) {
		t.Fatalf("uid precondition: %v", err)
	}
	// Most kinds answer a Success Status naming the object.
	resp := ts.do("DELETE", "/api/v1/namespaces/ns1/configmaps/c", "application/json",
		[]byte(`{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"`+string(cm.UID)+`"}}`))
	st := resp.status(t)
	if resp.code != 200 || st.Kind != "Status" || st.Status != metav1.StatusSuccess || st.Details.Name != "c" ||
		st.Details.Kind != "configmaps" || st.Details.UID != cm.UID {
		t.Fatalf("delete response: %d %s", resp.code, resp.body)
	}
	if err := ts.client.CoreV1().ConfigMaps("ns1").Delete(ctx, "c", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
	// Pods answer with the object.
	if _, err := ts.client.CoreV1().Pods("ns1").Create(ctx, testPod("p"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	resp = ts.do("DELETE", "/api/v1/namespaces/ns1/pods/p", "", nil)
	var pod corev1.Pod
	if err := json.Unmarshal(resp.body, &pod); err != nil || resp.code != 200 || pod.Kind != "Pod" || pod.Name != "p" {
		t.Fatalf("pod delete response: %d %s", resp.code, resp.body)
	}
}

func TestFinalizers(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	cms := ts.client.CoreV1().ConfigMaps("ns1")
	_, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "f", Finalizers: []string{"example.com/hold"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "f", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	cm, err := cms.Get(ctx, "f", metav1.GetOptions{})
	if err != nil || cm.DeletionTimestamp == nil || cm.DeletionGracePeriodSeconds == nil || *cm.DeletionGracePeriodSeconds != 0 {
		t.Fatalf("object with finalizer after delete: %v %+v", err, cm)
	}
	// No new finalizers on a deleting object.
	withMore := cm.DeepCopy()
	withMore.Finalizers = append(withMore.Finalizers, "example.com/more")
	if _, err := cms.Update(ctx, withMore, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("adding a finalizer while deleting: %v", err)
	}
	// An update cannot clear the deletionTimestamp.
	cleared := cm.DeepCopy()
	cleared.DeletionTimestamp = nil
	cleared.Data = map[string]string{"x": "y"}
	out, err := cms.Update(ctx, cleared, metav1.UpdateOptions{})
	if err != nil || out.DeletionTimestamp == nil {
		t.Fatalf("update of deleting object: %v %+v", err, out)
	}
	// Removing the last finalizer deletes it.
	out.Finalizers = nil
	if _, err := cms.Update(ctx, out, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove finalizer: %v", err)
	}
	if _, err := cms.Get(ctx, "f", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("object should be gone: %v", err)
	}

	// Propagation policies add the garbage collector's finalizers.
	for _, tc := range []struct {
		policy metav1.DeletionPropagation
		want   string
	}{{metav1.DeletePropagationOrphan, "orphan"}, {metav1.DeletePropagationForeground, "foregroundDeletion"}} {
		name := "gc-" + string(tc.policy)
		name = map[string]string{"gc-Orphan": "gc-orphan", "gc-Foreground": "gc-foreground"}[name]
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		policy := tc.policy
		if err := cms.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		cm, err := cms.Get(ctx, name, metav1.GetOptions{})
		if err != nil || cm.DeletionTimestamp == nil || len(cm.Finalizers) != 1 || cm.Finalizers[0] != tc.want {
			t.Fatalf("%s: %v %+v", tc.policy, err, cm)
		}
	}
	// Background deletes at once.
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bg"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bg := metav1.DeletePropagationBackground
	if err := cms.Delete(ctx, "bg", metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "bg", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("background delete: %v", err)
	}
	bad := metav1.DeletionPropagation("Sideways")
	if err := cms.Delete(ctx, "gc-orphan", metav1.DeleteOptions{PropagationPolicy: &bad}); !apierrors.IsInvalid(err) {
		t.Fatalf("bad policy: %v", err)
	}
}

func TestGracefulPodDeletion(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	pods := ts.client.CoreV1().Pods("ns1")

	// Unscheduled pods go at once.
	if _, err := pods.Create(ctx, testPod("unbound"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Delete(ctx, "unbound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "unbound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("unbound pod: %v", err)
	}

	bound := testPod("bound")
	bound.Spec.NodeName = "node-a"
	if _, err := pods.Create(ctx, bound, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Truncate(time.Second)
	if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := pods.Get(ctx, "bound", metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("graceful delete: %v %+v", err, p)
	}
	if d := p.DeletionTimestamp.Sub(before); d < 29*time.Second || d > 32*time.Second {
		t.Fatalf("deletionTimestamp %v is not now+30s", p.DeletionTimestamp)
	}
	// A second delete without a shorter grace period changes nothing.
	if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A shorter one shortens it.
	ten := int64(10)
	if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: &ten}); err != nil {
		t.Fatal(err)
	}
	p2, err := pods.Get(ctx, "bound", metav1.GetOptions{})
	if err != nil || *p2.DeletionGracePeriodSeconds != 10 || p2.DeletionTimestamp.Sub(p.DeletionTimestamp.Time) != -20*time.Second {
		t.Fatalf("shortened: %v %+v", err, p2.ObjectMeta)
	}
	// Grace 0 removes it.
	zero := int64(0)
	if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "bound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("grace 0: %v", err)
	}

	// Terminal pods go at once; pods' spec grace period is used.
	done := testPod("done")
	done.Spec.NodeName = "node-a"
	if _, err := pods.Create(ctx, done, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cur, _ := pods.Get(ctx, "done", metav1.GetOptions{})
	cur.Status.Phase = corev1.PodSucceeded
	if _, err := pods.UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Delete(ctx, "done", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "done", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("terminal pod: %v", err)
	}
	custom := testPod("custom")
	custom.Spec.NodeName = "node-a"
	five := int64(5)
	custom.Spec.TerminationGracePeriodSeconds = &five
	if _, err := pods.Create(ctx, custom, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Delete(ctx, "custom", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if p, err := pods.Get(ctx, "custom", metav1.GetOptions{}); err != nil || *p.DeletionGracePeriodSeconds != 5 {
		t.Fatalf("spec grace period: %v %+v", err, p)
	}
}

func TestNamespaceLifecycle(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "doomed")
	nss := ts.client.CoreV1().Namespaces()
	ns, err := nss.Get(ctx, "doomed", metav1.GetOptions{})
	if err != nil || len(ns.Spec.Finalizers) != 1 || ns.Status.Phase != corev1.NamespaceActive {
		t.Fatalf("created namespace: %v %+v", err, ns)
	}
	if err := nss.Delete(ctx, "doomed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns, err = nss.Get(ctx, "doomed", metav1.GetOptions{})
	if err != nil || ns.DeletionTimestamp == nil || ns.Status.Phase != corev1.NamespaceTerminating || len(ns.Spec.Finalizers) != 1 {
		t.Fatalf("terminating namespace: %v %+v", err, ns)
	}
	err = nss.Delete(ctx, "doomed", metav1.DeleteOptions{})
	want := `Operation cannot be fulfilled on namespaces "doomed": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`
	if !apierrors.IsConflict(err) || err.Error() != want {
		t.Fatalf("second delete: %v", err)
	}
	// A plain update cannot drop spec.finalizers (the strategy keeps them).
	ns.Spec.Finalizers = nil
	if _, err := nss.Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := nss.Get(ctx, "doomed", metav1.GetOptions{}); got == nil || len(got.Spec.Finalizers) != 1 {
		t.Fatalf("update dropped spec.finalizers: %+v", got)
	}
	ns, _ = nss.Get(ctx, "doomed", metav1.GetOptions{})
	ns.Spec.Finalizers = nil
	if _, err := nss.Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("finalize: %v", err)
	}
	if _, err := nss.Get(ctx, "doomed", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("finalized namespace should be gone: %v", err)
	}

	// Finalize with a stale resourceVersion conflicts.
	mustCreateNamespace(t, ts, "stale")
	stale, _ := nss.Get(ctx, "stale", metav1.GetOptions{})
	stale.Labels = map[string]string{"x": "y"}
	if _, err := nss.Update(ctx, stale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stale.Spec.Finalizers = nil
	if _, err := nss.Finalize(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("stale finalize: %v", err)
	}
}
