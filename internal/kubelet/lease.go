package kubelet

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Node lease, as upstream: renewed every 10 s, valid for 40 s.
const (
	leaseNamespace      = "kube-node-lease"
	leaseRenewInterval  = 10 * time.Second
	leaseDurationSecond = 40
)

func (k *Kubelet) runLease(ctx context.Context) {
	for {
		if err := k.renewLease(ctx, time.Now()); err != nil && ctx.Err() == nil {
			k.log.Warn("renewing the node lease failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(leaseRenewInterval):
		}
	}
}

// renewLease creates or renews the node's Lease, owned by its Node.
func (k *Kubelet) renewLease(ctx context.Context, now time.Time) error {
	leases := k.client.CoordinationV1().Leases(leaseNamespace)
	renew := metav1.NewMicroTime(now)
	lease, err := leases.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Namespace: leaseNamespace},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       ptr.To(k.cfg.NodeName),
				LeaseDurationSeconds: ptr.To[int32](leaseDurationSecond),
				RenewTime:            &renew,
			},
		}
		k.setLeaseOwner(ctx, lease)
		_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	lease.Spec.HolderIdentity = ptr.To(k.cfg.NodeName)
	lease.Spec.LeaseDurationSeconds = ptr.To[int32](leaseDurationSecond)
	lease.Spec.RenewTime = &renew
	if len(lease.OwnerReferences) == 0 {
		k.setLeaseOwner(ctx, lease)
	}
	_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	return err
}

// setLeaseOwner makes the Node own the Lease so deleting the Node removes it.
func (k *Kubelet) setLeaseOwner(ctx context.Context, lease *coordinationv1.Lease) {
	node, err := k.client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return
	}
	lease.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID,
	}}
}
