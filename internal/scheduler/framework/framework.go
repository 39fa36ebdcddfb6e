package framework

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
)

// Parallelism is at most how many goroutines filter and score nodes (no
// more than GOMAXPROCS).
const Parallelism = 16

// Upstream's defaults for how many feasible nodes to look for.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// PluginConfig enables one plugin with a score weight.
type PluginConfig struct {
	Name   string
	Weight int64
}

// Framework runs one profile: the enabled plugins in order.
type Framework struct {
	profileName string
	client      kubernetes.Interface
	recorder    events.EventRecorder
	snapshot    *Snapshot

	// PercentageOfNodesToScore, 0 for upstream's adaptive default.
	PercentageOfNodesToScore int32
	// NominatedPods lists the pending pods that preempted for a node (nil:
	// none are tracked).
	NominatedPods func(node string) []*v1.Pod

	preFilter  []PreFilterPlugin
	filter     []FilterPlugin
	postFilter []PostFilterPlugin
	preScore   []PreScorePlugin
	score      []ScorePlugin
	weights    map[string]int64
	reserve    []ReservePlugin
	permit     []PermitPlugin
	bind       []BindPlugin

	nextStartNodeIndex int

	// Buffers reused from cycle to cycle (a cycle at a time): at 5,000
	// nodes they were 150 KB of garbage per pod.
	statusBuf []*Status
	scoreBufs []NodeScoreList
	totalBuf  NodeScoreList
}

// buffer returns buf resized to n zeroed elements, reusing its array when
// it is large enough.
func buffer[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

var _ Handle = (*Framework)(nil)

// New builds a framework from a registry and the enabled plugins (their
// order is the order at every extension point).
func New(profileName string, registry Registry, plugins []PluginConfig, client kubernetes.Interface) (*Framework, error) {
	f := &Framework{profileName: profileName, client: client, weights: map[string]int64{}, snapshot: &Snapshot{NodeInfoMap: map[string]*NodeInfo{}}}
	for _, pc := range plugins {
		factory, ok := registry[pc.Name]
		if !ok {
			return nil, fmt.Errorf("plugin %q is not registered", pc.Name)
		}
		p, err := factory(f)
		if err != nil {
			return nil, fmt.Errorf("plugin %q: %w", pc.Name, err)
		}
		if p, ok := p.(PreFilterPlugin); ok {
			f.preFilter = append(f.preFilter, p)
		}
		if p, ok := p.(FilterPlugin); ok {
			f.filter = append(f.filter, p)
		}
		if p, ok := p.(PostFilterPlugin); ok {
			f.postFilter = append(f.postFilter, p)
		}
		if p, ok := p.(PreScorePlugin); ok {
			f.preScore = append(f.preScore, p)
		}
		if p, ok := p.(ScorePlugin); ok {
			f.score = append(f.score, p)
			w := pc.Weight
			if w == 0 {
				w = 1
			}
			f.weights[p.Name()] = w
		}
		if p, ok := p.(ReservePlugin); ok {
			f.reserve = append(f.reserve, p)
		}
		if p, ok := p.(PermitPlugin); ok {
			f.permit = append(f.permit, p)
		}
		if p, ok := p.(BindPlugin); ok {
			f.bind = append(f.bind, p)
		}
	}
	return f, nil
}

// ProfileName is the scheduler name this framework serves.
func (f *Framework) ProfileName() string { return f.profileName }

// Snapshot returns the current snapshot.
func (f *Framework) Snapshot() *Snapshot { return f.snapshot }

// SetSnapshot sets the snapshot for the next cycle.
func (f *Framework) SetSnapshot(s *Snapshot) { f.snapshot = s }

// SetEventRecorder sets the recorder plugins use.
func (f *Framework) SetEventRecorder(r events.EventRecorder) { f.recorder = r }

// EventRecorder returns the recorder (nil when none was set).
func (f *Framework) EventRecorder() events.EventRecorder { return f.recorder }

// ClientSet returns the API client.
func (f *Framework) ClientSet() kubernetes.Interface { return f.client }

// Framework returns f.
func (f *Framework) Framework() *Framework { return f }

// HasPostFilter reports whether any PostFilter plugin is enabled.
func (f *Framework) HasPostFilter() bool { return len(f.postFilter) > 0 }

// RunPreFilterPlugins runs the PreFilter plugins; the first rejection ends
// the run.
func (f *Framework) RunPreFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod) *Status {
	for _, p := range f.preFilter {
		s := p.PreFilter(ctx, state, pod)
		if s.IsSkip() {
			state.SkipFilter[p.Name()] = true
			continue
		}
		if !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
	}
	state.filters = make([]FilterPlugin, 0, len(f.filter))
	for _, p := range f.filter {
		if !state.SkipFilter[p.Name()] {
			state.filters = append(state.filters, p)
		}
	}
	return nil
}

// RunPreFilterExtensionAddPod tells the PreFilter plugins that toAdd joins
// nodeInfo in a dry run.
func (f *Framework) RunPreFilterExtensionAddPod(ctx context.Context, state *CycleState, pod *v1.Pod, toAdd *PodInfo, nodeInfo *NodeInfo) *Status {
	for _, p := range f.preFilter {
		ext, ok := p.(PreFilterExtender)
		if !ok || state.SkipFilter[p.Name()] || ext.PreFilterExtensions() == nil {
			continue
		}
		if s := ext.PreFilterExtensions().AddPod(ctx, state, pod, toAdd, nodeInfo); !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunPreFilterExtensionRemovePod tells the PreFilter plugins that
// toRemove leaves nodeInfo in a dry run.
func (f *Framework) RunPreFilterExtensionRemovePod(ctx context.Context, state *CycleState, pod *v1.Pod, toRemove *PodInfo, nodeInfo *NodeInfo) *Status {
	for _, p := range f.preFilter {
		ext, ok := p.(PreFilterExtender)
		if !ok || state.SkipFilter[p.Name()] || ext.PreFilterExtensions() == nil {
			continue
		}
		if s := ext.PreFilterExtensions().RemovePod(ctx, state, pod, toRemove, nodeInfo); !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunFilterPlugins runs the Filter plugins on one node (those whose
// PreFilter did not skip); the first rejection ends the run.
func (f *Framework) RunFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, ni *NodeInfo) *Status {
	plugins := state.filters
	if plugins == nil {
		plugins = f.filter
	}
	for _, p := range plugins {
		if s := p.Filter(ctx, state, pod, ni); !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunFilterPluginsWithNominatedPods filters a node as if the pods
// nominated to it with at least pod's priority were already there (so a
// preemptor keeps the room it made), and then as it is (so affinity to
// a nominated pod that may not come is not relied on). Both must pass.
func (f *Framework) RunFilterPluginsWithNominatedPods(ctx context.Context, state *CycleState, pod *v1.Pod, ni *NodeInfo) *Status {
	if f.NominatedPods == nil {
		return f.RunFilterPlugins(ctx, state, pod, ni)
	}
	prio := v1helper.PodPriority(pod)
	var with *NodeInfo
	for _, np := range f.NominatedPods(ni.Node().Name) {
		if np.UID == pod.UID || v1helper.PodPriority(np) < prio {
			continue
		}
		if with == nil {
			with = ni.Clone()
		}
		with.AddPod(NewPodInfo(np))
	}
	if with != nil {
		if s := f.RunFilterPlugins(ctx, state, pod, with); !s.IsSuccess() {
			return s
		}
	}
	return f.RunFilterPlugins(ctx, state, pod, ni)
}

// RunPostFilterPlugins runs the PostFilter plugins until one succeeds.
func (f *Framework) RunPostFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, filtered NodeToStatus) (*PostFilterResult, *Status) {
	var reasons []string
	for _, p := range f.postFilter {
		r, s := p.PostFilter(ctx, state, pod, filtered)
		if s.IsSuccess() {
			return r, nil
		}
		if s.Code() == Error {
			return nil, s.WithPlugin(p.Name())
		}
		reasons = append(reasons, s.Reasons()...)
	}
	return nil, NewStatus(Unschedulable, reasons...)
}

// NumFeasibleNodesToFind is how many feasible nodes to look for among n:
// all of them in small clusters, a percentage in big ones (upstream's
// adaptive percentageOfNodesToScore).
func (f *Framework) NumFeasibleNodesToFind(n int) int {
	if n < minFeasibleNodesToFind {
		return n
	}
	pct := int(f.PercentageOfNodesToScore)
	if pct == 0 {
		pct = 50 - n/125
		if pct < minFeasibleNodesPercentageToFind {
			pct = minFeasibleNodesPercentageToFind
		}
	}
	if pct >= 100 {
		return n
	}
	num := n * pct / 100
	if num < minFeasibleNodesToFind {
		return minFeasibleNodesToFind
	}
	return num
}

// chunkSize hands each worker about sqrt(n) nodes at a time (at most an
// even share), so that small per-node work is not dominated by channel
// hand-offs.
func chunkSize(n int) int {
	s := int(math.Sqrt(float64(n)))
	if r := n/Parallelism + 1; s > r {
		s = r
	}
	return max(s, 1)
}

// FindFeasibleNodes filters the snapshot's nodes in parallel, starting
// where the previous cycle stopped, and stops once enough fit. It returns
// the feasible nodes and why the others were rejected.
func (f *Framework) FindFeasibleNodes(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) ([]*NodeInfo, NodeToStatus, error) {
	n := len(nodes)
	want := f.NumFeasibleNodesToFind(n)
	feasible := make([]*NodeInfo, want)
	f.statusBuf = buffer(f.statusBuf, n)
	statuses := f.statusBuf
	var found, processed int32
	var firstErr error
	var errOnce sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := 0
	if n > 0 {
		start = f.nextStartNodeIndex % n
	}
	check := func(i int) {
		ni := nodes[(start+i)%n]
		s := f.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni)
		atomic.AddInt32(&processed, 1)
		if s.IsSuccess() {
			k := atomic.AddInt32(&found, 1)
			if int(k) > want {
				cancel()
				atomic.AddInt32(&found, -1)
				return
			}
			feasible[k-1] = ni
			if int(k) == want {
				cancel()
			}
			return
		}
		if s.Code() == Error {
			errOnce.Do(func() { firstErr = s.AsError() })
			cancel()
		}
		statuses[(start+i)%n] = s
	}
	parallelize(ctx, n, chunkSize(n), check)
	if firstErr != nil {
		return nil, nil, firstErr
	}
	if n > 0 {
		f.nextStartNodeIndex = (start + int(processed)) % n
	}
	rejected := NodeToStatus{}
	for i, s := range statuses {
		if s != nil {
			rejected[nodes[i].Node().Name] = s
		}
	}
	return feasible[:found], rejected, nil
}

// RunPreScorePlugins runs the PreScore plugins.
func (f *Framework) RunPreScorePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) *Status {
	for _, p := range f.preScore {
		s := p.PreScore(ctx, state, pod, nodes)
		if s.IsSkip() {
			state.SkipScore[p.Name()] = true
			continue
		}
		if !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunScorePlugins scores every node with every plugin (nodes in parallel),
// normalizes, applies weights and returns the totals. The list is reused
// by the next call.
func (f *Framework) RunScorePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) (NodeScoreList, error) {
	var plugins []ScorePlugin
	for _, p := range f.score {
		if !state.SkipScore[p.Name()] {
			plugins = append(plugins, p)
		}
	}
	for len(f.scoreBufs) < len(plugins) {
		f.scoreBufs = append(f.scoreBufs, nil)
	}
	perPlugin := f.scoreBufs[:len(plugins)]
	for i := range plugins {
		perPlugin[i] = buffer(perPlugin[i], len(nodes))
	}
	var firstErr error
	var errOnce sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parallelize(ctx, len(nodes), chunkSize(len(nodes)), func(i int) {
		for j, p := range plugins {
			s, st := p.Score(ctx, state, pod, nodes[i])
			if !st.IsSuccess() {
				errOnce.Do(func() { firstErr = fmt.Errorf("plugin %s: %w", p.Name(), st.AsError()) })
				cancel()
				return
			}
			perPlugin[j][i] = NodeScore{Name: nodes[i].Node().Name, Score: s}
		}
	})
	if firstErr != nil {
		return nil, firstErr
	}
	f.totalBuf = buffer(f.totalBuf, len(nodes))
	total := f.totalBuf
	for i, ni := range nodes {
		total[i].Name = ni.Node().Name
	}
	for j, p := range plugins {
		if ext := p.ScoreExtensions(); ext != nil {
			if st := ext.NormalizeScore(ctx, state, pod, perPlugin[j]); !st.IsSuccess() {
				return nil, fmt.Errorf("plugin %s normalize: %w", p.Name(), st.AsError())
			}
		}
		w := f.weights[p.Name()]
		for i := range nodes {
			s := perPlugin[j][i].Score
			if s > MaxNodeScore || s < MinNodeScore {
				return nil, fmt.Errorf("plugin %s scored node %s %d, outside [%d, %d]", p.Name(), nodes[i].Node().Name, s, MinNodeScore, MaxNodeScore)
			}
			total[i].Score += s * w
		}
	}
	return total, nil
}

// SelectHost picks the highest score, breaking ties uniformly at random.
func SelectHost(scores NodeScoreList) (string, error) {
	if len(scores) == 0 {
		return "", fmt.Errorf("no nodes to select from")
	}
	best := scores[0]
	ties := 1
	for _, s := range scores[1:] {
		switch {
		case s.Score > best.Score:
			best, ties = s, 1
		case s.Score == best.Score:
			ties++
			if rand.IntN(ties) == 0 {
				best = s
			}
		}
	}
	return best.Name, nil
}

// RunReservePlugins reserves; on failure the caller runs Unreserve.
func (f *Framework) RunReservePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) *Status {
	for _, p := range f.reserve {
		if s := p.Reserve(ctx, state, pod, node); !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunUnreservePlugins undoes reservations in reverse order.
func (f *Framework) RunUnreservePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) {
	for i := len(f.reserve) - 1; i >= 0; i-- {
		f.reserve[i].Unreserve(ctx, state, pod, node)
	}
}

// RunPermitPlugins asks every Permit plugin. Waiting is not supported: a
// Wait answer is treated as a rejection.
func (f *Framework) RunPermitPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) *Status {
	for _, p := range f.permit {
		s := p.Permit(ctx, state, pod, node)
		if s.Code() == Wait {
			return NewStatus(Unschedulable, fmt.Sprintf("pod %q rejected while waiting on permit: waiting is not supported", pod.Name)).WithPlugin(p.Name())
		}
		if !s.IsSuccess() {
			return s.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunBindPlugins binds through the first bind plugin that does not skip.
func (f *Framework) RunBindPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node string) *Status {
	for _, p := range f.bind {
		s := p.Bind(ctx, state, pod, node)
		if s.IsSkip() {
			continue
		}
		return s.WithPlugin(p.Name())
	}
	return NewStatus(Error, "no bind plugin bound the pod")
}

// SchedulePod runs one scheduling cycle's decision on the current snapshot:
// PreFilter, Filter, PreScore, Score and host selection. It does not assume
// or bind. When no node fits, the error is a *FitError.
func (f *Framework) SchedulePod(ctx context.Context, state *CycleState, pod *v1.Pod) (string, error) {
	nodes := f.snapshot.NodeInfoList
	if len(nodes) == 0 {
		return "", ErrNoNodesAvailable
	}
	if s := f.RunPreFilterPlugins(ctx, state, pod); !s.IsSuccess() {
		if s.Code() == Error {
			return "", s.AsError()
		}
		fe := &FitError{Pod: pod, NumAllNodes: len(nodes), Statuses: NodeToStatus{}}
		for _, ni := range nodes {
			fe.Statuses[ni.Node().Name] = s
		}
		return "", fe
	}
	// A pod that preempted for a node goes there if it fits now (as
	// upstream, which tries the nominated node before all others).
	if nom := pod.Status.NominatedNodeName; nom != "" {
		if ni, err := f.snapshot.Get(nom); err == nil && f.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni).IsSuccess() {
			return nom, nil
		}
	}
	feasible, rejected, err := f.FindFeasibleNodes(ctx, state, pod, nodes)
	if err != nil {
		return "", err
	}
	if len(feasible) == 0 {
		return "", &FitError{Pod: pod, NumAllNodes: len(nodes), Statuses: rejected}
	}
	if len(feasible) == 1 {
		return feasible[0].Node().Name, nil
	}
	if s := f.RunPreScorePlugins(ctx, state, pod, feasible); !s.IsSuccess() {
		return "", s.AsError()
	}
	scores, err := f.RunScorePlugins(ctx, state, pod, feasible)
	if err != nil {
		return "", err
	}
	return SelectHost(scores)
}
