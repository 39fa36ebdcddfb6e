package nodelifecycle

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/controller"
)

func hasTaint(n *v1.Node, key string, effect v1.TaintEffect) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key && t.Effect == effect {
			return true
		}
	}
	return false
}

// postReady writes a fresh Ready=True heartbeat, as a kubelet does.
func postReady(ctx context.Context, t *testing.T, client kubernetes.Interface, name string) {
	t.Helper()
	node, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	node.Status.Conditions = []v1.NodeCondition{
		{Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now},
		{Type: v1.NodeMemoryPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientMemory", LastHeartbeatTime: now, LastTransitionTime: now},
	}
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestLeaseLossTaintsAndEvicts(t *testing.T) {
	ctx := context.Background()
	const grace = 2 * time.Second
	client := runController(t, []controller.Constructor{NewWithOptions(Options{
		NodeMonitorGracePeriod: grace,
		NodeMonitorPeriod:      200 * time.Millisecond,
		NodeStartupGracePeriod: grace,
	}), NewTaintEviction}, nil)
	nodes := client.CoreV1().Nodes()
	// n0 stays healthy throughout: with no node ready at all, nothing
	// would be evicted (master disruption mode).
	for _, name := range []string{"n0", "n1"} {
		if _, err := nodes.Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		postReady(ctx, t, client, name)
	}

	// The node agent's heartbeat: renew the Lease until told to stop.
	leases := client.CoordinationV1().Leases(NodeLeaseNamespace)
	for _, name := range []string{"n0", "n1"} {
		holder := name
		renew := metav1.NewMicroTime(time.Now())
		seconds := int32(40)
		if _, err := leases.Create(ctx, &coordv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       coordv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, RenewTime: &renew},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var beating atomic.Bool
	beating.Store(true)
	beatCtx, stopBeat := context.WithCancel(ctx)
	defer stopBeat()
	go func() {
		for beatCtx.Err() == nil {
			time.Sleep(300 * time.Millisecond)
			for _, name := range []string{"n0", "n1"} {
				if name == "n1" && !beating.Load() {
					continue
				}
				l, err := leases.Get(beatCtx, name, metav1.GetOptions{})
				if err != nil {
					continue
				}
				now := metav1.NewMicroTime(time.Now())
				l.Spec.RenewTime = &now
				_, _ = leases.Update(beatCtx, l, metav1.UpdateOptions{})
			}
		}
	}()

	pods := client.CoreV1().Pods("default")
	tolerate := func(seconds *int64) []v1.Toleration {
		return []v1.Toleration{{Key: v1.TaintNodeUnreachable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute, TolerationSeconds: seconds}}
	}
	three, zero := int64(3), int64(0)
	// The server's DefaultTolerationSeconds admission gives every pod an
	// unreachable toleration (300 s); "plain" asks for 0 s, which is
	// eviction at once, as for a pod with no toleration.
	for _, p := range []struct {
		name string
		tols []v1.Toleration
	}{{"plain", tolerate(&zero)}, {"patient", tolerate(&three)}, {"forever", tolerate(nil)}} {
		pod := &v1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: p.name},
			Spec:       v1.PodSpec{NodeName: "n1", Tolerations: p.tols, Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
		}
		created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Status.Phase = v1.PodRunning
		created.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue}}
		if _, err := pods.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// Heartbeating through the Lease alone keeps the node healthy past
	// the grace period.
	time.Sleep(2 * grace)
	n, err := nodes.Get(ctx, "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if readyStatus(n) != v1.ConditionTrue || len(n.Spec.Taints) != 0 {
		t.Fatalf("healthy node changed: conditions %+v taints %+v", n.Status.Conditions, n.Spec.Taints)
	}

	beating.Store(false)
	stopped := time.Now()
	eventually(t, "node unknown and tainted unreachable", func(ctx context.Context) (bool, error) {
		n, err := nodes.Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ready := findCondition(n.Status.Conditions, v1.NodeReady)
		mem := findCondition(n.Status.Conditions, v1.NodeMemoryPressure)
		return ready.Status == v1.ConditionUnknown && ready.Reason == "NodeStatusUnknown" &&
			ready.Message == "Kubelet stopped posting node status." && mem.Status == v1.ConditionUnknown &&
			hasTaint(n, v1.TaintNodeUnreachable, v1.TaintEffectNoExecute) &&
			hasTaint(n, v1.TaintNodeUnreachable, v1.TaintEffectNoSchedule), nil
	})
	if since := time.Since(stopped); since < grace-500*time.Millisecond {
		t.Errorf("node turned unknown %v after the last heartbeat, grace is %v", since, grace)
	}
	terminating := func(name string) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			p, err := pods.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			return p.DeletionTimestamp != nil, nil
		}
	}
	eventually(t, "pod without toleration evicted", terminating("plain"))
	tainted := time.Now()
	if p, err := pods.Get(ctx, "patient", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Fatalf("patient pod evicted before its tolerationSeconds: %v", err)
	}
	eventually(t, "pod with tolerationSeconds evicted later", terminating("patient"))
	if waited := time.Since(tainted); waited < 2*time.Second {
		t.Errorf("patient pod evicted %v after the other, want about 3s", waited)
	}
	p, err := pods.Get(ctx, "patient", metav1.GetOptions{})
	if err == nil {
		var found bool
		for _, c := range p.Status.Conditions {
			found = found || (c.Type == v1.DisruptionTarget && c.Reason == "DeletionByTaintManager")
		}
		if !found {
			t.Errorf("evicted pod lacks the DisruptionTarget condition: %+v", p.Status.Conditions)
		}
	}
	eventually(t, "TaintManagerEviction event for the evicted pod", func(ctx context.Context) (bool, error) {
		events, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.Reason == "TaintManagerEviction" && e.InvolvedObject.Kind == "Pod" && e.InvolvedObject.Name == "plain" &&
				e.Message == "Marking for deletion Pod default/plain" && e.Source.Component == "taint-eviction-controller" {
				return true, nil
			}
		}
		return false, nil
	})
	eventually(t, "tolerating pod marked not ready", func(ctx context.Context) (bool, error) {
		p, err := pods.Get(ctx, "forever", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == v1.PodReady {
				return c.Status == v1.ConditionFalse && p.DeletionTimestamp == nil, nil
			}
		}
		return false, nil
	})

	// Recovery: the kubelet posts Ready again and the taints go.
	beating.Store(true)
	postReady(ctx, t, client, "n1")
	eventually(t, "taints removed after recovery", func(ctx context.Context) (bool, error) {
		n, err := nodes.Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return readyStatus(n) == v1.ConditionTrue && len(n.Spec.Taints) == 0, nil
	})
	if p, err := pods.Get(ctx, "forever", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Errorf("pod tolerating forever was evicted: %v", err)
	}
}

func TestNotReadyAndCordonTaints(t *testing.T) {
	ctx := context.Background()
	client := runController(t, []controller.Constructor{NewWithOptions(Options{NodeMonitorPeriod: 200 * time.Millisecond})}, nil)
	nodes := client.CoreV1().Nodes()
	if _, err := nodes.Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2"}, Spec: v1.NodeSpec{Unschedulable: true}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := nodes.Get(ctx, "n2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	n.Status.Conditions = []v1.NodeCondition{
		{Type: v1.NodeReady, Status: v1.ConditionFalse, Reason: "KubeletNotReady", LastHeartbeatTime: now, LastTransitionTime: now},
		{Type: v1.NodeDiskPressure, Status: v1.ConditionTrue, Reason: "KubeletHasDiskPressure", LastHeartbeatTime: now, LastTransitionTime: now},
	}
	if _, err := nodes.UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// n2 is the only node and not ready: master disruption mode, so the
	// NoSchedule taints come but not the NoExecute one.
	eventually(t, "not-ready, disk-pressure and unschedulable taints", func(ctx context.Context) (bool, error) {
		n, err := nodes.Get(ctx, "n2", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return !hasTaint(n, v1.TaintNodeNotReady, v1.TaintEffectNoExecute) && hasTaint(n, v1.TaintNodeNotReady, v1.TaintEffectNoSchedule) &&
			hasTaint(n, v1.TaintNodeDiskPressure, v1.TaintEffectNoSchedule) && hasTaint(n, v1.TaintNodeUnschedulable, v1.TaintEffectNoSchedule) &&
			!hasTaint(n, v1.TaintNodeUnreachable, v1.TaintEffectNoExecute), nil
	})
}

func TestNeverPostedStatus(t *testing.T) {
	ctx := context.Background()
	client := runController(t, []controller.Constructor{NewWithOptions(Options{
		NodeMonitorPeriod:      200 * time.Millisecond,
		NodeStartupGracePeriod: time.Second,
	})}, nil)
	nodes := client.CoreV1().Nodes()
	if _, err := nodes.Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "silent"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Within the startup grace period a node without status is left alone.
	time.Sleep(300 * time.Millisecond)
	if n, err := nodes.Get(ctx, "silent", metav1.GetOptions{}); err != nil || len(n.Spec.Taints) != 0 || len(n.Status.Conditions) != 0 {
		t.Fatalf("new node changed within its startup grace: %v %+v", err, n)
	}
	eventually(t, "never-posted node marked unknown and tainted", func(ctx context.Context) (bool, error) {
		n, err := nodes.Get(ctx, "silent", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ready := findCondition(n.Status.Conditions, v1.NodeReady)
		return ready != nil && ready.Status == v1.ConditionUnknown && ready.Reason == "NodeStatusNeverUpdated" &&
			ready.Message == "Kubelet never posted node status." &&
			hasTaint(n, v1.TaintNodeUnreachable, v1.TaintEffectNoSchedule), nil
	})
	// It is the only node: no node is ready, so no eviction taint.
	time.Sleep(500 * time.Millisecond)
	if n, err := nodes.Get(ctx, "silent", metav1.GetOptions{}); err != nil || hasTaint(n, v1.TaintNodeUnreachable, v1.TaintEffectNoExecute) {
		t.Errorf("eviction taint in master disruption mode: %v %+v", err, n.Spec.Taints)
	}
	// A ready node ends the disruption mode; the silent node, still
	// Unknown, then gets the eviction taint.
	if _, err := nodes.Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "healthy"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	postReady(ctx, t, client, "healthy")
	eventually(t, "eviction taint after the disruption ended", func(ctx context.Context) (bool, error) {
		n, err := nodes.Get(ctx, "silent", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return hasTaint(n, v1.TaintNodeUnreachable, v1.TaintEffectNoExecute), nil
	})
}

func TestTaintEvictionOfUserTaint(t *testing.T) {
	ctx := context.Background()
	client := runController(t, []controller.Constructor{NewTaintEviction}, nil)
	nodes := client.CoreV1().Nodes()
	if _, err := nodes.Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n3"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := client.CoreV1().Pods("default")
	one := int64(1)
	for name, tols := range map[string][]v1.Toleration{
		"brief": {{Key: "example.com/drain", Operator: v1.TolerationOpEqual, Value: "yes", Effect: v1.TaintEffectNoExecute, TolerationSeconds: &one}},
		"stays": {{Key: "example.com/drain", Operator: v1.TolerationOpExists}},
	} {
		pod := &v1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       v1.PodSpec{NodeName: "n3", Tolerations: tols, Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
		}
		if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A taint as kubectl taint writes it: no timeAdded.
	n, err := nodes.Get(ctx, "n3", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Spec.Taints = []v1.Taint{{Key: "example.com/drain", Value: "yes", Effect: v1.TaintEffectNoExecute}}
	if _, err := nodes.Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tainted := time.Now()
	eventually(t, "pod tolerating for a second evicted", func(ctx context.Context) (bool, error) {
		p, err := pods.Get(ctx, "brief", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		return p.DeletionTimestamp != nil, nil
	})
	if waited := time.Since(tainted); waited < 800*time.Millisecond {
		t.Errorf("evicted %v after the taint, before its tolerationSeconds", waited)
	}
	if p, err := pods.Get(ctx, "stays", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Errorf("pod tolerating forever was evicted: %v", err)
	}
}
