package simnode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/apiserver/inprocess"
)

// Runner runs a set of simulated nodes.
type Runner struct {
	cfg    Config
	client kubernetes.Interface
	// heartbeatClient renews leases and posts node status with its own
	// rate limit: 5,000 nodes renew 500 leases a second, which would
	// otherwise use up the budget the pod status reports need.
	heartbeatClient kubernetes.Interface
	logger          *slog.Logger
	nodes           []simNode
	// state is keyed by node name; the map itself never changes after New.
	state map[string]*nodeState
	ipam  *ipam
	queue workqueue.TypedRateLimitingInterface[string]
	// nodeQueue holds names of our nodes that were deleted and must be
	// registered again, as a kubelet does.
	nodeQueue workqueue.TypedRateLimitingInterface[string]

	podInformer  cache.SharedIndexInformer
	nodeInformer cache.SharedIndexInformer
	nodeLister   corelisters.NodeLister

	deletingMu sync.Mutex
	deleting   map[string]time.Time // pod key → when its deletion was first seen

	ready   chan struct{}
	started atomic.Bool
}

// ErrAlreadyStarted is returned by a second call of Run.
var ErrAlreadyStarted = errors.New("simulated nodes already started")

// nodeState is what the runner keeps per node between heartbeats.
type nodeState struct {
	name    string
	node    simNode
	stopped atomic.Bool

	mu    sync.Mutex
	uid   string
	lease *coordinationv1.Lease
}

// New validates cfg and prepares a Runner; nothing talks to the API server
// before Run.
func New(cfg Config) (*Runner, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	restCfg := rest.CopyConfig(cfg.RESTConfig)
	if restCfg.QPS < cfg.QPS {
		restCfg.QPS = cfg.QPS
	}
	if restCfg.Burst < cfg.Burst {
		restCfg.Burst = cfg.Burst
	}
	// Protobuf halves the cost of watching 100,000 pods on both ends.
	restCfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	restCfg.ContentType = "application/vnd.kubernetes.protobuf"
	if restCfg.UserAgent == "" {
		restCfg.UserAgent = "nauta-simnode"
	}
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("simulated nodes client: %w", err)
	}
	// A second clientset from the same config gets its own token bucket.
	heartbeatClient, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("simulated nodes heartbeat client: %w", err)
	}
	r := &Runner{
		cfg:             cfg,
		client:          client,
		heartbeatClient: heartbeatClient,
		logger:          cfg.Logger.With("component", "simnode"),
		nodes:           newSimNodes(cfg),
		state:           map[string]*nodeState{},
		ipam:            newIPAM(),
		deleting:        map[string]time.Time{},
		ready:           make(chan struct{}),
	}
	for _, n := range r.nodes {
		r.state[n.name] = &nodeState{name: n.name, node: n}
	}
	r.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "simnode_pods"},
	)
	r.nodeQueue = workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "simnode_nodes"},
	)
	return r, nil
}

// NodeNames lists the simulated nodes' names.
func (r *Runner) NodeNames() []string {
	names := make([]string, len(r.nodes))
	for i, n := range r.nodes {
		names[i] = n.name
	}
	return names
}

// Ready is closed once every node and lease is registered and the pod
// informer has synced.
func (r *Runner) Ready() <-chan struct{} { return r.ready }

// StopHeartbeat stops renewing the lease and posting the status of one
// node, so that the node lifecycle controller sees it fail. Its pods are
// left as they are. Unknown names are ignored.
func (r *Runner) StopHeartbeat(node string) {
	if st, ok := r.state[node]; ok {
		st.stopped.Store(true)
		r.logger.Info("heartbeat stopped", "node", node)
	}
}

// ResumeHeartbeat undoes StopHeartbeat.
func (r *Runner) ResumeHeartbeat(node string) {
	if st, ok := r.state[node]; ok {
		st.stopped.Store(false)
		r.logger.Info("heartbeat resumed", "node", node)
		// Register it again: recreates it when it was deleted while
		// stopped, and otherwise posts a Ready status at once, as a
		// kubelet does when its computed status differs from the stored
		// one (the node lifecycle controller set Ready=Unknown).
		if r.nodeLister != nil {
			r.nodeQueue.Add(node)
		}
		// Its pods were left alone while stopped: look at them again.
		if r.podInformer != nil {
			for _, obj := range r.podInformer.GetIndexer().List() {
				if pod, ok := obj.(*v1.Pod); ok && pod.Spec.NodeName == node {
					r.onPod(pod)
				}
			}
		}
	}
}

// Run registers the nodes and their leases, then keeps them alive and plays
// kubelet for their pods until ctx ends. It returns nil on a clean stop. A
// Runner runs once.
func (r *Runner) Run(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return ErrAlreadyStarted
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // runs before wg.Wait

	// Leases and node status share a small pool so that a flood of pods
	// never delays heartbeats. Heartbeats start with the first registered
	// node: registering thousands takes longer than a lease lasts.
	jobs := make(chan func(context.Context))
	for range max(4, r.cfg.Workers/2) {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case job := <-jobs:
					job(ctx)
				}
			}
		})
	}
	wg.Go(func() { r.heartbeats(ctx, jobs) })

	start := time.Now()
	if err := r.registerAll(ctx); err != nil {
		return err
	}
	r.logger.Info("simulated nodes registered", "nodes", len(r.nodes), "took", time.Since(start).Round(time.Millisecond))

	selectNodes := func(o *metav1.ListOptions) { o.LabelSelector = LabelType + "=" + LabelTypeValue }
	// Pods can only be filtered server-side by "bound to some node"; ours are
	// picked out in the handlers.
	selectPods := func(o *metav1.ListOptions) { o.FieldSelector = "spec.nodeName!=" }
	// In the server's process the informers take the server's own objects,
	// which cost no memory of their own and must not be trimmed.
	inProcess := inprocess.FromConfig(r.cfg.RESTConfig)
	nodeInformer, sharedNodes := inProcess.NewInformer(&v1.Node{}, metav1.NamespaceAll, selectNodes, cache.Indexers{})
	if !sharedNodes {
		nodeInformer = coreinformers.NewFilteredNodeInformer(r.client, 0, cache.Indexers{}, selectNodes)
	}
	podInformer, sharedPods := inProcess.NewInformer(&v1.Pod{}, metav1.NamespaceAll, selectPods, cache.Indexers{})
	if !sharedPods {
		podInformer = coreinformers.NewFilteredPodInformer(r.client, metav1.NamespaceAll, 0, cache.Indexers{}, selectPods)
		if err := podInformer.SetTransform(trimPod); err != nil {
			return fmt.Errorf("simulated nodes: pod transform: %w", err)
		}
	}
	r.nodeInformer, r.podInformer = nodeInformer, podInformer
	r.nodeLister = corelisters.NewNodeLister(r.nodeInformer.GetIndexer())
	if _, err := r.nodeInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    r.onNode,
		UpdateFunc: func(_, obj any) { r.onNode(obj) },
		DeleteFunc: r.onNodeDelete,
	}); err != nil {
		return fmt.Errorf("simulated nodes: node handler: %w", err)
	}
	if _, err := r.podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    r.onPod,
		UpdateFunc: func(_, obj any) { r.onPod(obj) },
		DeleteFunc: r.onPodDelete,
	}); err != nil {
		return fmt.Errorf("simulated nodes: pod handler: %w", err)
	}

	wg.Go(func() { r.nodeInformer.RunWithContext(ctx) })
	wg.Go(func() { r.podInformer.RunWithContext(ctx) })
	if !cache.WaitForNamedCacheSyncWithContext(ctx, r.nodeInformer.HasSynced, r.podInformer.HasSynced) {
		return nil
	}

	wg.Go(func() { r.statusReports(ctx, jobs) })
	for range r.cfg.PodWorkers {
		wg.Go(func() {
			for r.processNextPod(ctx) {
			}
		})
	}
	wg.Go(func() {
		for r.processNextNode(ctx) {
		}
	})
	close(r.ready)
	r.logger.Info("simulated nodes running", "nodes", len(r.nodes))
	<-ctx.Done()
	r.queue.ShutDown()
	r.nodeQueue.ShutDown()
	return nil
}

// registerAll registers every node and its lease through Workers
// goroutines.
func (r *Runner) registerAll(ctx context.Context) error {
	idx := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Go(func() {
			for i := range idx {
				if err := r.register(ctx, r.nodes[i]); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
feed:
	for i := range r.nodes {
		select {
		case idx <- i:
		case <-ctx.Done():
			break feed
		case err := <-errs:
			close(idx)
			wg.Wait()
			return fmt.Errorf("simulated nodes: %w", err)
		}
	}
	close(idx)
	wg.Wait()
	select {
	case err := <-errs:
		return fmt.Errorf("simulated nodes: %w", err)
	default:
	}
	return ctx.Err()
}

func (r *Runner) register(ctx context.Context, n simNode) error {
	node, err := r.registerNode(ctx, n)
	if err != nil {
		return err
	}
	lease, err := r.ensureLease(ctx, node)
	if err != nil {
		return err
	}
	st := r.state[n.name]
	st.mu.Lock()
	st.uid = string(node.UID)
	st.lease = lease
	st.mu.Unlock()
	return nil
}

func (r *Runner) onNodeDelete(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	node, ok := obj.(*v1.Node)
	if !ok {
		return
	}
	if st, ours := r.state[node.Name]; ours && !st.stopped.Load() {
		r.nodeQueue.Add(node.Name)
	}
}

// onNode notices one of our live nodes shown not Ready (the node
// lifecycle controller marks a node Unknown when its lease went stale):
// like a kubelet whose computed status differs from the stored one, the
// simulator posts its status again at once instead of at the next
// status report.
func (r *Runner) onNode(obj any) {
	node, ok := obj.(*v1.Node)
	if !ok {
		return
	}
	st, ours := r.state[node.Name]
	if !ours || st.stopped.Load() {
		return
	}
	for _, c := range node.Status.Conditions {
		if c.Type == v1.NodeReady && c.Status == v1.ConditionTrue {
			return
		}
	}
	r.nodeQueue.Add(node.Name)
}

// processNextNode brings one of our nodes back: it registers a deleted
// node (and its lease) again, and posts the status and renews the lease
// of one shown not Ready.
func (r *Runner) processNextNode(ctx context.Context) bool {
	name, shutdown := r.nodeQueue.Get()
	if shutdown {
		return false
	}
	defer r.nodeQueue.Done(name)
	st := r.state[name]
	if st.stopped.Load() {
		r.nodeQueue.Forget(name)
		return true
	}
	err := r.refreshNode(ctx, st)
	if errors.Is(err, errNodeGone) {
		err = r.register(ctx, st.node)
		if err == nil {
			r.logger.Info("node registered again after deletion", "node", name)
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			r.logger.Warn("bringing node back failed, will retry", "node", name, "err", err)
			r.nodeQueue.AddRateLimited(name)
		}
		return true
	}
	r.nodeQueue.Forget(name)
	return true
}

// errNodeGone: the node to refresh does not exist (any more).
var errNodeGone = errors.New("node does not exist")

// refreshNode renews the lease of an existing node and posts its Ready
// status; errNodeGone when the node or its lease is missing.
func (r *Runner) refreshNode(ctx context.Context, st *nodeState) error {
	if _, err := r.nodeLister.Get(st.name); err != nil {
		return errNodeGone
	}
	st.mu.Lock()
	registered := st.lease != nil
	st.mu.Unlock()
	if !registered {
		return errNodeGone
	}
	if err := r.renewLease(ctx, st); err != nil {
		return err
	}
	return r.postStatus(ctx, st.name)
}

// statusReports re-posts every node's conditions once per StatusInterval
// with fresh heartbeat times, like the kubelet does even when nothing
// changed.
func (r *Runner) statusReports(ctx context.Context, jobs chan<- func(context.Context)) {
	ticker := time.NewTicker(r.cfg.StatusInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		for _, n := range r.nodes {
			if r.state[n.name].stopped.Load() {
				continue
			}
			job := func(ctx context.Context) {
				if err := r.postStatus(ctx, n.name); err != nil && ctx.Err() == nil {
					r.logger.Warn("node status report failed", "node", n.name, "err", err)
				}
			}
			select {
			case jobs <- job:
			case <-ctx.Done():
				return
			}
		}
	}
}

// postStatus patches the node's conditions with fresh heartbeat times.
func (r *Runner) postStatus(ctx context.Context, name string) error {
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": heartbeatConditions(metav1.Now())}})
	if err != nil {
		return err
	}
	_, err = r.heartbeatClient.CoreV1().Nodes().Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("post status of node %s: %w", name, err)
	}
	return nil
}

// heartbeatConditions is the strategic-merge-patch body of a status
// report: conditions merge by type, so lastTransitionTime stays as stored.
func heartbeatConditions(now metav1.Time) []map[string]any {
	var out []map[string]any
	for _, c := range nodeConditions(now) {
		out = append(out, map[string]any{
			"type": c.Type, "status": c.Status, "reason": c.Reason, "message": c.Message,
			"lastHeartbeatTime": now,
		})
	}
	return out
}

// ours says whether a pod is bound to one of this runner's nodes.
func (r *Runner) ours(pod *v1.Pod) bool {
	_, ok := r.state[pod.Spec.NodeName]
	return ok
}

// podNode is the node's stored pod CIDR, when the node cache has it.
func (r *Runner) podCIDR(node string) string {
	n, err := r.nodeLister.Get(node)
	if err != nil {
		return ""
	}
	return n.Spec.PodCIDR
}
