package nodeipam

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "node-ipam-controller"

// Defaults, as Nauta's --cluster-cidr and upstream's --node-cidr-mask-size*.
const (
	DefaultClusterCIDR          = "10.42.0.0/16"
	DefaultNodeCIDRMaskSizeIPv4 = 24
	DefaultNodeCIDRMaskSizeIPv6 = 64
)

// Options configure the controller.
type Options struct {
	// ClusterCIDR is one CIDR, or an IPv4 and an IPv6 CIDR separated by a
	// comma for dual-stack (upstream --cluster-cidr).
	ClusterCIDR string
	// NodeCIDRMaskSizeIPv4 and NodeCIDRMaskSizeIPv6 are the node range
	// sizes (upstream --node-cidr-mask-size-ipv4/-ipv6).
	NodeCIDRMaskSizeIPv4 int
	NodeCIDRMaskSizeIPv6 int
}

func (o *Options) defaults() {
	if o.ClusterCIDR == "" {
		o.ClusterCIDR = DefaultClusterCIDR
	}
	if o.NodeCIDRMaskSizeIPv4 == 0 {
		o.NodeCIDRMaskSizeIPv4 = DefaultNodeCIDRMaskSizeIPv4
	}
	if o.NodeCIDRMaskSizeIPv6 == 0 {
		o.NodeCIDRMaskSizeIPv6 = DefaultNodeCIDRMaskSizeIPv6
	}
}

// parseSets builds one cidrSet per family, IPv4 first when both.
func (o Options) parseSets() ([]*cidrSet, error) {
	var sets []*cidrSet
	seen := map[bool]bool{}
	for _, s := range strings.Split(o.ClusterCIDR, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("cluster CIDR %q: %w", s, err)
		}
		v4 := p.Addr().Is4()
		if seen[v4] {
			return nil, fmt.Errorf("cluster CIDR %q: at most one CIDR per IP family", o.ClusterCIDR)
		}
		seen[v4] = true
		mask := o.NodeCIDRMaskSizeIPv6
		if v4 {
			mask = o.NodeCIDRMaskSizeIPv4
		}
		set, err := newCIDRSet(p, mask)
		if err != nil {
			return nil, err
		}
		sets = append(sets, set)
	}
	return sets, nil
}

// Controller allocates node pod CIDRs.
type Controller struct {
	client kubernetes.Interface
	lister corelisters.NodeLister
	synced cache.InformerSynced
	queue  workqueue.TypedRateLimitingInterface[string]
	events record.EventRecorder
	logger *slog.Logger

	mu   sync.Mutex
	sets []*cidrSet
	// owned maps node names to the ranges this controller counts as
	// theirs, so a deleted node's ranges can be released.
	owned map[string][]netip.Prefix
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New builds the controller with default Options.
func New(cctx controller.Context) (controller.Controller, error) {
	return NewWithOptions(Options{})(cctx)
}

// NewWithOptions returns a Constructor using opts.
func NewWithOptions(opts Options) controller.Constructor {
	return func(cctx controller.Context) (controller.Controller, error) {
		opts.defaults()
		sets, err := opts.parseSets()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ControllerName, err)
		}
		informer := cctx.Informers.Core().V1().Nodes()
		c := &Controller{
			client: cctx.Client,
			lister: informer.Lister(),
			synced: informer.Informer().HasSynced,
			queue:  controller.NewQueue("node_ipam", cctx.QueueMetrics),
			logger: cctx.Logger.With("controller", ControllerName),
			sets:   sets,
			owned:  map[string][]netip.Prefix{},
		}
		enqueue := func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if node, ok := obj.(*v1.Node); ok {
				c.queue.Add(node.Name)
			}
		}
		_, err = informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    enqueue,
			UpdateFunc: func(_, obj any) { enqueue(obj) },
			DeleteFunc: enqueue,
		})
		if err != nil {
			return nil, fmt.Errorf("%s: add event handler: %w", ControllerName, err)
		}
		return c, nil
	}
}

func (c *Controller) Name() string { return ControllerName }

// Run rebuilds the allocated set from the synced nodes before any worker
// allocates, so existing ranges are never handed out twice.
func (c *Controller) Run(ctx context.Context, workers int) error {
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced); err != nil {
		return err
	}
	nodes, err := c.lister.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("%s: list nodes: %w", ControllerName, err)
	}
	c.mu.Lock()
	for _, n := range nodes {
		c.occupyLocked(n)
	}
	c.mu.Unlock()
	c.events = startRecorder(ctx, c.client)
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// occupyLocked records the ranges node already has.
func (c *Controller) occupyLocked(node *v1.Node) {
	var mine []netip.Prefix
	for _, s := range nodeCIDRs(node) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			continue
		}
		for _, set := range c.sets {
			if set.occupy(p) {
				mine = append(mine, p.Masked())
			}
		}
	}
	if len(mine) > 0 {
		c.owned[node.Name] = mine
	}
}

func nodeCIDRs(node *v1.Node) []string {
	if len(node.Spec.PodCIDRs) > 0 {
		return node.Spec.PodCIDRs
	}
	if node.Spec.PodCIDR != "" {
		return []string{node.Spec.PodCIDR}
	}
	return nil
}

// Reconcile gives the node ranges when it has none and releases the ranges
// of a deleted node.
func (c *Controller) Reconcile(ctx context.Context, name string) error {
	node, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		c.releaseNode(name)
		return nil
	}
	if err != nil {
		return err
	}
	if len(nodeCIDRs(node)) > 0 {
		c.mu.Lock()
		c.occupyLocked(node)
		c.mu.Unlock()
		return nil
	}
	cidrs, err := c.allocate(name)
	if err != nil {
		c.logger.Warn("no pod CIDR for node", "node", name, "reason", eventCIDRNotAvailable, "err", err)
		c.events.Eventf(nodeRef(name), v1.EventTypeNormal, eventCIDRNotAvailable, "Node %s status is now: %s", name, eventCIDRNotAvailable)
		return err
	}
	strs := make([]string, len(cidrs))
	for i, p := range cidrs {
		strs[i] = p.String()
	}
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"podCIDR": strs[0], "podCIDRs": strs}})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		// Give the ranges back unless the node meanwhile got them some other
		// way; the next reconcile sees the node as it is.
		c.releaseNode(name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("set pod CIDRs of node %s: %w", name, err)
	}
	c.logger.Info("allocated pod CIDRs", "node", name, "podCIDRs", strs)
	return nil
}

func (c *Controller) allocate(name string) ([]netip.Prefix, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mine := c.owned[name]; len(mine) > 0 {
		return mine, nil
	}
	var out []netip.Prefix
	for _, set := range c.sets {
		p, err := set.allocateNext()
		if err != nil {
			for i, q := range out {
				c.sets[i].release(q)
			}
			return nil, err
		}
		out = append(out, p)
	}
	c.owned[name] = out
	return out, nil
}

func (c *Controller) releaseNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.owned[name] {
		for _, set := range c.sets {
			set.release(p)
		}
		c.logger.Info("released pod CIDR", "node", name, "podCIDR", p.String())
	}
	delete(c.owned, name)
}
