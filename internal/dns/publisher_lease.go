package dns

import (
	"context"
	"errors"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Each publishing server holds a Lease named like its EndpointSlice in
// kube-system and renews it; a server that died without withdrawing leaves
// a Lease that expires, and the other servers then remove its slice and
// address so the proxy stops sending queries to it.
const (
	leaseDuration      = 40 * time.Second
	leaseRenewInterval = 10 * time.Second
)

// renewLease creates or renews this server's Lease at now.
func (p *Publisher) renewLease(ctx context.Context, now time.Time) error {
	leases := p.client.CoordinationV1().Leases(ServiceNamespace)
	name := SliceName(p.cfg.NodeName)
	holder := p.cfg.NodeName
	seconds := int32(leaseDuration / time.Second)
	renew := metav1.NewMicroTime(now)
	cur, err := leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		lease := &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ServiceNamespace, Labels: map[string]string{
				discovery.LabelManagedBy: ManagedBy,
			}},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, AcquireTime: &renew, RenewTime: &renew},
		}
		if _, err := leases.Create(ctx, lease, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create lease %s/%s: %w", ServiceNamespace, name, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("get lease %s/%s: %w", ServiceNamespace, name, err)
	}
	next := cur.DeepCopy()
	next.Spec.HolderIdentity, next.Spec.LeaseDurationSeconds, next.Spec.RenewTime = &holder, &seconds, &renew
	if _, err := leases.Update(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("renew lease %s/%s: %w", ServiceNamespace, name, err)
	}
	return nil
}

// leaseExpired says whether a server's Lease no longer vouches for it at
// now; a missing Lease (nil) has expired.
func leaseExpired(lease *coordinationv1.Lease, now time.Time) bool {
	if lease == nil || lease.Spec.RenewTime == nil {
		return true
	}
	d := leaseDuration
	if s := lease.Spec.LeaseDurationSeconds; s != nil && *s > 0 {
		d = time.Duration(*s) * time.Second
	}
	return now.After(lease.Spec.RenewTime.Add(d))
}

// pruneStale removes the slices and Endpoints addresses of other servers
// whose Lease expired.
func (p *Publisher) pruneStale(ctx context.Context, now time.Time) error {
	selector := labels.SelectorFromSet(labels.Set{
		discovery.LabelServiceName: ServiceName,
		discovery.LabelManagedBy:   ManagedBy,
	})
	list, err := p.client.DiscoveryV1().EndpointSlices(ServiceNamespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return fmt.Errorf("list kube-dns endpointslices: %w", err)
	}
	own := SliceName(p.cfg.NodeName)
	var errs []error
	for _, s := range list.Items {
		if s.Name == own {
			continue
		}
		lease, err := p.client.CoordinationV1().Leases(ServiceNamespace).Get(ctx, s.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			lease, err = nil, nil
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !leaseExpired(lease, now) {
			continue
		}
		p.logger.Info("removing the endpoint of a DNS server whose lease expired", "slice", s.Name)
		err = p.client.DiscoveryV1().EndpointSlices(ServiceNamespace).Delete(ctx, s.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &s.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			errs = append(errs, err)
			continue
		}
		stale := map[string]bool{}
		for _, ep := range s.Endpoints {
			for _, a := range ep.Addresses {
				if a != p.cfg.Address {
					stale[a] = true
				}
			}
		}
		errs = append(errs, p.editEndpoints(ctx, func(subsets []v1.EndpointSubset) []v1.EndpointSubset {
			for ip := range stale {
				subsets = withoutAddress(subsets, ip)
			}
			return subsets
		}))
		if lease != nil {
			err := p.client.CoordinationV1().Leases(ServiceNamespace).Delete(ctx, s.Name, metav1.DeleteOptions{
				Preconditions: &metav1.Preconditions{UID: &lease.UID},
			})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// deleteLease drops this server's Lease on withdrawal.
func (p *Publisher) deleteLease(ctx context.Context) {
	err := p.client.CoordinationV1().Leases(ServiceNamespace).Delete(ctx, SliceName(p.cfg.NodeName), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		p.logger.Debug("withdraw lease", "err", err)
	}
}
