package replicaset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/nauta/nauta/internal/controller"
)

// owners hides whether the controller runs for ReplicaSets or
// ReplicationControllers: everything is handled as an apps/v1 ReplicaSet,
// and only reads and status writes know the real kind.
type owners interface {
	gvk() schema.GroupVersionKind
	informer() cache.SharedIndexInformer
	// get reads one owner from the cache.
	get(namespace, name string) (*appsv1.ReplicaSet, error)
	// list reads every owner of namespace from the cache.
	list(namespace string) ([]*appsv1.ReplicaSet, error)
	// fetch reads one owner from the API server, bypassing the cache.
	fetch(ctx context.Context, namespace, name string) (*appsv1.ReplicaSet, error)
	// updateStatus writes status to the owner rs was read as.
	updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) error
	// fromObject converts an informer object (or tombstone content).
	fromObject(obj any) (*appsv1.ReplicaSet, bool)
}

// replicaSets serves apps/v1 ReplicaSets.
type replicaSets struct {
	client kubernetes.Interface
	inf    cache.SharedIndexInformer
	lister appslisters.ReplicaSetLister
	// written holds status writes the informer has not shown yet.
	written *controller.OwnWrites[*appsv1.ReplicaSet]
}

func newReplicaSets(cctx controller.Context) (*replicaSets, error) {
	i := cctx.Informers.Apps().V1().ReplicaSets()
	written, err := controller.NewOwnWrites[*appsv1.ReplicaSet](i.Informer())
	if err != nil {
		return nil, err
	}
	return &replicaSets{client: cctx.Client, inf: i.Informer(), lister: i.Lister(), written: written}, nil
}

func (r *replicaSets) gvk() schema.GroupVersionKind {
	return appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
}
func (r *replicaSets) informer() cache.SharedIndexInformer { return r.inf }
func (r *replicaSets) get(namespace, name string) (*appsv1.ReplicaSet, error) {
	rs, err := r.lister.ReplicaSets(namespace).Get(name)
	if err != nil {
		return nil, err
	}
	return r.written.Latest(rs), nil
}
func (r *replicaSets) list(namespace string) ([]*appsv1.ReplicaSet, error) {
	return r.lister.ReplicaSets(namespace).List(labels.Everything())
}
func (r *replicaSets) fetch(ctx context.Context, namespace, name string) (*appsv1.ReplicaSet, error) {
	return r.client.AppsV1().ReplicaSets(namespace).Get(ctx, name, metav1.GetOptions{})
}
func (r *replicaSets) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) error {
	c := rs.DeepCopy()
	c.Status = status
	updated, err := r.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, c, metav1.UpdateOptions{})
	if err == nil {
		r.written.Wrote(rs.ResourceVersion, updated)
	}
	if !apierrors.IsConflict(err) {
		return err
	}
	// The cache was behind: retry once on a fresh read of the same spec.
	fresh, getErr := r.client.AppsV1().ReplicaSets(rs.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
	if getErr != nil || !sameSpecVersion(&fresh.ObjectMeta, &rs.ObjectMeta) {
		return err
	}
	basedOn := fresh.ResourceVersion
	fresh.Status = status
	if updated, err = r.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, fresh, metav1.UpdateOptions{}); err == nil {
		r.written.Wrote(basedOn, updated)
	}
	return err
}

// sameSpecVersion reports whether fresh is the object synced (same UID and
// generation), so a status computed for synced is still right for it.
func sameSpecVersion(fresh, synced *metav1.ObjectMeta) bool {
	return fresh.UID == synced.UID && fresh.Generation == synced.Generation
}
func (r *replicaSets) fromObject(obj any) (*appsv1.ReplicaSet, bool) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	return rs, ok
}

// replicationControllers serves core/v1 ReplicationControllers by
// converting them to ReplicaSets.
type replicationControllers struct {
	client kubernetes.Interface
	inf    cache.SharedIndexInformer
	lister corelisters.ReplicationControllerLister
}

func newReplicationControllers(cctx controller.Context) *replicationControllers {
	i := cctx.Informers.Core().V1().ReplicationControllers()
	return &replicationControllers{client: cctx.Client, inf: i.Informer(), lister: i.Lister()}
}

func (r *replicationControllers) gvk() schema.GroupVersionKind {
	return v1.SchemeGroupVersion.WithKind("ReplicationController")
}
func (r *replicationControllers) informer() cache.SharedIndexInformer { return r.inf }
func (r *replicationControllers) get(namespace, name string) (*appsv1.ReplicaSet, error) {
	rc, err := r.lister.ReplicationControllers(namespace).Get(name)
	if err != nil {
		return nil, err
	}
	return rcToReplicaSet(rc), nil
}
func (r *replicationControllers) list(namespace string) ([]*appsv1.ReplicaSet, error) {
	rcs, err := r.lister.ReplicationControllers(namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	out := make([]*appsv1.ReplicaSet, 0, len(rcs))
	for _, rc := range rcs {
		out = append(out, rcToReplicaSet(rc))
	}
	return out, nil
}
func (r *replicationControllers) fetch(ctx context.Context, namespace, name string) (*appsv1.ReplicaSet, error) {
	rc, err := r.client.CoreV1().ReplicationControllers(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return rcToReplicaSet(rc), nil
}
func (r *replicationControllers) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) error {
	rc, err := r.lister.ReplicationControllers(rs.Namespace).Get(rs.Name)
	if err != nil {
		return err
	}
	if rc.UID != rs.UID {
		return fmt.Errorf("replication controller %s/%s was replaced", rs.Namespace, rs.Name)
	}
	c := rc.DeepCopy()
	c.Status = rcStatus(status)
	_, err = r.client.CoreV1().ReplicationControllers(rs.Namespace).UpdateStatus(ctx, c, metav1.UpdateOptions{})
	if !apierrors.IsConflict(err) {
		return err
	}
	// The cache was behind: retry once on a fresh read of the same spec.
	fresh, getErr := r.client.CoreV1().ReplicationControllers(rs.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
	if getErr != nil || !sameSpecVersion(&fresh.ObjectMeta, &rs.ObjectMeta) {
		return err
	}
	fresh.Status = rcStatus(status)
	_, err = r.client.CoreV1().ReplicationControllers(rs.Namespace).UpdateStatus(ctx, fresh, metav1.UpdateOptions{})
	return err
}

func rcStatus(status appsv1.ReplicaSetStatus) v1.ReplicationControllerStatus {
	out := v1.ReplicationControllerStatus{
		Replicas:             status.Replicas,
		FullyLabeledReplicas: status.FullyLabeledReplicas,
		ReadyReplicas:        status.ReadyReplicas,
		AvailableReplicas:    status.AvailableReplicas,
		ObservedGeneration:   status.ObservedGeneration,
	}
	for _, cond := range status.Conditions {
		out.Conditions = append(out.Conditions, v1.ReplicationControllerCondition{
			Type:               v1.ReplicationControllerConditionType(cond.Type),
			Status:             cond.Status,
			LastTransitionTime: cond.LastTransitionTime,
			Reason:             cond.Reason,
			Message:            cond.Message,
		})
	}
	return out
}
func (r *replicationControllers) fromObject(obj any) (*appsv1.ReplicaSet, bool) {
	rc, ok := obj.(*v1.ReplicationController)
	if !ok {
		return nil, false
	}
	return rcToReplicaSet(rc), true
}

// rcToReplicaSet views a ReplicationController as a ReplicaSet: the map
// selector becomes matchLabels (defaulting to the template's labels, as
// the API does), everything else maps field by field.
func rcToReplicaSet(rc *v1.ReplicationController) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ReplicationController"},
		ObjectMeta: *rc.ObjectMeta.DeepCopy(),
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        rc.Spec.Replicas,
			MinReadySeconds: rc.Spec.MinReadySeconds,
		},
		Status: appsv1.ReplicaSetStatus{
			Replicas:             rc.Status.Replicas,
			FullyLabeledReplicas: rc.Status.FullyLabeledReplicas,
			ReadyReplicas:        rc.Status.ReadyReplicas,
			AvailableReplicas:    rc.Status.AvailableReplicas,
			ObservedGeneration:   rc.Status.ObservedGeneration,
		},
	}
	selector := rc.Spec.Selector
	if rc.Spec.Template != nil {
		rs.Spec.Template = *rc.Spec.Template.DeepCopy()
		if len(selector) == 0 {
			selector = rc.Spec.Template.Labels
		}
	}
	rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: selector}
	for _, c := range rc.Status.Conditions {
		rs.Status.Conditions = append(rs.Status.Conditions, appsv1.ReplicaSetCondition{
			Type:               appsv1.ReplicaSetConditionType(c.Type),
			Status:             c.Status,
			LastTransitionTime: c.LastTransitionTime,
			Reason:             c.Reason,
			Message:            c.Message,
		})
	}
	return rs
}
