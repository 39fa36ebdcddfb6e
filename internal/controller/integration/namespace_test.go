package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/controller/manager"
	"github.com/nauta/nauta/internal/server/servertest"
)

func createNamespace(t *testing.T, client kubernetes.Interface, name string) *v1.Namespace {
	t.Helper()
	ns, err := client.CoreV1().Namespaces().Create(context.Background(), &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return ns
}

// fillNamespace creates n configmaps, secrets and pods in ns.
func fillNamespace(t *testing.T, client kubernetes.Interface, ns string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		name := fmt.Sprintf("item-%d", i)
		if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, &v1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"k": "v"},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create configmap: %v", err)
		}
		if _, err := client.CoreV1().Secrets(ns).Create(ctx, &v1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name}, StringData: map[string]string{"k": "v"},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create secret: %v", err)
		}
		// Not scheduled to a node, so the API server deletes it at once
		// rather than waiting for a kubelet.
		if _, err := client.CoreV1().Pods(ns).Create(ctx, &v1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod: %v", err)
		}
	}
}

func namespaceGone(client kubernetes.Interface, name string) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	}
}

func TestNamespaceDeletionRemovesContent(t *testing.T) {
	cfg := servertest.Start(t, nil)
	client := newClient(t, cfg)
	startManager(t, manager.Config{RESTConfig: cfg, Identity: "solo"})
	ctx := context.Background()

	const name = "doomed"
	createNamespace(t, client, name)
	fillNamespace(t, client, name, 3)

	if err := client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete namespace: %v", err)
	}
	eventually(t, "namespace removed", namespaceGone(client, name))

	// Re-creating the namespace must show none of the old content.
	createNamespace(t, client, name)
	cms, err := client.CoreV1().ConfigMaps(name).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		if strings.HasPrefix(cm.Name, "item-") {
			t.Errorf("configmap %s survived the namespace", cm.Name)
		}
	}
	secrets, err := client.CoreV1().Secrets(name).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		if strings.HasPrefix(s.Name, "item-") {
			t.Errorf("secret %s survived the namespace", s.Name)
		}
	}
	pods, err := client.CoreV1().Pods(name).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 0 {
		t.Errorf("%d pods survived the namespace", len(pods.Items))
	}
}

// An item held by a finalizer keeps the namespace, and the conditions say
// why; once the finalizer goes, so does the namespace.
func TestNamespaceDeletionWaitsForFinalizers(t *testing.T) {
	cfg := servertest.Start(t, nil)
	client := newClient(t, cfg)
	startManager(t, manager.Config{RESTConfig: cfg, Identity: "solo"})
	ctx := context.Background()

	const name = "held"
	createNamespace(t, client, name)
	fillNamespace(t, client, name, 1)
	if _, err := client.CoreV1().ConfigMaps(name).Create(ctx, &v1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/hold"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	if err := client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete namespace: %v", err)
	}

	want := map[v1.NamespaceConditionType]v1.NamespaceCondition{
		v1.NamespaceDeletionDiscoveryFailure: {Status: v1.ConditionFalse, Reason: "ResourcesDiscovered"},
		v1.NamespaceDeletionGVParsingFailure: {Status: v1.ConditionFalse, Reason: "ParsedGroupVersions"},
		v1.NamespaceDeletionContentFailure:   {Status: v1.ConditionFalse, Reason: "ContentDeleted"},
		v1.NamespaceContentRemaining: {Status: v1.ConditionTrue, Reason: "SomeResourcesRemain",
			Message: "Some resources are remaining: configmaps. has 1 resource instances"},
		v1.NamespaceFinalizersRemaining: {Status: v1.ConditionTrue, Reason: "SomeFinalizersRemain",
			Message: "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"},
	}
	var last []v1.NamespaceCondition
	eventually(t, "deletion conditions reported", func(ctx context.Context) (bool, error) {
		ns, err := client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = ns.Status.Conditions
		if ns.Status.Phase != v1.NamespaceTerminating {
			return false, fmt.Errorf("phase %q", ns.Status.Phase)
		}
		for typ, w := range want {
			found := false
			for _, c := range ns.Status.Conditions {
				if c.Type == typ && c.Status == w.Status && c.Reason == w.Reason && (w.Message == "" || c.Message == w.Message) {
					found = true
				}
			}
			if !found {
				return false, fmt.Errorf("condition %s not as wanted in %+v", typ, ns.Status.Conditions)
			}
		}
		return true, nil
	})
	t.Logf("conditions while held: %+v", last)

	// Everything without a finalizer is gone already.
	for _, check := range []func() (int, error){
		func() (int, error) {
			l, err := client.CoreV1().Secrets(name).List(ctx, metav1.ListOptions{})
			return len(l.Items), err
		},
		func() (int, error) {
			l, err := client.CoreV1().Pods(name).List(ctx, metav1.ListOptions{})
			return len(l.Items), err
		},
	} {
		if n, err := check(); err != nil || n != 0 {
			t.Errorf("content left while held: %d items (%v)", n, err)
		}
	}

	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := client.CoreV1().ConfigMaps(name).Patch(ctx, "held", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("remove finalizer: %v", err)
	}
	eventually(t, "namespace removed after the finalizer went", namespaceGone(client, name))
}

// A pod bound to a node is deleted gracefully (a kubelet would finish it):
// the namespace waits for it, and goes once the pod is gone.
func TestNamespaceDeletionWaitsForGracefulPods(t *testing.T) {
	cfg := servertest.Start(t, nil)
	client := newClient(t, cfg)
	startManager(t, manager.Config{RESTConfig: cfg, Identity: "solo"})
	ctx := context.Background()

	const name = "graceful"
	createNamespace(t, client, name)
	grace := int64(3)
	if _, err := client.CoreV1().Pods(name).Create(ctx, &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "running"},
		Spec: v1.PodSpec{
			NodeName:                      "node-a",
			TerminationGracePeriodSeconds: &grace,
			Containers:                    []v1.Container{{Name: "c", Image: "busybox"}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete namespace: %v", err)
	}

	eventually(t, "pod marked for graceful deletion and reported", func(ctx context.Context) (bool, error) {
		pod, err := client.CoreV1().Pods(name).Get(ctx, "running", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if pod.DeletionTimestamp == nil {
			return false, fmt.Errorf("pod not being deleted")
		}
		ns, err := client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range ns.Status.Conditions {
			if c.Type == v1.NamespaceContentRemaining && c.Status == v1.ConditionTrue &&
				c.Message == "Some resources are remaining: pods. has 1 resource instances" {
				return true, nil
			}
		}
		return false, fmt.Errorf("conditions %+v", ns.Status.Conditions)
	})

	// What a kubelet does once the containers stopped.
	zero := int64(0)
	if err := client.CoreV1().Pods(name).Delete(ctx, "running", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("finish pod: %v", err)
	}
	eventually(t, "namespace removed after the pod went", namespaceGone(client, name))
}
