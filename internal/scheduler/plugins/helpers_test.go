package plugins

import (
	"context"
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

type nodeOpt func(*v1.Node)

func makeNode(name, cpu, mem string, opts ...nodeOpt) *v1.Node {
	n := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1.LabelHostname: name}},
		Status: v1.NodeStatus{Allocatable: v1.ResourceList{
			v1.ResourceCPU:    resource.MustParse(cpu),
			v1.ResourceMemory: resource.MustParse(mem),
			v1.ResourcePods:   resource.MustParse("110"),
		}},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func withLabels(kv ...string) nodeOpt {
	return func(n *v1.Node) {
		for i := 0; i+1 < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func withTaint(key, value string, effect v1.TaintEffect) nodeOpt {
	return func(n *v1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, v1.Taint{Key: key, Value: value, Effect: effect})
	}
}

func withAllocatable(name v1.ResourceName, q string) nodeOpt {
	return func(n *v1.Node) { n.Status.Allocatable[name] = resource.MustParse(q) }
}

type podOpt func(*v1.Pod)

var podSeq int

func makePod(name string, opts ...podOpt) *v1.Pod {
	podSeq++
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(fmt.Sprintf("uid-%s-%d", name, podSeq))},
		Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func requests(cpu, mem string) podOpt {
	return func(p *v1.Pod) {
		rl := v1.ResourceList{}
		if cpu != "" {
			rl[v1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			rl[v1.ResourceMemory] = resource.MustParse(mem)
		}
		p.Spec.Containers[0].Resources.Requests = rl
	}
}

func onNode(n string) podOpt { return func(p *v1.Pod) { p.Spec.NodeName = n } }

func podLabels(kv ...string) podOpt {
	return func(p *v1.Pod) {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func priority(v int32) podOpt { return func(p *v1.Pod) { p.Spec.Priority = &v } }

// newTestFramework builds the default profile over pods and nodes.
func newTestFramework(t testing.TB, pods []*v1.Pod, nodes []*v1.Node) *framework.Framework {
	t.Helper()
	fw, err := framework.New("default-scheduler", NewRegistry(), DefaultProfile(), nil)
	if err != nil {
		t.Fatal(err)
	}
	fw.SetSnapshot(framework.NewSnapshot(pods, nodes))
	return fw
}

// filterAll runs PreFilter and then Filter on every node, returning the
// feasible node names and the status of each rejected node.
func filterAll(t *testing.T, pods []*v1.Pod, nodes []*v1.Node, pod *v1.Pod) ([]string, map[string]*framework.Status) {
	t.Helper()
	fw := newTestFramework(t, pods, nodes)
	state := framework.NewCycleState()
	ctx := context.Background()
	rejected := map[string]*framework.Status{}
	if s := fw.RunPreFilterPlugins(ctx, state, pod); !s.IsSuccess() {
		for _, n := range nodes {
			rejected[n.Name] = s
		}
		return nil, rejected
	}
	var fit []string
	for _, ni := range fw.Snapshot().NodeInfoList {
		if s := fw.RunFilterPlugins(ctx, state, pod, ni); s.IsSuccess() {
			fit = append(fit, ni.Node().Name)
		} else {
			rejected[ni.Node().Name] = s
		}
	}
	return fit, rejected
}

// scoreOf runs the whole profile's PreScore and one plugin's Score and
// normalization over all nodes.
func scoreOf(t *testing.T, plugin string, pods []*v1.Pod, nodes []*v1.Node, pod *v1.Pod) map[string]int64 {
	t.Helper()
	fw := newTestFramework(t, pods, nodes)
	p, err := NewRegistry()[plugin](fw)
	if err != nil {
		t.Fatal(err)
	}
	sp := p.(framework.ScorePlugin)
	ctx := context.Background()
	state := framework.NewCycleState()
	fw.RunPreFilterPlugins(ctx, state, pod)
	list := fw.Snapshot().NodeInfoList
	if pre, ok := p.(framework.PreScorePlugin); ok {
		if s := pre.PreScore(ctx, state, pod, list); s.IsSkip() {
			return nil
		} else if !s.IsSuccess() {
			t.Fatalf("PreScore: %v", s.AsError())
		}
	}
	scores := make(framework.NodeScoreList, len(list))
	for i, ni := range list {
		s, st := sp.Score(ctx, state, pod, ni)
		if !st.IsSuccess() {
			t.Fatalf("Score: %v", st.AsError())
		}
		scores[i] = framework.NodeScore{Name: ni.Node().Name, Score: s}
	}
	if ext := sp.ScoreExtensions(); ext != nil {
		ext.NormalizeScore(ctx, state, pod, scores)
	}
	out := map[string]int64{}
	for _, s := range scores {
		out[s.Name] = s.Score
	}
	return out
}
