package podgc

import (
	"context"
	"fmt"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testPod(name, node string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       v1.PodSpec{NodeName: node, Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
	}
}

func TestCollects(t *testing.T) {
	ctx := context.Background()
	client := runController(t, NewWithOptions(Options{
		TerminatedPodGCThreshold: 2,
		CheckPeriod:              200 * time.Millisecond,
		Quarantine:               time.Second,
	}), nil)
	if _, err := client.CoreV1().Nodes().Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "here"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := client.CoreV1().Pods("default")
	create := func(p *v1.Pod, phase v1.PodPhase) {
		t.Helper()
		created, err := pods.Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if phase != "" {
			created.Status.Phase = phase
			if _, err := pods.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	oos := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "oos"},
		Spec:       v1.NodeSpec{Taints: []v1.Taint{{Key: v1.TaintNodeOutOfService, Value: "nodeshutdown", Effect: v1.TaintEffectNoExecute}}},
	}
	if _, err := client.CoreV1().Nodes().Create(ctx, oos, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	create(testPod("stuck", "oos"), v1.PodRunning)
	// A graceful delete leaves the pod terminating: no kubelet finishes it.
	if err := pods.Delete(ctx, "stuck", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	create(testPod("orphan", "gone"), v1.PodRunning)
	create(testPod("alive", "here"), v1.PodRunning)
	for i := range 4 {
		create(testPod(fmt.Sprintf("done-%d", i), "here"), v1.PodSucceeded)
		time.Sleep(1100 * time.Millisecond) // distinct creation timestamps
	}

	gone := func(name string) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			_, err := pods.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			return false, err
		}
	}
	eventually(t, "orphan deleted", gone("orphan"))
	eventually(t, "terminating pod on out-of-service node deleted", gone("stuck"))
	eventually(t, "oldest terminated deleted", gone("done-0"))
	eventually(t, "second oldest terminated deleted", gone("done-1"))
	for _, name := range []string{"alive", "done-2", "done-3"} {
		if _, err := pods.Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("pod %s: %v", name, err)
		}
	}
}
