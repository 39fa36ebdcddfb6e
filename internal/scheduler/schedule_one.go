package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// bindTimeout bounds one binding call.
const bindTimeout = 30 * time.Second

// scheduleOne pops one pod and runs its scheduling cycle; binding goes on
// in the background once the pod is assumed.
func (st *state) scheduleOne(ctx context.Context) {
	qp, err := st.queue.Pop(ctx)
	if err != nil {
		return
	}
	pod := st.current(qp.Pod)
	if pod == nil {
		st.queue.Done(qp.Pod)
		return
	}
	qp.Pod = pod
	cycle := st.queue.SchedulingCycle()
	defer st.s.metrics.observeQueue(st.queue)
	log := st.s.log.With("pod", pod.Namespace+"/"+pod.Name)

	st.cache.UpdateSnapshot(st.snapshot)
	st.fw.SetSnapshot(st.snapshot)
	state := framework.NewCycleState()
	start := time.Now()
	host, err := st.fw.SchedulePod(ctx, state, pod)
	if err != nil {
		nominated := ""
		var fitErr *framework.FitError
		if errors.As(err, &fitErr) && st.fw.HasPostFilter() {
			res, s := st.fw.RunPostFilterPlugins(ctx, state, pod, fitErr.Statuses)
			switch {
			case s.IsSuccess() && res != nil:
				st.s.metrics.preemptions.Inc()
				nominated = res.NominatedNodeName
				st.nominator.set(pod, nominated)
				log.Info("preempted pods to make room", "node", nominated)
			case s.Code() == framework.Error:
				log.Error("preemption failed", "err", s.AsError())
			default:
				fitErr.PostFilterMessage = s.Message()
			}
		}
		st.failed(ctx, qp, cycle, err, nominated)
		st.observeAttempt(err, start)
		return
	}

	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = host
	if err := st.cache.AssumePod(assumed); err != nil {
		st.failed(ctx, qp, cycle, err, "")
		return
	}
	if s := st.fw.RunReservePlugins(ctx, state, assumed, host); !s.IsSuccess() {
		st.fw.RunUnreservePlugins(ctx, state, assumed, host)
		st.cache.ForgetPod(assumed)
		st.failed(ctx, qp, cycle, s.AsError(), "")
		return
	}
	if s := st.fw.RunPermitPlugins(ctx, state, assumed, host); !s.IsSuccess() {
		st.fw.RunUnreservePlugins(ctx, state, assumed, host)
		st.cache.ForgetPod(assumed)
		st.failed(ctx, qp, cycle, s.AsError(), "")
		return
	}
	log.Debug("assumed", "node", host, "took", time.Since(start))
	st.queue.Done(pod)

	st.binding.Add(1)
	go func() {
		defer st.binding.Done()
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bindTimeout)
		defer cancel()
		if s := st.fw.RunBindPlugins(bctx, state, assumed, host); !s.IsSuccess() {
			st.fw.RunUnreservePlugins(bctx, state, assumed, host)
			st.cache.ForgetPod(assumed)
			log.Info("binding failed", "node", host, "err", s.AsError())
			st.failed(bctx, qp, cycle, fmt.Errorf("binding rejected: %w", s.AsError()), "")
			st.observeAttempt(s.AsError(), start)
			return
		}
		st.observeAttempt(nil, start)
		st.recorder.Eventf(assumed, nil, v1.EventTypeNormal, "Scheduled", "Binding",
			"Successfully assigned %v/%v to %v", assumed.Namespace, assumed.Name, host)
		log.Debug("bound", "node", host)
	}()
}

// observeAttempt counts one scheduling attempt by its result.
func (st *state) observeAttempt(err error, start time.Time) {
	result := resultScheduled
	var fitErr *framework.FitError
	switch {
	case errors.As(err, &fitErr), errors.Is(err, framework.ErrNoNodesAvailable):
		result = resultUnschedulable
	case err != nil:
		result = resultError
	}
	profile := st.fw.ProfileName()
	st.s.metrics.attempts.WithLabelValues(result, profile).Inc()
	st.s.metrics.attemptDuration.WithLabelValues(result, profile).Observe(time.Since(start).Seconds())
}

// current returns the informer's latest copy of a queued pod, or nil when
// the pod should not be scheduled any more (deleted, bound, terminating,
// already assumed).
func (st *state) current(pod *v1.Pod) *v1.Pod {
	cur, err := st.pods.Pods(pod.Namespace).Get(pod.Name)
	if err != nil || cur.UID != pod.UID {
		return nil
	}
	if cur.Spec.NodeName != "" || cur.DeletionTimestamp != nil || !st.queueable(cur) || st.cache.IsAssumed(cur) {
		return nil
	}
	return cur
}

// failed records why a pod was not scheduled (event and PodScheduled
// condition), stores a nomination, and puts the pod back in the queue.
func (st *state) failed(ctx context.Context, qp *QueuedPod, cycle int64, err error, nominated string) {
	pod := qp.Pod
	var fitErr *framework.FitError
	unschedulable := errors.As(err, &fitErr) || errors.Is(err, framework.ErrNoNodesAvailable)
	reason := v1.PodReasonSchedulerError
	if unschedulable {
		reason = v1.PodReasonUnschedulable
	}
	msg := err.Error()
	st.s.log.Debug("unable to schedule pod", "pod", pod.Namespace+"/"+pod.Name, "reason", reason, "message", msg)
	st.recorder.Eventf(pod, nil, v1.EventTypeWarning, "FailedScheduling", "Scheduling", msg)

	// Bound in the meantime (a binding raced us): nothing to requeue.
	if cur := st.current(pod); cur == nil {
		st.queue.Done(pod)
		return
	}
	st.queue.AddUnschedulable(qp, cycle, unschedulable)
	if err := st.updateStatus(ctx, pod, reason, msg, nominated); err != nil && !apierrors.IsNotFound(err) {
		st.s.log.Error("updating pod status", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}

// updateStatus sets PodScheduled=False with reason and message and the
// nominated node, patching only when something changes.
func (st *state) updateStatus(ctx context.Context, pod *v1.Pod, reason, msg, nominated string) error {
	var old *v1.PodCondition
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == v1.PodScheduled {
			old = &pod.Status.Conditions[i]
		}
	}
	sameCond := old != nil && old.Status == v1.ConditionFalse && old.Reason == reason && old.Message == msg
	sameNomination := nominated == "" || pod.Status.NominatedNodeName == nominated
	if sameCond && sameNomination {
		return nil
	}
	cond := v1.PodCondition{
		Type:    v1.PodScheduled,
		Status:  v1.ConditionFalse,
		Reason:  reason,
		Message: msg,
	}
	now := metav1.Now()
	cond.LastProbeTime = now
	if old != nil && old.Status == v1.ConditionFalse {
		cond.LastTransitionTime = old.LastTransitionTime
	} else {
		cond.LastTransitionTime = now
	}
	status := map[string]any{"conditions": []v1.PodCondition{cond}}
	if nominated != "" {
		status["nominatedNodeName"] = nominated
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": pod.UID},
		"status":   status,
	})
	if err != nil {
		return err
	}
	_, err = st.s.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("patching status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}
