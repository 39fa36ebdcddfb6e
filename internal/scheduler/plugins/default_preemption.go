package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	v1helper "k8s.io/component-helpers/scheduling/corev1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// DefaultPreemptionName is the plugin's name.
const DefaultPreemptionName = "DefaultPreemption"

// Upstream's preemption messages.
const (
	msgPreemptionNotHelpful = "Preemption is not helpful for scheduling"
	msgNoVictims            = "No preemption victims found for incoming pod"
)

// DefaultPreemption is the PostFilter that evicts lower-priority pods from
// one node so that a pending pod fits there, and nominates that node.
type DefaultPreemption struct {
	h framework.Handle
}

var _ framework.PostFilterPlugin = (*DefaultPreemption)(nil)

// NewDefaultPreemption builds the plugin.
func NewDefaultPreemption(h framework.Handle) (framework.Plugin, error) {
	return &DefaultPreemption{h: h}, nil
}

// Name returns the plugin name.
func (*DefaultPreemption) Name() string { return DefaultPreemptionName }

// Candidate is a node and the pods to evict from it.
type Candidate struct {
	Node    string
	Victims []*v1.Pod
}

// PostFilter finds victims, evicts them and nominates their node.
func (p *DefaultPreemption) PostFilter(ctx context.Context, state *framework.CycleState, pod *v1.Pod, filtered framework.NodeToStatus) (*framework.PostFilterResult, *framework.Status) {
	if msg := p.notEligible(pod); msg != "" {
		return nil, framework.NewStatus(framework.Unschedulable, msg)
	}
	c, msg := p.FindCandidate(ctx, state, pod, filtered)
	if c == nil {
		return nil, framework.NewStatus(framework.Unschedulable, msg)
	}
	if err := p.evict(ctx, pod, c); err != nil {
		return nil, framework.AsStatus(err)
	}
	return &framework.PostFilterResult{NominatedNodeName: c.Node}, nil
}

// notEligible says why pod may not preempt, "" when it may.
func (p *DefaultPreemption) notEligible(pod *v1.Pod) string {
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == v1.PreemptNever {
		return "not eligible due to preemptionPolicy=Never."
	}
	// While victims on the nominated node are terminating, wait for them
	// instead of evicting more.
	if nom := pod.Status.NominatedNodeName; nom != "" {
		if ni, err := p.h.Snapshot().Get(nom); err == nil {
			prio := v1helper.PodPriority(pod)
			for _, pi := range ni.Pods {
				if pi.Pod.DeletionTimestamp != nil && v1helper.PodPriority(pi.Pod) < prio {
					return "not eligible due to a terminating pod on the nominated node."
				}
			}
		}
	}
	return ""
}

// FindCandidate dry-runs preemption on every node that failed for a
// reason eviction can fix, and picks the best candidate. When there is
// none it returns upstream's "preemption: 0/N nodes are available: ..."
// message.
func (p *DefaultPreemption) FindCandidate(ctx context.Context, state *framework.CycleState, pod *v1.Pod, filtered framework.NodeToStatus) (*Candidate, string) {
	snap := p.h.Snapshot()
	counts := map[string]int{}
	var candidates []*Candidate
	for _, ni := range snap.NodeInfoList {
		name := ni.Node().Name
		st, rejected := filtered[name]
		if rejected && st.Code() == framework.UnschedulableAndUnresolvable {
			counts[msgPreemptionNotHelpful]++
			continue
		}
		victims, ok := p.selectVictims(ctx, state, pod, ni)
		if !ok || len(victims) == 0 {
			counts[msgNoVictims]++
			continue
		}
		candidates = append(candidates, &Candidate{Node: name, Victims: victims})
	}
	if len(candidates) == 0 {
		var parts []string
		for m, n := range counts {
			parts = append(parts, fmt.Sprintf("%d %s", n, m))
		}
		sort.Strings(parts)
		return nil, fmt.Sprintf("preemption: 0/%d nodes are available: %s.", snap.NumNodes(), strings.Join(parts, ", "))
	}
	return pickCandidate(candidates), ""
}

// selectVictims removes every lower-priority pod from a copy of the node,
// checks that the pod then fits, and adds back as many of the removed pods
// as possible, highest priority first. What stays removed are the victims.
func (p *DefaultPreemption) selectVictims(ctx context.Context, state *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) ([]*v1.Pod, bool) {
	fw := p.h.Framework()
	prio := v1helper.PodPriority(pod)
	c := ni.Clone()
	state = state.Clone()
	var lower []*framework.PodInfo
	for _, pi := range ni.Pods {
		if pi.Pod.DeletionTimestamp == nil && v1helper.PodPriority(pi.Pod) < prio {
			lower = append(lower, pi)
		}
	}
	if len(lower) == 0 {
		return nil, false
	}
	remove := func(pi *framework.PodInfo) bool {
		if err := c.RemovePod(pi.Pod); err != nil {
			return false
		}
		return fw.RunPreFilterExtensionRemovePod(ctx, state, pod, pi, c).IsSuccess()
	}
	for _, v := range lower {
		if !remove(v) {
			return nil, false
		}
	}
	if !fw.RunFilterPluginsWithNominatedPods(ctx, state, pod, c).IsSuccess() {
		return nil, false
	}
	sort.SliceStable(lower, func(i, j int) bool {
		return v1helper.PodPriority(lower[i].Pod) > v1helper.PodPriority(lower[j].Pod)
	})
	var victims []*v1.Pod
	for _, v := range lower {
		c.AddPod(v)
		if !fw.RunPreFilterExtensionAddPod(ctx, state, pod, v, c).IsSuccess() {
			return nil, false
		}
		if fw.RunFilterPluginsWithNominatedPods(ctx, state, pod, c).IsSuccess() {
			continue
		}
		if !remove(v) {
			return nil, false
		}
		victims = append(victims, v.Pod)
	}
	return victims, true
}

// pickCandidate prefers the lowest highest-victim priority, then the
// lowest sum of victim priorities, then the fewest victims.
func pickCandidate(cs []*Candidate) *Candidate {
	type key struct{ maxPrio, sum, n int64 }
	keyOf := func(c *Candidate) key {
		k := key{maxPrio: -1 << 62, n: int64(len(c.Victims))}
		for _, v := range c.Victims {
			pr := int64(v1helper.PodPriority(v))
			k.maxPrio = max(k.maxPrio, pr)
			k.sum += pr
		}
		return k
	}
	best, bk := cs[0], keyOf(cs[0])
	for _, c := range cs[1:] {
		k := keyOf(c)
		if k.maxPrio < bk.maxPrio || k.maxPrio == bk.maxPrio && (k.sum < bk.sum || k.sum == bk.sum && k.n < bk.n) {
			best, bk = c, k
		}
	}
	return best
}

// evict marks each victim with the DisruptionTarget condition, records a
// Preempted event and deletes it gracefully.
func (p *DefaultPreemption) evict(ctx context.Context, pod *v1.Pod, c *Candidate) error {
	client := p.h.ClientSet()
	if client == nil {
		return fmt.Errorf("no API client to preempt with")
	}
	profile := p.h.Framework().ProfileName()
	for _, v := range c.Victims {
		cond := v1.PodCondition{
			Type:               v1.DisruptionTarget,
			Status:             v1.ConditionTrue,
			Reason:             v1.PodReasonPreemptionByScheduler,
			Message:            fmt.Sprintf("%s: preempting to accommodate a higher priority pod", profile),
			LastTransitionTime: metav1.Now(),
		}
		patch, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": []v1.PodCondition{cond}}})
		if err != nil {
			return err
		}
		_, err = client.CoreV1().Pods(v.Namespace).Patch(ctx, v.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("marking victim %s/%s: %w", v.Namespace, v.Name, err)
		}
		if r := p.h.EventRecorder(); r != nil {
			r.Eventf(v, pod, v1.EventTypeNormal, "Preempted", "Preempting", "Preempted by pod %v on node %v", pod.UID, c.Node)
		}
		uid := v.UID
		err = client.CoreV1().Pods(v.Namespace).Delete(ctx, v.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting victim %s/%s: %w", v.Namespace, v.Name, err)
		}
	}
	return nil
}
