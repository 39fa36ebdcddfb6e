package deployment_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/polymorphichelpers"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/controller/deployment"
)

// rolloutStatus asks kubectl's own rollout status logic about name.
func rolloutStatus(ctx context.Context, client kubernetes.Interface, ns, name string, revision int64) (string, bool, error) {
	d, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", false, err
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	if err != nil {
		return "", false, err
	}
	viewer := &polymorphichelpers.DeploymentStatusViewer{}
	return viewer.Status(&unstructured.Unstructured{Object: content}, revision)
}

func updateDeployment(t *testing.T, client kubernetes.Interface, ns, name string, change func(*appsv1.Deployment)) {
	t.Helper()
	ctx := context.Background()
	for range 10 {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		change(d)
		if _, err = client.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err == nil {
			return
		}
	}
	t.Fatalf("update deployment %s: kept conflicting", name)
}

func TestDeploymentRecreateScaleAndHistory(t *testing.T) {
	client := startControllers(t)
	const ns = "default"
	ctx := context.Background()
	markPodsReady(t, client, ns)

	d := newDeployment("batch", "busybox:1", 2)
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	d.Spec.RevisionHistoryLimit = ptr.To[int32](1)
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "first rollout", rolledOut(client, ns, "batch"))
	eventually(t, "kubectl rollout status done", func(ctx context.Context) (bool, error) {
		msg, done, err := rolloutStatus(ctx, client, ns, "batch", 1)
		if err != nil {
			return false, err
		}
		if done && !strings.Contains(msg, "successfully rolled out") {
			return false, fmt.Errorf("message %q", msg)
		}
		return done, nil
	})

	// Recreate never runs old and new pods together.
	var mu sync.Mutex
	var overlap []string
	watchCtx, stop := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		for watchCtx.Err() == nil {
			list, err := client.AppsV1().ReplicaSets(ns).List(watchCtx, metav1.ListOptions{})
			if err == nil {
				busy := 0
				for _, rs := range list.Items {
					if *rs.Spec.Replicas > 0 || rs.Status.Replicas > 0 {
						busy++
					}
				}
				if busy > 1 {
					mu.Lock()
					overlap = append(overlap, fmt.Sprintf("%d replica sets with pods", busy))
					mu.Unlock()
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for i := 2; i <= 3; i++ {
		updateDeployment(t, client, ns, "batch", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Image = fmt.Sprintf("busybox:%d", i)
		})
		eventually(t, fmt.Sprintf("rollout %d", i), func(ctx context.Context) (bool, error) {
			ok, err := rolledOut(client, ns, "batch")(ctx)
			if !ok || err != nil {
				return ok, err
			}
			_, done, err := rolloutStatus(ctx, client, ns, "batch", int64(i))
			return done, err
		})
	}
	stop()
	<-watchDone
	if len(overlap) > 0 {
		t.Errorf("Recreate overlapped: %v", overlap)
	}
	// revisionHistoryLimit 1: the current and one old replica set remain.
	eventually(t, "history cleaned", func(ctx context.Context) (bool, error) {
		list, err := client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		revs := map[string]bool{}
		for _, rs := range list.Items {
			revs[rs.Annotations[deployment.RevisionAnnotation]] = true
		}
		return len(list.Items) == 2 && revs["2"] && revs["3"], nil
	})

	// Scaling is not a rollout: the current replica set follows, annotations too.
	updateDeployment(t, client, ns, "batch", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](4) })
	eventually(t, "scaled to 4", func(ctx context.Context) (bool, error) {
		ok, err := rolledOut(client, ns, "batch")(ctx)
		if !ok || err != nil {
			return ok, err
		}
		list, err := client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, rs := range list.Items {
			if rs.Annotations[deployment.RevisionAnnotation] == "3" {
				return *rs.Spec.Replicas == 4 && rs.Annotations[deployment.DesiredReplicasAnnotation] == "4", nil
			}
		}
		return false, nil
	})
}

func TestDeploymentPausedAndProgressDeadline(t *testing.T) {
	client := startControllers(t)
	const ns = "default"
	ctx := context.Background()

	// Paused from the start: nothing is rolled out.
	d := newDeployment("slow", "busybox:1", 2)
	d.Spec.Paused = true
	d.Spec.ProgressDeadlineSeconds = ptr.To[int32](2)
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "paused condition", func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, "slow", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		c := condition(d, appsv1.DeploymentProgressing)
		return c != nil && c.Status == v1.ConditionUnknown && c.Reason == "DeploymentPaused", nil
	})
	time.Sleep(500 * time.Millisecond)
	if rss, err := client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{}); err != nil || len(rss.Items) != 0 {
		t.Fatalf("paused deployment rolled out: %v %v", rss, err)
	}

	// Resumed without any pod becoming ready: the deadline passes.
	updateDeployment(t, client, ns, "slow", func(d *appsv1.Deployment) { d.Spec.Paused = false })
	eventually(t, "deadline exceeded", func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, "slow", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		c := condition(d, appsv1.DeploymentProgressing)
		return c != nil && c.Status == v1.ConditionFalse && c.Reason == deployment.ReasonProgressDeadlineExceeded, nil
	})
	_, done, err := rolloutStatus(ctx, client, ns, "slow", 0)
	if done || err == nil || !strings.Contains(err.Error(), "exceeded its progress deadline") {
		t.Errorf("kubectl rollout status: done=%v err=%v", done, err)
	}
	d, err = client.AppsV1().Deployments(ns).Get(ctx, "slow", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := condition(d, appsv1.DeploymentAvailable); c == nil || c.Status != v1.ConditionFalse || c.Reason != deployment.ReasonMinimumReplicasUnavailable {
		t.Errorf("Available %+v", c)
	}
	if d.Status.UnavailableReplicas != 2 || d.Status.UpdatedReplicas != 2 {
		t.Errorf("status %+v", d.Status)
	}
}

func TestDeploymentProportionalScaling(t *testing.T) {
	client := startControllers(t)
	const ns = "default"
	ctx := context.Background()
	// Only pods of the first image ever become ready: the second rollout stalls.
	markPodsReadyIf(t, client, ns, func(p *v1.Pod) bool { return p.Spec.Containers[0].Image == "busybox:1" })

	d := newDeployment("prop", "busybox:1", 10)
	d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(3))
	d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(2))
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "first rollout", rolledOut(client, ns, "prop"))
	updateDeployment(t, client, ns, "prop", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox:2" })

	sizes := func(ctx context.Context) (old, cur int32, err error) {
		list, err := client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return 0, 0, err
		}
		for _, rs := range list.Items {
			if rs.Spec.Template.Spec.Containers[0].Image == "busybox:1" {
				old = *rs.Spec.Replicas
			} else {
				cur = *rs.Spec.Replicas
			}
		}
		return old, cur, nil
	}
	// 13 pods allowed, 8 must stay available, new pods never become so.
	eventually(t, "rollout stalls at 8 old + 5 new", func(ctx context.Context) (bool, error) {
		old, cur, err := sizes(ctx)
		return old == 8 && cur == 5, err
	})
	updateDeployment(t, client, ns, "prop", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](30) })
	// 33 allowed now: 20 more spread as 8/13 and 5/13 of 33, rounded.
	eventually(t, "proportional scale-up to 20 old + 13 new", func(ctx context.Context) (bool, error) {
		old, cur, err := sizes(ctx)
		return old == 20 && cur == 13, err
	})
}
