package simnode

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// heartbeatSlots is how many groups the nodes are split into; one group is
// renewed every HeartbeatInterval/heartbeatSlots, so the API server sees a
// steady trickle instead of a burst of N updates every interval.
const heartbeatSlots = 10

func newLease(cfg Config, node *v1.Node, now time.Time) *coordinationv1.Lease {
	holder := node.Name
	seconds := int32(cfg.LeaseDuration / time.Second)
	renew := metav1.NewMicroTime(now)
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Name:      node.Name,
			Namespace: v1.NamespaceNodeLease,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID,
			}},
		},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       &holder,
			LeaseDurationSeconds: &seconds,
			RenewTime:            &renew,
		},
	}
}

// ensureLease creates the node's lease or takes over the existing one.
func (r *Runner) ensureLease(ctx context.Context, node *v1.Node) (*coordinationv1.Lease, error) {
	leases := r.heartbeatClient.CoordinationV1().Leases(v1.NamespaceNodeLease)
	want := newLease(r.cfg, node, time.Now())
	got, err := leases.Create(ctx, want, metav1.CreateOptions{})
	if err == nil {
		return got, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create lease %s: %w", node.Name, err)
	}
	current, err := leases.Get(ctx, node.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get lease %s: %w", node.Name, err)
	}
	current.Spec = want.Spec
	current.OwnerReferences = want.OwnerReferences
	got, err = leases.Update(ctx, current, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update lease %s: %w", node.Name, err)
	}
	return got, nil
}

// renewLease bumps renewTime on the last lease we stored; on a conflict or
// a missing lease it re-reads or re-creates it.
func (r *Runner) renewLease(ctx context.Context, st *nodeState) error {
	leases := r.heartbeatClient.CoordinationV1().Leases(v1.NamespaceNodeLease)
	st.mu.Lock()
	lease := st.lease.DeepCopy()
	uid := st.uid
	st.mu.Unlock()

	now := metav1.NewMicroTime(time.Now())
	lease.Spec.RenewTime = &now
	got, err := leases.Update(ctx, lease, metav1.UpdateOptions{})
	switch {
	case err == nil:
	case apierrors.IsConflict(err):
		current, gerr := leases.Get(ctx, lease.Name, metav1.GetOptions{})
		if gerr != nil {
			return fmt.Errorf("renew lease %s: %w", lease.Name, gerr)
		}
		current.Spec = lease.Spec
		got, err = leases.Update(ctx, current, metav1.UpdateOptions{})
	case apierrors.IsNotFound(err):
		got, err = r.ensureLease(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: lease.Name, UID: types.UID(uid)}})
	}
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", lease.Name, err)
	}
	st.mu.Lock()
	st.lease = got
	st.mu.Unlock()
	return nil
}

// heartbeats renews every node's lease once per HeartbeatInterval, one slot
// of nodes at a time, through the shared worker pool. Stopped nodes and
// those not registered yet are skipped.
func (r *Runner) heartbeats(ctx context.Context, jobs chan<- func(context.Context)) {
	tick := r.cfg.HeartbeatInterval / heartbeatSlots
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	slot := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		for i := slot; i < len(r.nodes); i += heartbeatSlots {
			st := r.state[r.nodes[i].name]
			st.mu.Lock()
			registered := st.lease != nil
			st.mu.Unlock()
			if !registered || st.stopped.Load() {
				continue
			}
			job := func(ctx context.Context) {
				if err := r.renewLease(ctx, st); err != nil && ctx.Err() == nil {
					r.logger.Warn("lease renewal failed", "node", st.name, "err", err)
				}
			}
			select {
			case jobs <- job:
			case <-ctx.Done():
				return
			}
		}
		slot = (slot + 1) % heartbeatSlots
	}
}
