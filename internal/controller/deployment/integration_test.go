package deployment_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/controllertest"
	"github.com/nauta/nauta/internal/controller/deployment"
	"github.com/nauta/nauta/internal/controller/replicaset"
	"github.com/nauta/nauta/internal/server/servertest"
)

const waitTimeout = 90 * time.Second

// startControllers runs the deployment and replica set controllers on a
// fresh control plane until the test ends.
func startControllers(t *testing.T) kubernetes.Interface {
	t.Helper()
	return runControllers(t, servertest.Start(t, nil))
}

// runControllers runs the deployment and replica set controllers against
// cfg until the test ends.
func runControllers(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	return controllertest.RunOn(t, cfg, []controller.Constructor{deployment.New, replicaset.New}, nil)
}

// markPodsReady stands in for a kubelet: it marks every pod of namespace
// Running and Ready until the test ends.
func markPodsReady(t *testing.T, client kubernetes.Interface, namespace string) {
	markPodsReadyIf(t, client, namespace, func(*v1.Pod) bool { return true })
}

// markPodsReadyIf is markPodsReady for the pods ok accepts.
func markPodsReadyIf(t *testing.T, client kubernetes.Interface, namespace string, ok func(*v1.Pod) bool) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			pods, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
			if err == nil {
				for i := range pods.Items {
					p := &pods.Items[i]
					if p.Status.Phase == v1.PodRunning || p.DeletionTimestamp != nil || !ok(p) {
						continue
					}
					p.Status.Phase = v1.PodRunning
					p.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: metav1.Now()}}
					_, _ = client.CoreV1().Pods(namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
}

func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	controllertest.EventuallyWithin(t, waitTimeout, what, cond)
}

func newDeployment(name, image string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: v1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: image}}},
			},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge:       ptr.To(intstr.FromInt32(1)),
					MaxUnavailable: ptr.To(intstr.FromInt32(0)),
				},
			},
		},
	}
}

// rolledOut is what `kubectl rollout status` waits for.
func rolledOut(client kubernetes.Interface, ns, name string) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := d.Status
		for _, c := range s.Conditions {
			if c.Type == appsv1.DeploymentProgressing && c.Reason == deployment.ReasonProgressDeadlineExceeded {
				return false, fmt.Errorf("deadline exceeded")
			}
		}
		want := *d.Spec.Replicas
		return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.Replicas == want &&
			s.AvailableReplicas == want && s.ReadyReplicas == want, nil
	}
}

func replicaSets(ctx context.Context, t *testing.T, client kubernetes.Interface, ns string) []appsv1.ReplicaSet {
	t.Helper()
	list, err := client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

func condition(d *appsv1.Deployment, ct appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == ct {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

func TestDeploymentRollingUpdateAndRollback(t *testing.T) {
	client := startControllers(t)
	const ns = "default"
	ctx := context.Background()
	markPodsReady(t, client, ns)

	if _, err := client.AppsV1().Deployments(ns).Create(ctx, newDeployment("web", "busybox:1", 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "first rollout", rolledOut(client, ns, "web"))

	rss := replicaSets(ctx, t, client, ns)
	if len(rss) != 1 {
		t.Fatalf("%d replica sets, want 1", len(rss))
	}
	first := rss[0]
	hash := first.Labels[deployment.PodTemplateHashLabel]
	if hash == "" || first.Name != "web-"+hash || first.Spec.Selector.MatchLabels[deployment.PodTemplateHashLabel] != hash {
		t.Fatalf("replica set %s labels %v selector %v", first.Name, first.Labels, first.Spec.Selector)
	}
	if first.Annotations[deployment.RevisionAnnotation] != "1" || first.Annotations[deployment.DesiredReplicasAnnotation] != "3" || first.Annotations[deployment.MaxReplicasAnnotation] != "4" {
		t.Errorf("replica set annotations %v", first.Annotations)
	}
	d, err := client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Annotations[deployment.RevisionAnnotation] != "1" {
		t.Errorf("deployment revision %q", d.Annotations[deployment.RevisionAnnotation])
	}
	if c := condition(d, appsv1.DeploymentAvailable); c == nil || c.Status != v1.ConditionTrue || c.Reason != deployment.ReasonMinimumReplicasAvailable {
		t.Errorf("Available condition %+v", c)
	}
	eventually(t, "progressing complete", func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		c := condition(d, appsv1.DeploymentProgressing)
		return c != nil && c.Status == v1.ConditionTrue && c.Reason == deployment.ReasonNewReplicaSetAvailable, nil
	})

	// Watch the surge bound while the image changes.
	var violations []string
	var mu sync.Mutex
	watchCtx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		for watchCtx.Err() == nil {
			list, err := client.AppsV1().ReplicaSets(ns).List(watchCtx, metav1.ListOptions{})
			if err == nil {
				var total int32
				for _, rs := range list.Items {
					total += *rs.Spec.Replicas
				}
				if total > 4 {
					mu.Lock()
					violations = append(violations, fmt.Sprintf("replica sets want %d pods", total))
					mu.Unlock()
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	d.Spec.Template.Spec.Containers[0].Image = "busybox:2"
	if _, err := client.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "second rollout", func(ctx context.Context) (bool, error) {
		ok, err := rolledOut(client, ns, "web")(ctx)
		if !ok || err != nil {
			return ok, err
		}
		for _, rs := range replicaSets(ctx, t, client, ns) {
			if rs.Name == first.Name && (*rs.Spec.Replicas != 0 || rs.Status.Replicas != 0) {
				return false, nil
			}
		}
		return true, nil
	})
	stopWatch()
	<-watchDone
	if len(violations) > 0 {
		t.Errorf("maxSurge exceeded: %v", violations)
	}
	rss = replicaSets(ctx, t, client, ns)
	if len(rss) != 2 {
		t.Fatalf("%d replica sets, want 2", len(rss))
	}
	for _, rs := range rss {
		if rs.Name != first.Name && rs.Annotations[deployment.RevisionAnnotation] != "2" {
			t.Errorf("new replica set %s revision %q", rs.Name, rs.Annotations[deployment.RevisionAnnotation])
		}
	}

	// Roll back the way kubectl rollout undo does: put the old template back.
	d, err = client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := first.Spec.Template.DeepCopy()
	delete(old.Labels, deployment.PodTemplateHashLabel)
	d.Spec.Template = *old
	if _, err := client.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "rollback", func(ctx context.Context) (bool, error) {
		ok, err := rolledOut(client, ns, "web")(ctx)
		if !ok || err != nil {
			return ok, err
		}
		rs, err := client.AppsV1().ReplicaSets(ns).Get(ctx, first.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return *rs.Spec.Replicas == 3 && rs.Annotations[deployment.RevisionAnnotation] == "3", nil
	})
	rs, err := client.AppsV1().ReplicaSets(ns).Get(ctx, first.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Annotations[deployment.RevisionHistoryAnnotation] != "1" {
		t.Errorf("revision history %q, want 1", rs.Annotations[deployment.RevisionHistoryAnnotation])
	}
	if len(replicaSets(ctx, t, client, ns)) != 2 {
		t.Errorf("rollback created a replica set")
	}
	d, err = client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Annotations[deployment.RevisionAnnotation] != "3" {
		t.Errorf("deployment revision %q, want 3", d.Annotations[deployment.RevisionAnnotation])
	}
}
