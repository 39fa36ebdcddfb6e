package scheduler

import (
	"context"
	"encoding/json"
	"fmt"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Upstream's condition for pods held back by scheduling gates (kubectl
// shows the reason as the pod's status).
const (
	reasonSchedulingGated  = "SchedulingGated"
	messageSchedulingGated = "Scheduling is blocked due to non-empty scheduling gates"
)

// gatedMarker sets PodScheduled=False/SchedulingGated on our gated pods,
// off the informer's goroutine.
type gatedMarker struct {
	st    *state
	queue workqueue.TypedRateLimitingInterface[string]
}

func newGatedMarker(st *state) *gatedMarker {
	return &gatedMarker{st: st, queue: workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "scheduler-gated"},
	)}
}

// observe queues pod when it is ours, gated and not marked yet.
func (g *gatedMarker) observe(pod *v1.Pod) {
	if pod.Spec.NodeName != "" || len(pod.Spec.SchedulingGates) == 0 || !g.st.responsible(pod) || gatedMarked(pod) {
		return
	}
	key, err := cache.MetaNamespaceKeyFunc(pod)
	if err == nil {
		g.queue.Add(key)
	}
}

func gatedMarked(pod *v1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == v1.PodScheduled && c.Status == v1.ConditionFalse && c.Reason == reasonSchedulingGated {
			return true
		}
	}
	return false
}

// run marks pods until ctx ends.
func (g *gatedMarker) run(ctx context.Context) {
	stop := context.AfterFunc(ctx, g.queue.ShutDown)
	defer stop()
	for {
		key, quit := g.queue.Get()
		if quit {
			return
		}
		if err := g.mark(ctx, key); err != nil {
			g.st.s.log.Info("marking gated pod", "pod", key, "err", err)
			g.queue.AddRateLimited(key)
		} else {
			g.queue.Forget(key)
		}
		g.queue.Done(key)
	}
}

func (g *gatedMarker) mark(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := g.st.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if pod.Spec.NodeName != "" || len(pod.Spec.SchedulingGates) == 0 || gatedMarked(pod) {
		return nil
	}
	cond := v1.PodCondition{
		Type: v1.PodScheduled, Status: v1.ConditionFalse,
		Reason: reasonSchedulingGated, Message: messageSchedulingGated,
		LastTransitionTime: metav1.Now(),
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": pod.UID},
		"status":   map[string]any{"conditions": []v1.PodCondition{cond}},
	})
	if err != nil {
		return err
	}
	_, err = g.st.s.client.CoreV1().Pods(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("patching status: %w", err)
	}
	return nil
}
