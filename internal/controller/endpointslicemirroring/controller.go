package endpointslicemirroring

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "endpointslice-mirroring-controller"

// ManagedBy is the managed-by label value of mirrored slices.
const ManagedBy = "endpointslicemirroring-controller.k8s.io"

// maxEndpoints is how many addresses of one Endpoints are mirrored, as
// upstream (the rest is dropped with a warning).
const maxEndpoints = 1000

// Controller mirrors selectorless Services' Endpoints into EndpointSlices.
type Controller struct {
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	endpoints corelisters.EndpointsLister
	slices    discoverylisters.EndpointSliceLister
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	logger    *slog.Logger
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the Service, Endpoints and EndpointSlice informers. Keys
// are "namespace/name" of Endpoints (= of Services).
func New(cctx controller.Context) (controller.Controller, error) {
	f := cctx.Informers
	svcInformer := f.Core().V1().Services()
	epInformer := f.Core().V1().Endpoints()
	sliceInformer := f.Discovery().V1().EndpointSlices()
	c := &Controller{
		client:    cctx.Client,
		services:  svcInformer.Lister(),
		endpoints: epInformer.Lister(),
		slices:    sliceInformer.Lister(),
		synced: []cache.InformerSynced{svcInformer.Informer().HasSynced, epInformer.Informer().HasSynced,
			sliceInformer.Informer().HasSynced},
		queue:  controller.NewQueue("endpoint_slice_mirroring", cctx.QueueMetrics),
		logger: cctx.Logger.With("controller", ControllerName),
	}
	for _, inf := range []cache.SharedIndexInformer{svcInformer.Informer(), epInformer.Informer()} {
		if _, err := inf.AddEventHandler(controller.KeyHandler(c.queue)); err != nil {
			return nil, err
		}
	}
	enqueueSlice := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		s, ok := obj.(*discovery.EndpointSlice)
		if !ok || s.Labels[discovery.LabelManagedBy] != ManagedBy || s.Labels[discovery.LabelServiceName] == "" {
			return
		}
		c.queue.Add(s.Namespace + "/" + s.Labels[discovery.LabelServiceName])
	}
	if _, err := sliceInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueueSlice,
		UpdateFunc: func(_, obj any) { enqueueSlice(obj) },
		DeleteFunc: enqueueSlice,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Name returns ControllerName.
func (c *Controller) Name() string { return ControllerName }

// Run waits for the caches and runs workers until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	defer c.queue.ShutDown()
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return nil
	}
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// Reconcile converges the mirrored slices of one Endpoints object.
func (c *Controller) Reconcile(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	var want []*discovery.EndpointSlice
	ep, err := c.endpoints.Endpoints(ns).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	svc, serr := c.services.Services(ns).Get(name)
	if serr != nil && !apierrors.IsNotFound(serr) {
		return serr
	}
	if err == nil && serr == nil && mirrored(svc, ep) {
		want = desiredSlices(ep)
	}
	existing, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
		discovery.LabelManagedBy:   ManagedBy,
		discovery.LabelServiceName: name,
	}))
	if err != nil {
		return err
	}
	have := map[string]*discovery.EndpointSlice{}
	for _, s := range existing {
		have[s.Name] = s
	}
	client := c.client.DiscoveryV1().EndpointSlices(ns)
	for _, w := range want {
		cur, ok := have[w.Name]
		delete(have, w.Name)
		switch {
		case !ok:
			if _, err := client.Create(ctx, w, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("create endpointslice %s/%s: %w", ns, w.Name, err)
			}
		case cur.AddressType != w.AddressType:
			// The address type is immutable: replace the slice.
			if err := client.Delete(ctx, cur.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cur.UID}}); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete endpointslice %s/%s: %w", ns, cur.Name, err)
			}
			return controller.RequeueAfter(0, "address type changed")
		case !sameSlice(cur, w):
			upd := cur.DeepCopy()
			upd.Labels, upd.Annotations = w.Labels, w.Annotations
			upd.Endpoints, upd.Ports = w.Endpoints, w.Ports
			upd.OwnerReferences = w.OwnerReferences
			if _, err := client.Update(ctx, upd, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				return fmt.Errorf("update endpointslice %s/%s: %w", ns, w.Name, err)
			}
		}
	}
	for _, s := range have {
		if err := client.Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &s.UID}}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("delete endpointslice %s/%s: %w", ns, s.Name, err)
		}
	}
	return nil
}

// mirrored reports whether ep of svc is mirrored: svc has no selector and
// ep does not opt out.
func mirrored(svc *v1.Service, ep *v1.Endpoints) bool {
	return svc.Spec.Selector == nil && ep.Labels[discovery.LabelSkipMirror] != "true" && ep.DeletionTimestamp == nil
}

// desiredSlices turns each subset of ep into one slice per address type.
func desiredSlices(ep *v1.Endpoints) []*discovery.EndpointSlice {
	var out []*discovery.EndpointSlice
	total := 0
	for _, subset := range ep.Subsets {
		byType := map[discovery.AddressType]*discovery.EndpointSlice{}
		var order []discovery.AddressType
		add := func(a v1.EndpointAddress, ready bool) {
			if total >= maxEndpoints {
				return
			}
			ip, err := netip.ParseAddr(a.IP)
			if err != nil {
				return
			}
			t := discovery.AddressTypeIPv4
			if ip.Is6() {
				t = discovery.AddressTypeIPv6
			}
			s, ok := byType[t]
			if !ok {
				s = &discovery.EndpointSlice{AddressType: t, Ports: slicePorts(subset.Ports)}
				byType[t] = s
				order = append(order, t)
			}
			e := discovery.Endpoint{
				Addresses: []string{a.IP},
				Conditions: discovery.EndpointConditions{
					Ready: ptr.To(ready), Serving: ptr.To(ready), Terminating: ptr.To(false),
				},
				TargetRef: a.TargetRef,
				NodeName:  a.NodeName,
			}
			if a.Hostname != "" {
				e.Hostname = ptr.To(a.Hostname)
			}
			s.Endpoints = append(s.Endpoints, e)
			total++
		}
		for _, a := range subset.Addresses {
			add(a, true)
		}
		for _, a := range subset.NotReadyAddresses {
			add(a, false)
		}
		for _, t := range order {
			out = append(out, byType[t])
		}
	}
	for i, s := range out {
		s.Name = ep.Name + "-" + strconv.Itoa(i)
		s.Namespace = ep.Namespace
		s.Labels = map[string]string{}
		for k, v := range ep.Labels {
			s.Labels[k] = v
		}
		s.Labels[discovery.LabelManagedBy] = ManagedBy
		s.Labels[discovery.LabelServiceName] = ep.Name
		for k, v := range ep.Annotations {
			if k == v1.EndpointsLastChangeTriggerTime || k == v1.LastAppliedConfigAnnotation {
				continue
			}
			if s.Annotations == nil {
				s.Annotations = map[string]string{}
			}
			s.Annotations[k] = v
		}
		s.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "Endpoints", Name: ep.Name, UID: ep.UID,
			Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
		}}
	}
	return out
}

func slicePorts(ports []v1.EndpointPort) []discovery.EndpointPort {
	out := make([]discovery.EndpointPort, 0, len(ports))
	for _, p := range ports {
		out = append(out, discovery.EndpointPort{
			Name: ptr.To(p.Name), Port: ptr.To(p.Port), Protocol: ptr.To(p.Protocol), AppProtocol: p.AppProtocol,
		})
	}
	return out
}

func sameSlice(a, b *discovery.EndpointSlice) bool {
	return apiequality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		apiequality.Semantic.DeepEqual(a.Annotations, b.Annotations) &&
		apiequality.Semantic.DeepEqual(a.Endpoints, b.Endpoints) &&
		apiequality.Semantic.DeepEqual(a.Ports, b.Ports) &&
		apiequality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences)
}
