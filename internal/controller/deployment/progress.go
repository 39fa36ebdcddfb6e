package deployment

import (
	"fmt"
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons and messages, as upstream spells them; kubectl
// rollout status matches ProgressDeadlineExceeded.
const (
	ReasonNewReplicaSetCreated       = "NewReplicaSetCreated"
	ReasonFoundNewReplicaSet         = "FoundNewReplicaSet"
	ReasonReplicaSetUpdated          = "ReplicaSetUpdated"
	ReasonNewReplicaSetAvailable     = "NewReplicaSetAvailable"
	ReasonProgressDeadlineExceeded   = "ProgressDeadlineExceeded"
	ReasonFailedReplicaSetCreate     = "ReplicaSetCreateError"
	ReasonDeploymentPaused           = "DeploymentPaused"
	ReasonDeploymentResumed          = "DeploymentResumed"
	ReasonMinimumReplicasAvailable   = "MinimumReplicasAvailable"
	ReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable"
)

func newCondition(t appsv1.DeploymentConditionType, status v1.ConditionStatus, reason, message string, now time.Time) appsv1.DeploymentCondition {
	ts := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: message, LastUpdateTime: ts, LastTransitionTime: ts}
}

func getCondition(s appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

// setCondition replaces the condition of c's type; an identical status and
// reason is left alone (so lastUpdateTime keeps measuring progress), and a
// same-status change keeps the old transition time.
func setCondition(s *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := getCondition(*s, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(s, c.Type)
	s.Conditions = append(s.Conditions, c)
}

func removeCondition(s *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	var out []appsv1.DeploymentCondition
	for _, c := range s.Conditions {
		if c.Type != t {
			out = append(out, c)
		}
	}
	s.Conditions = out
}

func hasProgressDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

// calculateStatus derives the deployment status from its ReplicaSets,
// including the Available condition.
func calculateStatus(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, now time.Time) appsv1.DeploymentStatus {
	available := availableSum(all)
	unavailable := max(specReplicaSum(all)-available, 0)
	s := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            statusReplicaSum(all),
		UpdatedReplicas:     statusReplicaSum([]*appsv1.ReplicaSet{newRS}),
		ReadyReplicas:       readySum(all),
		AvailableReplicas:   available,
		UnavailableReplicas: unavailable,
		CollisionCount:      d.Status.CollisionCount,
	}
	for _, c := range d.Status.Conditions {
		s.Conditions = append(s.Conditions, c)
	}
	if available >= replicasOf(d)-maxUnavailable(d) {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, v1.ConditionTrue, ReasonMinimumReplicasAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, v1.ConditionFalse, ReasonMinimumReplicasUnavailable, "Deployment does not have minimum availability.", now))
	}
	return s
}

// complete: every replica updated and available, and the spec observed.
func complete(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	r := replicasOf(d)
	return s.UpdatedReplicas == r && s.Replicas == r && s.AvailableReplicas == r && s.ObservedGeneration >= d.Generation
}

// progressing: more updated/ready/available pods or fewer old ones than last time.
func progressing(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	old := d.Status
	return s.UpdatedReplicas > old.UpdatedReplicas ||
		s.Replicas-s.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		s.ReadyReplicas > old.ReadyReplicas ||
		s.AvailableReplicas > old.AvailableReplicas
}

// timedOut: no progress for progressDeadlineSeconds since the Progressing
// condition was last updated.
func timedOut(d *appsv1.Deployment, s *appsv1.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := getCondition(*s, appsv1.DeploymentProgressing)
	if c == nil || c.Reason == ReasonNewReplicaSetAvailable {
		return false
	}
	if c.Reason == ReasonProgressDeadlineExceeded {
		return true
	}
	deadline := c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second)
	return deadline.Before(now)
}

// rolloutStatus computes the status after a rollout step, with the
// Progressing and ReplicaFailure conditions.
func rolloutStatus(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, now time.Time) appsv1.DeploymentStatus {
	s := calculateStatus(d, all, newRS, now)
	if !hasProgressDeadline(d) {
		removeCondition(&s, appsv1.DeploymentProgressing)
	}
	cur := getCondition(d.Status, appsv1.DeploymentProgressing)
	isComplete := s.Replicas == s.UpdatedReplicas && cur != nil && cur.Reason == ReasonNewReplicaSetAvailable
	if hasProgressDeadline(d) && !isComplete {
		subject := fmt.Sprintf("Deployment %q", d.Name)
		if newRS != nil {
			subject = fmt.Sprintf("ReplicaSet %q", newRS.Name)
		}
		switch {
		case complete(d, &s):
			setCondition(&s, newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonNewReplicaSetAvailable, subject+" has successfully progressed.", now))
		case progressing(d, &s):
			c := newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonReplicaSetUpdated, subject+" is progressing.", now)
			if cur != nil {
				if cur.Status == v1.ConditionTrue {
					c.LastTransitionTime = cur.LastTransitionTime
				}
				// Always replace, so lastUpdateTime moves with progress.
				removeCondition(&s, appsv1.DeploymentProgressing)
			}
			setCondition(&s, c)
		case timedOut(d, &s, now):
			setCondition(&s, newCondition(appsv1.DeploymentProgressing, v1.ConditionFalse, ReasonProgressDeadlineExceeded, subject+" has timed out progressing.", now))
		}
	}
	if f := replicaFailure(all, newRS, now); f != nil {
		setCondition(&s, *f)
	} else {
		removeCondition(&s, appsv1.DeploymentReplicaFailure)
	}
	return s
}

// replicaFailure surfaces the ReplicaFailure condition of the new
// ReplicaSet (or else of an old one) on the deployment.
func replicaFailure(all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, now time.Time) *appsv1.DeploymentCondition {
	pick := func(rs *appsv1.ReplicaSet) *appsv1.DeploymentCondition {
		for _, c := range rs.Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure {
				dc := newCondition(appsv1.DeploymentReplicaFailure, c.Status, c.Reason, c.Message, now)
				dc.LastTransitionTime = c.LastTransitionTime
				return &dc
			}
		}
		return nil
	}
	if newRS != nil {
		if c := pick(newRS); c != nil {
			return c
		}
	}
	for _, rs := range all {
		if rs == nil || rs == newRS {
			continue
		}
		if c := pick(rs); c != nil {
			return c
		}
	}
	return nil
}

// stuckRequeue is when to look again at a rollout that made no progress,
// to notice the deadline; 0 means not needed.
func stuckRequeue(d *appsv1.Deployment, s *appsv1.DeploymentStatus, now time.Time) time.Duration {
	c := getCondition(*s, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || c == nil {
		return 0
	}
	if complete(d, s) || c.Reason == ReasonProgressDeadlineExceeded {
		return 0
	}
	after := c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(now)
	if after < time.Second {
		return time.Second
	}
	return after + time.Second
}
