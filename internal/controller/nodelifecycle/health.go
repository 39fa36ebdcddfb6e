package nodelifecycle

import (
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// What upstream writes on the conditions of a node that stopped (or never
// started) posting status.
const (
	reasonStatusUnknown       = "NodeStatusUnknown"
	messageStatusUnknown      = "Kubelet stopped posting node status."
	reasonStatusNeverUpdated  = "NodeStatusNeverUpdated"
	messageStatusNeverUpdated = "Kubelet never posted node status."
)

// monitoredConditions are set Unknown when the kubelet goes silent.
var monitoredConditions = []v1.NodeConditionType{v1.NodeReady, v1.NodeMemoryPressure, v1.NodeDiskPressure, v1.NodePIDPressure}

// heartbeat is what a node last showed of life.
type heartbeat struct {
	leaseRenew     time.Time
	readyHeartbeat time.Time
}

// nodeHealth is what the controller remembers of one node: the heartbeat it
// last saw and when, by its own clock, it saw it change. Comparing local
// observation times keeps clock skew between nodes and controller out of
// the decision.
type nodeHealth struct {
	seen  heartbeat
	probe time.Time
}

func heartbeatOf(node *v1.Node, lease *coordv1.Lease) heartbeat {
	var hb heartbeat
	if lease != nil && lease.Spec.RenewTime != nil {
		hb.leaseRenew = lease.Spec.RenewTime.Time
	}
	if c := findCondition(node.Status.Conditions, v1.NodeReady); c != nil {
		hb.readyHeartbeat = c.LastHeartbeatTime.Time
	}
	return hb
}

// observe records hb at now and returns the updated health: the probe time
// moves whenever the heartbeat changed.
func observe(prev *nodeHealth, hb heartbeat, now time.Time) nodeHealth {
	if prev == nil || !prev.seen.leaseRenew.Equal(hb.leaseRenew) || !prev.seen.readyHeartbeat.Equal(hb.readyHeartbeat) {
		return nodeHealth{seen: hb, probe: now}
	}
	return *prev
}

// silentFor returns how long the node may stay silent: the startup grace
// period until it ever posted a Ready condition, the monitor grace period
// after.
func silentFor(node *v1.Node, grace, startupGrace time.Duration) time.Duration {
	if findCondition(node.Status.Conditions, v1.NodeReady) == nil {
		return startupGrace
	}
	return grace
}

// markUnknown sets every monitored condition Unknown on status; it reports
// whether anything changed.
func markUnknown(status *v1.NodeStatus, created, now metav1.Time) bool {
	changed := false
	for _, t := range monitoredConditions {
		c := findCondition(status.Conditions, t)
		if c == nil {
			status.Conditions = append(status.Conditions, v1.NodeCondition{
				Type:               t,
				Status:             v1.ConditionUnknown,
				Reason:             reasonStatusNeverUpdated,
				Message:            messageStatusNeverUpdated,
				LastHeartbeatTime:  created,
				LastTransitionTime: now,
			})
			changed = true
			continue
		}
		if c.Status == v1.ConditionUnknown {
			continue
		}
		c.Status = v1.ConditionUnknown
		c.Reason = reasonStatusUnknown
		c.Message = messageStatusUnknown
		c.LastTransitionTime = now
		changed = true
	}
	return changed
}

func findCondition(conds []v1.NodeCondition, t v1.NodeConditionType) *v1.NodeCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// readyStatus is the node's Ready condition status, empty when the node
// never posted one (it is still within its startup grace period, or about
// to be marked Unknown).
func readyStatus(node *v1.Node) v1.ConditionStatus {
	if c := findCondition(node.Status.Conditions, v1.NodeReady); c != nil {
		return c.Status
	}
	return ""
}

// markPodNotReady sets the pod's Ready condition False; it reports whether
// the pod changed.
func markPodNotReady(status *v1.PodStatus, now metav1.Time) bool {
	for i := range status.Conditions {
		c := &status.Conditions[i]
		if c.Type != v1.PodReady {
			continue
		}
		if c.Status == v1.ConditionFalse {
			return false
		}
		// Upstream flips only the status; reason and message stay the
		// kubelet's.
		c.Status = v1.ConditionFalse
		c.LastTransitionTime = now
		return true
	}
	return false
}
