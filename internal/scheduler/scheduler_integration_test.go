package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nauta/nauta/internal/scheduler"
	"github.com/nauta/nauta/internal/server/servertest"
)

const waitTimeout = 60 * time.Second

type env struct {
	t       *testing.T
	client  kubernetes.Interface
	ns      string
	metrics *prometheus.Registry
}

func startScheduler(t *testing.T) *env {
	t.Helper()
	cfg := servertest.Start(t, nil)
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s, err := scheduler.New(scheduler.Config{
		RESTConfig:    cfg,
		Registerer:    reg,
		LeaderElect:   true,
		LeaseDuration: 4 * time.Second,
		RenewDeadline: 3 * time.Second,
		RetryPeriod:   500 * time.Millisecond,
		Logger:        servertest.Logger(t, slog.LevelInfo),
	})
	if err != nil {
		t.Fatal(err)
	}
	runUntilTestEnds(t, s)
	return &env{t: t, client: client, ns: "default", metrics: reg}
}

// runUntilTestEnds runs s until the test ends.
func runUntilTestEnds(t *testing.T, s *scheduler.Scheduler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("scheduler stopped with %v", err)
			}
		case <-time.After(waitTimeout):
			t.Error("scheduler did not stop")
		}
	})
}

type nodeSpec struct {
	name   string
	cpu    string
	labels map[string]string
	taints []v1.Taint
}

// createNodes creates Ready nodes with capacity and allocatable, deleted
// when the subtest ends.
func (e *env) createNodes(t *testing.T, specs ...nodeSpec) {
	t.Helper()
	ctx := context.Background()
	for _, s := range specs {
		labels := map[string]string{v1.LabelHostname: s.name}
		for k, v := range s.labels {
			labels[k] = v
		}
		node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: s.name, Labels: labels}, Spec: v1.NodeSpec{Taints: s.taints}}
		created, err := e.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create node %s: %v", s.name, err)
		}
		rl := v1.ResourceList{
			v1.ResourceCPU:    resource.MustParse(s.cpu),
			v1.ResourceMemory: resource.MustParse("8Gi"),
			v1.ResourcePods:   resource.MustParse("110"),
		}
		created.Status = v1.NodeStatus{
			Capacity:    rl,
			Allocatable: rl,
			Conditions:  []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
		}
		if _, err := e.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("node %s status: %v", s.name, err)
		}
		name := s.name
		t.Cleanup(func() {
			_ = e.client.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
		})
	}
}

// createPod creates a pod, deleted (immediately) when the subtest ends.
func (e *env) createPod(t *testing.T, pod *v1.Pod) *v1.Pod {
	t.Helper()
	if pod.Namespace == "" {
		pod.Namespace = e.ns
	}
	if len(pod.Spec.Containers) == 0 {
		pod.Spec.Containers = []v1.Container{{Name: "c", Image: "busybox"}}
	}
	created, err := e.client.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", pod.Name, err)
	}
	t.Cleanup(func() {
		zero := int64(0)
		_ = e.client.CoreV1().Pods(created.Namespace).Delete(context.Background(), created.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
	return created
}

func cpuPod(name, cpu string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "busybox",
			Resources: v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}}}}},
	}
}

// waitBound waits for the pod to be bound and returns its node.
func (e *env) waitBound(t *testing.T, name string) string {
	t.Helper()
	var node string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		p, err := e.client.CoreV1().Pods(e.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		node = p.Spec.NodeName
		return node != "", nil
	})
	if err != nil {
		t.Fatalf("pod %s not bound: %v", name, err)
	}
	return node
}

// waitUnschedulable waits for PodScheduled=False/Unschedulable and returns
// the condition's message.
func (e *env) waitUnschedulable(t *testing.T, name string) string {
	t.Helper()
	var msg string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		p, err := e.client.CoreV1().Pods(e.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == v1.PodScheduled && c.Status == v1.ConditionFalse && c.Reason == v1.PodReasonUnschedulable {
				msg = c.Message
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("pod %s not marked unschedulable: %v", name, err)
	}
	return msg
}

// waitEvent waits for an event with reason about the pod and returns its
// message.
func (e *env) waitEvent(t *testing.T, pod, reason string) string {
	t.Helper()
	var msg string
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		list, err := e.client.CoreV1().Events(e.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, ev := range list.Items {
			if ev.InvolvedObject.Name == pod && ev.Reason == reason {
				msg = ev.Message
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no %s event for %s: %v", reason, pod, err)
	}
	return msg
}

func TestSchedulerIntegration(t *testing.T) {
	e := startScheduler(t)

	t.Run("lease", func(t *testing.T) {
		err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
			l, err := e.client.CoordinationV1().Leases("kube-system").Get(ctx, "kube-scheduler", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return err == nil && l.Spec.HolderIdentity != nil && strings.Contains(*l.Spec.HolderIdentity, "_"), err
		})
		if err != nil {
			t.Fatalf("Lease kube-system/kube-scheduler not held: %v", err)
		}
	})

	t.Run("resources", func(t *testing.T) {
		e.createNodes(t, nodeSpec{name: "res-small", cpu: "2"}, nodeSpec{name: "res-big", cpu: "4"})
		e.createPod(t, cpuPod("res-pod", "3"))
		if got := e.waitBound(t, "res-pod"); got != "res-big" {
			t.Errorf("bound to %s, want res-big", got)
		}
		if msg := e.waitEvent(t, "res-pod", "Scheduled"); msg != "Successfully assigned default/res-pod to res-big" {
			t.Errorf("Scheduled event %q", msg)
		}
	})

	t.Run("unschedulable then a node arrives", func(t *testing.T) {
		e.createNodes(t,
			nodeSpec{name: "fail-small", cpu: "1"},
			nodeSpec{name: "fail-tainted", cpu: "8", taints: []v1.Taint{{Key: "k", Value: "v", Effect: v1.TaintEffectNoSchedule}}},
		)
		e.createPod(t, cpuPod("fail-pod", "2"))
		want := "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}. " +
			"preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
		if msg := e.waitUnschedulable(t, "fail-pod"); msg != want {
			t.Errorf("condition message\n%q, want\n%q", msg, want)
		}
		if msg := e.waitEvent(t, "fail-pod", "FailedScheduling"); msg != want {
			t.Errorf("FailedScheduling event\n%q, want\n%q", msg, want)
		}
		e.createNodes(t, nodeSpec{name: "fail-new", cpu: "4"})
		if got := e.waitBound(t, "fail-pod"); got != "fail-new" {
			t.Errorf("bound to %s, want fail-new", got)
		}
	})

	t.Run("node affinity and tolerations", func(t *testing.T) {
		e.createNodes(t,
			nodeSpec{name: "aff-z1", cpu: "4", labels: map[string]string{"zone": "z1"}},
			nodeSpec{name: "aff-z2", cpu: "4", labels: map[string]string{"zone": "z2"}, taints: []v1.Taint{{Key: "dedicated", Value: "z2", Effect: v1.TaintEffectNoSchedule}}},
		)
		pod := cpuPod("aff-pod", "100m")
		pod.Spec.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{
			NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchExpressions: []v1.NodeSelectorRequirement{{Key: "zone", Operator: v1.NodeSelectorOpIn, Values: []string{"z2"}}}}},
		}}}
		pod.Spec.Tolerations = []v1.Toleration{{Key: "dedicated", Operator: v1.TolerationOpEqual, Value: "z2", Effect: v1.TaintEffectNoSchedule}}
		e.createPod(t, pod)
		if got := e.waitBound(t, "aff-pod"); got != "aff-z2" {
			t.Errorf("bound to %s, want aff-z2", got)
		}
	})

	t.Run("spread 30 pods over 3 zones", func(t *testing.T) {
		var specs []nodeSpec
		for i := 0; i < 6; i++ {
			specs = append(specs, nodeSpec{name: fmt.Sprintf("spread-%d", i), cpu: "16", labels: map[string]string{"zone": fmt.Sprintf("zone-%d", i%3)}})
		}
		e.createNodes(t, specs...)
		for i := 0; i < 30; i++ {
			pod := cpuPod(fmt.Sprintf("spread-pod-%d", i), "100m")
			pod.Labels = map[string]string{"app": "spread"}
			pod.Spec.TopologySpreadConstraints = []v1.TopologySpreadConstraint{{
				MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: v1.DoNotSchedule,
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}},
			}}
			e.createPod(t, pod)
		}
		perZone := map[string]int{}
		for i := 0; i < 30; i++ {
			node := e.waitBound(t, fmt.Sprintf("spread-pod-%d", i))
			n, err := e.client.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			perZone[n.Labels["zone"]]++
		}
		for _, z := range []string{"zone-0", "zone-1", "zone-2"} {
			if perZone[z] != 10 {
				t.Errorf("pods per zone = %v, want 10 each", perZone)
				break
			}
		}
	})

	t.Run("anti-affinity", func(t *testing.T) {
		e.createNodes(t, nodeSpec{name: "anti-1", cpu: "4"}, nodeSpec{name: "anti-2", cpu: "4"}, nodeSpec{name: "anti-3", cpu: "4"})
		mk := func(i int) *v1.Pod {
			pod := cpuPod(fmt.Sprintf("anti-pod-%d", i), "100m")
			pod.Labels = map[string]string{"app": "anti"}
			pod.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{{
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "anti"}}, TopologyKey: v1.LabelHostname,
			}}}}
			return pod
		}
		used := map[string]bool{}
		for i := 0; i < 3; i++ {
			e.createPod(t, mk(i))
		}
		for i := 0; i < 3; i++ {
			used[e.waitBound(t, fmt.Sprintf("anti-pod-%d", i))] = true
		}
		if len(used) != 3 {
			t.Errorf("3 anti-affine pods on nodes %v, want 3 distinct", used)
		}
		e.createPod(t, mk(3))
		msg := e.waitUnschedulable(t, "anti-pod-3")
		if !strings.Contains(msg, "3 node(s) didn't match pod anti-affinity rules") {
			t.Errorf("fourth pod message %q", msg)
		}
	})

	t.Run("preemption", func(t *testing.T) {
		e.createNodes(t, nodeSpec{name: "prio-node", cpu: "2"})
		low := cpuPod("prio-low", "1500m")
		lowPrio, highPrio := int32(0), int32(1000)
		zero := int64(0)
		low.Spec.Priority = &lowPrio
		low.Spec.TerminationGracePeriodSeconds = &zero
		e.createPod(t, low)
		if got := e.waitBound(t, "prio-low"); got != "prio-node" {
			t.Fatalf("low bound to %s", got)
		}
		// Priority admission computes spec.priority from the class, as
		// upstream; a pod may not set a different value itself.
		if _, err := e.client.SchedulingV1().PriorityClasses().Create(context.Background(), &schedulingv1.PriorityClass{
			ObjectMeta: metav1.ObjectMeta{Name: "sched-test-high"}, Value: highPrio,
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		high := cpuPod("prio-high", "1500m")
		high.Spec.PriorityClassName = "sched-test-high"
		e.createPod(t, high)
		if got := e.waitBound(t, "prio-high"); got != "prio-node" {
			t.Errorf("high bound to %s, want prio-node", got)
		}
		_, err := e.client.CoreV1().Pods(e.ns).Get(context.Background(), "prio-low", metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			t.Errorf("low-priority pod still there: %v", err)
		}
		if msg := e.waitEvent(t, "prio-low", "Preempted"); !strings.Contains(msg, "Preempted by pod") {
			t.Errorf("Preempted event %q", msg)
		}
	})

	t.Run("scheduling gates", func(t *testing.T) {
		e.createNodes(t, nodeSpec{name: "gate-node", cpu: "4"})
		pod := cpuPod("gated", "100m")
		pod.Spec.SchedulingGates = []v1.PodSchedulingGate{{Name: "example.com/wait"}}
		e.createPod(t, pod)
		var got *v1.Pod
		err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
			p, err := e.client.CoreV1().Pods(e.ns).Get(ctx, "gated", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			got = p
			for _, c := range p.Status.Conditions {
				if c.Type == v1.PodScheduled && c.Reason == "SchedulingGated" && c.Message == "Scheduling is blocked due to non-empty scheduling gates" {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			t.Fatalf("gated pod not marked SchedulingGated: %v", err)
		}
		if got.Spec.NodeName != "" {
			t.Fatalf("gated pod bound to %s", got.Spec.NodeName)
		}
		got.Spec.SchedulingGates = nil
		if _, err := e.client.CoreV1().Pods(e.ns).Update(context.Background(), got, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("removing the gate: %v", err)
		}
		if node := e.waitBound(t, "gated"); node != "gate-node" {
			t.Errorf("bound to %s, want gate-node", node)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		families, err := e.metrics.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			if f.GetName() != "scheduler_schedule_attempts_total" {
				continue
			}
			for _, m := range f.Metric {
				for _, l := range m.Label {
					if l.GetName() == "result" {
						got[l.GetValue()] += m.GetCounter().GetValue()
					}
				}
			}
		}
		if got["scheduled"] < 30 || got["unschedulable"] < 1 {
			t.Errorf("scheduler_schedule_attempts_total by result = %v", got)
		}
	})
}
