package replicaset_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/controllertest"
	"github.com/nauta/nauta/internal/controller/replicaset"
)

const waitTimeout = 60 * time.Second

// startControllers runs the given constructors on a fresh control plane
// until the test ends and returns a client.
func startControllers(t *testing.T, ctors ...controller.Constructor) kubernetes.Interface {
	t.Helper()
	return controllertest.Run(t, ctors, nil)
}

func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	controllertest.EventuallyWithin(t, waitTimeout, what, cond)
}

func podTemplate(labels map[string]string) v1.PodTemplateSpec {
	return v1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
	}
}

func ownedPods(ctx context.Context, client kubernetes.Interface, ns string, uid string) ([]v1.Pod, error) {
	list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []v1.Pod
	for _, p := range list.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && string(ref.UID) == uid && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func TestReplicaSetScalesAndAdopts(t *testing.T) {
	client := startControllers(t, replicaset.New)
	ctx := context.Background()
	const ns = "default"
	labels := map[string]string{"app": "web"}

	// An orphan that matches the selector is adopted instead of creating a
	// third pod.
	orphan, err := client.CoreV1().Pods(ns).Create(ctx, &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: labels},
		Spec:       podTemplate(nil).Spec,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: podTemplate(labels),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uid := string(rs.UID)
	eventually(t, "3 pods and status", func(ctx context.Context) (bool, error) {
		pods, err := ownedPods(ctx, client, ns, uid)
		if err != nil {
			return false, err
		}
		cur, err := client.AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(pods) == 3 && cur.Status.Replicas == 3 && cur.Status.FullyLabeledReplicas == 3 &&
			cur.Status.ObservedGeneration == cur.Generation, nil
	})
	got, err := client.CoreV1().Pods(ns).Get(ctx, orphan.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := metav1.GetControllerOf(got)
	if ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Fatalf("orphan not adopted: ownerReferences %+v", got.OwnerReferences)
	}
	pods, _ := ownedPods(ctx, client, ns, uid)
	for _, p := range pods {
		if p.Name != "orphan" && p.GenerateName != "web-" {
			t.Errorf("pod %s has generateName %q", p.Name, p.GenerateName)
		}
	}

	eventually(t, "SuccessfulCreate event", func(ctx context.Context) (bool, error) {
		events, err := client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Kind == "ReplicaSet" && e.InvolvedObject.Name == "web" && e.Reason == replicaset.EventSuccessfulCreate &&
				e.Source.Component == replicaset.ControllerName {
				return true, nil
			}
		}
		return false, nil
	})

	// Mark one pod ready: readyReplicas and availableReplicas follow.
	markReady(t, client, &pods[0])
	eventually(t, "ready replicas", func(ctx context.Context) (bool, error) {
		cur, err := client.AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return cur.Status.ReadyReplicas == 1 && cur.Status.AvailableReplicas == 1, nil
	})

	// Relabelling a pod releases it and a replacement is created.
	released := pods[1]
	released.Labels = map[string]string{"app": "other"}
	if _, err := client.CoreV1().Pods(ns).Update(ctx, &released, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "released and replaced", func(ctx context.Context) (bool, error) {
		p, err := client.CoreV1().Pods(ns).Get(ctx, released.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pods, err := ownedPods(ctx, client, ns, uid)
		if err != nil {
			return false, err
		}
		return metav1.GetControllerOf(p) == nil && len(pods) == 3, nil
	})

	// Scale down to 1: the ready pod is the one kept.
	scale, err := client.AppsV1().ReplicaSets(ns).GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 1
	if _, err := client.AppsV1().ReplicaSets(ns).UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "scaled down to 1", func(ctx context.Context) (bool, error) {
		pods, err := ownedPods(ctx, client, ns, uid)
		if err != nil {
			return false, err
		}
		cur, err := client.AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(pods) == 1 && cur.Status.Replicas == 1, nil
	})
	pods, _ = ownedPods(ctx, client, ns, uid)
	if !isReady(&pods[0]) {
		t.Errorf("kept pod %s is not the ready one", pods[0].Name)
	}
}

func isReady(p *v1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == v1.PodReady && c.Status == v1.ConditionTrue {
			return true
		}
	}
	return false
}

func markReady(t *testing.T, client kubernetes.Interface, pod *v1.Pod) {
	t.Helper()
	ctx := context.Background()
	for range 5 {
		cur, err := client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		now := metav1.Now()
		cur.Status.Phase = v1.PodRunning
		cur.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: now}}
		if _, err = client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err == nil {
			return
		}
	}
	t.Fatalf("mark pod %s ready: failed", pod.Name)
}

func TestReplicationControllerScales(t *testing.T) {
	client := startControllers(t, replicaset.NewReplicationController)
	ctx := context.Background()
	const ns = "default"
	labels := map[string]string{"app": "legacy"}
	tmpl := podTemplate(labels)
	rc, err := client.CoreV1().ReplicationControllers(ns).Create(ctx, &v1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "legacy"},
		Spec:       v1.ReplicationControllerSpec{Replicas: ptr.To[int32](2), Selector: labels, Template: &tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 pods", func(ctx context.Context) (bool, error) {
		pods, err := ownedPods(ctx, client, ns, string(rc.UID))
		if err != nil {
			return false, err
		}
		cur, err := client.CoreV1().ReplicationControllers(ns).Get(ctx, "legacy", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(pods) == 2 && cur.Status.Replicas == 2, nil
	})
	pods, _ := ownedPods(ctx, client, ns, string(rc.UID))
	if ref := metav1.GetControllerOf(&pods[0]); ref.Kind != "ReplicationController" || ref.APIVersion != "v1" {
		t.Errorf("owner reference %+v", ref)
	}
	cur, err := client.CoreV1().ReplicationControllers(ns).Get(ctx, "legacy", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.Replicas = ptr.To[int32](0)
	if _, err := client.CoreV1().ReplicationControllers(ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "0 pods", func(ctx context.Context) (bool, error) {
		pods, err := ownedPods(ctx, client, ns, string(rc.UID))
		return err == nil && len(pods) == 0, err
	})
}

func TestReplicaSetMinReadySeconds(t *testing.T) {
	client := startControllers(t, replicaset.New)
	ctx := context.Background()
	const ns = "default"
	labels := map[string]string{"app": "slow"}
	rs, err := client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "slow"},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        ptr.To[int32](1),
			MinReadySeconds: 2,
			Selector:        &metav1.LabelSelector{MatchLabels: labels},
			Template:        podTemplate(labels),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pods []v1.Pod
	eventually(t, "pod created", func(ctx context.Context) (bool, error) {
		pods, err = ownedPods(ctx, client, ns, string(rs.UID))
		return len(pods) == 1, err
	})
	markReady(t, client, &pods[0])
	readyAt := time.Now()
	eventually(t, "ready but not yet available", func(ctx context.Context) (bool, error) {
		cur, err := client.AppsV1().ReplicaSets(ns).Get(ctx, "slow", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		// Condition times have whole seconds: allow one second of truncation.
		if cur.Status.AvailableReplicas == 1 && time.Since(readyAt) < time.Second {
			return false, fmt.Errorf("available after %v, before minReadySeconds", time.Since(readyAt))
		}
		return cur.Status.ReadyReplicas == 1, nil
	})
	eventually(t, "available after minReadySeconds", func(ctx context.Context) (bool, error) {
		cur, err := client.AppsV1().ReplicaSets(ns).Get(ctx, "slow", metav1.GetOptions{})
		return err == nil && cur.Status.AvailableReplicas == 1, err
	})
	if since := time.Since(readyAt); since < time.Second {
		t.Errorf("available after %v", since)
	}
}
