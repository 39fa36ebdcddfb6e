package podgc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "pod-garbage-collector-controller"

// Defaults as upstream: --terminated-pod-gc-threshold, the check period and
// the quarantine of nodes missing from the cache.
const (
	DefaultTerminatedPodGCThreshold = 12500
	DefaultCheckPeriod              = 20 * time.Second
	DefaultQuarantine               = 40 * time.Second
)

// Condition upstream puts on pods it collects from vanished nodes.
const (
	reasonDeletionByPodGC = "DeletionByPodGC"
	messageNodeGone       = "PodGC: node no longer exists"
)

// Options configure the controller; zero values mean the defaults.
type Options struct {
	// TerminatedPodGCThreshold keeps at most this many terminated pods;
	// negative disables that collection (zero means the default).
	TerminatedPodGCThreshold int
	CheckPeriod              time.Duration
	Quarantine               time.Duration
}

func (o *Options) defaults() {
	if o.TerminatedPodGCThreshold == 0 {
		o.TerminatedPodGCThreshold = DefaultTerminatedPodGCThreshold
	}
	if o.CheckPeriod <= 0 {
		o.CheckPeriod = DefaultCheckPeriod
	}
	if o.Quarantine <= 0 {
		o.Quarantine = DefaultQuarantine
	}
}

// Controller is the pod garbage collector. It runs one collection per check
// period instead of a per-key queue: every decision looks at all pods.
type Controller struct {
	opts       Options
	client     kubernetes.Interface
	pods       corelisters.PodLister
	nodes      corelisters.NodeLister
	synced     []cache.InformerSynced
	logger     *slog.Logger
	now        func() time.Time
	quarantine *quarantine
}

var _ controller.Controller = (*Controller)(nil)

// New builds the controller with default Options.
func New(cctx controller.Context) (controller.Controller, error) {
	return NewWithOptions(Options{})(cctx)
}

// NewWithOptions returns a Constructor using opts.
func NewWithOptions(opts Options) controller.Constructor {
	return func(cctx controller.Context) (controller.Controller, error) {
		opts.defaults()
		pods := cctx.Informers.Core().V1().Pods()
		nodes := cctx.Informers.Core().V1().Nodes()
		return &Controller{
			opts:       opts,
			client:     cctx.Client,
			pods:       pods.Lister(),
			nodes:      nodes.Lister(),
			synced:     []cache.InformerSynced{pods.Informer().HasSynced, nodes.Informer().HasSynced},
			logger:     cctx.Logger.With("controller", ControllerName),
			now:        time.Now,
			quarantine: newQuarantine(opts.Quarantine),
		}, nil
	}
}

func (c *Controller) Name() string { return ControllerName }

// Run collects once per check period until ctx ends.
func (c *Controller) Run(ctx context.Context, _ int) error {
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return err
	}
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if err := c.collect(ctx); err != nil && ctx.Err() == nil {
			c.logger.Warn("pod garbage collection incomplete", "err", err)
		}
	}, c.opts.CheckPeriod)
	return nil
}

// collect runs every collection once.
func (c *Controller) collect(ctx context.Context) error {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	nodeList, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	nodes := make(map[string]*v1.Node, len(nodeList))
	for _, n := range nodeList {
		nodes[n.Name] = n
	}
	var errs []error
	for _, p := range terminatedOverThreshold(pods, c.opts.TerminatedPodGCThreshold) {
		errs = append(errs, c.forceDelete(ctx, p, nil, "terminated pod over threshold"))
	}
	for _, p := range terminatingOnOutOfServiceNodes(pods, nodes) {
		errs = append(errs, c.forceDelete(ctx, p, nil, "terminating pod on out-of-service node"))
	}
	errs = append(errs, c.collectOrphans(ctx, pods, nodes))
	for _, p := range unscheduledTerminating(pods) {
		errs = append(errs, c.forceDelete(ctx, p, nil, "unscheduled terminating pod"))
	}
	return errors.Join(errs...)
}

// collectOrphans deletes the pods of nodes whose quarantine ended, once a
// live read confirms the node is really gone.
func (c *Controller) collectOrphans(ctx context.Context, pods []*v1.Pod, nodes map[string]*v1.Node) error {
	gone := map[string]bool{}
	var errs []error
	for _, name := range c.quarantine.expired(pods, nodes, c.now()) {
		_, err := c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			gone[name] = true
		case err == nil:
			c.quarantine.forget(name)
		default:
			errs = append(errs, fmt.Errorf("check node %s: %w", name, err))
		}
	}
	for _, p := range pods {
		if !gone[p.Spec.NodeName] {
			continue
		}
		cond := &v1.PodCondition{
			Type:    v1.DisruptionTarget,
			Status:  v1.ConditionTrue,
			Reason:  reasonDeletionByPodGC,
			Message: messageNodeGone,
		}
		errs = append(errs, c.forceDelete(ctx, p, cond, "orphaned pod"))
	}
	return errors.Join(errs...)
}

// forceDelete marks a pod that is not terminal yet as Failed (with cond,
// when given) and deletes it with a zero grace period.
func (c *Controller) forceDelete(ctx context.Context, pod *v1.Pod, cond *v1.PodCondition, why string) error {
	c.logger.Info("PodGC is force deleting Pod", "pod", pod.Namespace+"/"+pod.Name, "node", pod.Spec.NodeName, "why", why)
	pods := c.client.CoreV1().Pods(pod.Namespace)
	if !isTerminated(pod) {
		updated := pod.DeepCopy()
		updated.Status.Phase = v1.PodFailed
		if cond != nil {
			setCondition(&updated.Status, *cond, metav1.NewTime(c.now()))
		}
		_, err := pods.UpdateStatus(ctx, updated, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mark pod %s/%s failed: %w", pod.Namespace, pod.Name, err)
		}
	}
	zero := int64(0)
	err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// setCondition replaces or adds cond, moving its transition time only when
// its status changes.
func setCondition(status *v1.PodStatus, cond v1.PodCondition, now metav1.Time) {
	for i := range status.Conditions {
		existing := &status.Conditions[i]
		if existing.Type != cond.Type {
			continue
		}
		if existing.Status != cond.Status {
			existing.LastTransitionTime = now
		}
		existing.Status, existing.Reason, existing.Message = cond.Status, cond.Reason, cond.Message
		return
	}
	cond.LastTransitionTime = now
	status.Conditions = append(status.Conditions, cond)
}
