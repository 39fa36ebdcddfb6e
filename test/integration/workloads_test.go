package integration

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/manager"
	"github.com/nauta/nauta/internal/controller/nodelifecycle"
	"github.com/nauta/nauta/internal/scheduler"
	"github.com/nauta/nauta/internal/server"
	"github.com/nauta/nauta/internal/server/servertest"
	"github.com/nauta/nauta/internal/simnode"
)

// clusterTimeout bounds each wait of the workload tests.
const clusterTimeout = 45 * time.Second

// clusterOptions shapes the in-process cluster of a workload test.
type clusterOptions struct {
	nodes  int
	zones  int
	cpu    string
	server func(*server.Config)
	// constructors replace controller constructors (short grace periods).
	constructors map[string]controller.Constructor
	// heartbeat is the simulated nodes' lease renew interval.
	heartbeat     time.Duration
	leaseDuration time.Duration
}

// cluster is an API server with the controller manager, the scheduler and
// simulated nodes running against it.
type cluster struct {
	client kubernetes.Interface
	nodes  *simnode.Runner
	ns     string
}

// startComponent runs start in the background until the test ends and
// reports an error it returns.
func startComponent(t *testing.T, name string, start func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				t.Errorf("%s stopped with %v", name, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s did not stop", name)
		}
	})
}

func startCluster(t *testing.T, opts clusterOptions) *cluster {
	t.Helper()
	rc := servertest.Start(t, opts.server)
	rc.QPS, rc.Burst = 500, 1000
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	logger := servertest.Logger(t, slog.LevelWarn)

	mgr, err := manager.New(manager.Config{
		RESTConfig:   rest.CopyConfig(rc),
		LeaderElect:  false,
		Constructors: opts.constructors,
		Logger:       logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	startComponent(t, "controller manager", mgr.Start)

	sched, err := scheduler.New(scheduler.Config{
		RESTConfig: rest.CopyConfig(rc),
		// Short backoffs so that pods retried after a preemption or a
		// scale change do not wait the upstream 10 s.
		PodInitialBackoff: 100 * time.Millisecond,
		PodMaxBackoff:     time.Second,
		Logger:            logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	startComponent(t, "scheduler", sched.Start)

	cfg := simnode.Config{
		RESTConfig:        rest.CopyConfig(rc),
		Nodes:             opts.nodes,
		Zones:             opts.zones,
		HeartbeatInterval: opts.heartbeat,
		LeaseDuration:     opts.leaseDuration,
		Logger:            logger,
	}
	if opts.cpu != "" {
		cfg.CPU = resource.MustParse(opts.cpu)
	}
	runner, err := simnode.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	startComponent(t, "simulated nodes", runner.Run)
	select {
	case <-runner.Ready():
	case <-time.After(clusterTimeout):
		t.Fatal("simulated nodes not ready")
	}

	c := &cluster{client: client, nodes: runner, ns: "work"}
	createNamespace(t, client, c.ns)
	// The service account controller creates "default"; pods wait for it.
	waitFor(t, clusterTimeout, func() error {
		_, err := client.CoreV1().ServiceAccounts(c.ns).Get(context.Background(), "default", metav1.GetOptions{})
		return err
	})
	return c
}

// deployment returns a Deployment of replicas pods labelled app=name.
func newDeployment(name string, replicas int32) *appsv1.Deployment {
	lbl := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "app",
						Image: "busybox:1",
						Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
							corev1.ResourceCPU: resource.MustParse("100m"),
						}},
					}},
				},
			},
		},
	}
}

// pods lists the live (not terminating) pods labelled app=app.
func (c *cluster) pods(app string) ([]corev1.Pod, error) {
	list, err := c.client.CoreV1().Pods(c.ns).List(context.Background(), metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(map[string]string{"app": app}).String(),
	})
	if err != nil {
		return nil, err
	}
	var live []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	return live, nil
}

func podRunning(p *corev1.Pod) bool {
	if p.Spec.NodeName == "" || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitRunning waits until exactly n live pods labelled app=app run.
func (c *cluster) waitRunning(t *testing.T, app string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	waitFor(t, clusterTimeout, func() error {
		var err error
		pods, err = c.pods(app)
		if err != nil {
			return err
		}
		running := 0
		for i := range pods {
			if podRunning(&pods[i]) {
				running++
			}
		}
		if len(pods) != n || running != n {
			return fmt.Errorf("%d live pods of %s, %d running; want %d", len(pods), app, running, n)
		}
		return nil
	})
	return pods
}

// waitDeploymentComplete waits until the controller reports every replica
// updated and available for the current generation.
func (c *cluster) waitDeploymentComplete(t *testing.T, name string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	waitFor(t, clusterTimeout, func() error {
		var err error
		d, err = c.client.AppsV1().Deployments(c.ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		want := *d.Spec.Replicas
		s := d.Status
		if s.ObservedGeneration < d.Generation || s.UpdatedReplicas != want || s.Replicas != want || s.AvailableReplicas != want {
			return fmt.Errorf("deployment %s: generation %d observed %d, replicas %d updated %d available %d, want %d",
				name, d.Generation, s.ObservedGeneration, s.Replicas, s.UpdatedReplicas, s.AvailableReplicas, want)
		}
		return nil
	})
	return d
}

func nodeLabel(t *testing.T, client kubernetes.Interface, key string) map[string]string {
	t.Helper()
	nodes, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range nodes.Items {
		out[n.Name] = n.Labels[key]
	}
	return out
}

func TestTopologySpreadOverZones(t *testing.T) {
	c := startCluster(t, clusterOptions{nodes: 6, zones: 3})
	ctx := context.Background()
	zoneOf := nodeLabel(t, c.client, corev1.LabelTopologyZone)

	d := newDeployment("spread", 30)
	d.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       corev1.LabelTopologyZone,
		WhenUnsatisfiable: corev1.DoNotSchedule,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}},
	}}
	if _, err := c.client.AppsV1().Deployments(c.ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := c.waitRunning(t, "spread", 30)
	perZone := map[string]int{}
	for _, p := range pods {
		perZone[zoneOf[p.Spec.NodeName]]++
	}
	want := map[string]int{"zone-0": 10, "zone-1": 10, "zone-2": 10}
	if fmt.Sprint(perZone) != fmt.Sprint(want) {
		t.Fatalf("pods per zone = %v, want %v", perZone, want)
	}
}

func TestRequiredAntiAffinity(t *testing.T) {
	c := startCluster(t, clusterOptions{nodes: 3})
	ctx := context.Background()

	d := newDeployment("anti", 3)
	d.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "anti"}},
			TopologyKey:   corev1.LabelHostname,
		}},
	}}
	if _, err := c.client.AppsV1().Deployments(c.ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := c.waitRunning(t, "anti", 3)
	seen := map[string]bool{}
	for _, p := range pods {
		if seen[p.Spec.NodeName] {
			t.Fatalf("two pods on node %s", p.Spec.NodeName)
		}
		seen[p.Spec.NodeName] = true
	}

	scale, err := c.client.AppsV1().Deployments(c.ns).GetScale(ctx, "anti", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 4
	if _, err := c.client.AppsV1().Deployments(c.ns).UpdateScale(ctx, "anti", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pending string
	waitFor(t, clusterTimeout, func() error {
		pods, err := c.pods("anti")
		if err != nil {
			return err
		}
		var names []string
		for _, p := range pods {
			if p.Spec.NodeName == "" {
				names = append(names, p.Name)
			}
		}
		if len(pods) != 4 || len(names) != 1 {
			return fmt.Errorf("%d pods, unscheduled %v; want 4 pods with one unscheduled", len(pods), names)
		}
		pending = names[0]
		return nil
	})
	waitFor(t, clusterTimeout, func() error {
		events, err := c.client.CoreV1().Events(c.ns).List(ctx, metav1.ListOptions{
			FieldSelector: "involvedObject.kind=Pod,involvedObject.name=" + pending,
		})
		if err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.Reason == "FailedScheduling" && e.Type == corev1.EventTypeWarning {
				// Upstream's message counts the nodes and names the
				// filter's reason, e.g. "0/3 nodes are available: 3
				// node(s) didn't satisfy existing pods anti-affinity rules."
				if !strings.HasPrefix(e.Message, "0/3 nodes are available") || !strings.Contains(e.Message, "anti-affinity rules") {
					return fmt.Errorf("FailedScheduling message %q does not explain the anti-affinity", e.Message)
				}
				t.Logf("FailedScheduling: %s", e.Message)
				return nil
			}
		}
		return fmt.Errorf("no FailedScheduling event for %s among %d events", pending, len(events.Items))
	})
	// The pod stays Pending: nothing frees a node for it.
	time.Sleep(2 * time.Second)
	p, err := c.client.CoreV1().Pods(c.ns).Get(ctx, pending, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending {
		t.Fatalf("pod %s: node %q phase %s, want unscheduled and Pending", pending, p.Spec.NodeName, p.Status.Phase)
	}
}

// rolloutObserver watches a deployment's pods and ReplicaSets during a
// rollout and records the worst moments. Watching (rather than polling)
// sees every intermediate state in resourceVersion order.
type rolloutObserver struct {
	mu           sync.Mutex
	pods         map[string]*corev1.Pod
	rsSizes      map[string]int32
	maxPods      int
	minAvailable int
	maxRSSum     int32
	events       int
}

func newRolloutObserver(replicas int) *rolloutObserver {
	return &rolloutObserver{pods: map[string]*corev1.Pod{}, rsSizes: map[string]int32{}, minAvailable: replicas}
}

// start lists and watches until ctx ends; it returns once both watches are
// open.
func (o *rolloutObserver) start(ctx context.Context, t *testing.T, c *cluster, app string, wg *sync.WaitGroup) {
	t.Helper()
	sel := metav1.ListOptions{LabelSelector: "app=" + app}
	pods, err := c.client.CoreV1().Pods(c.ns).List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	rsl, err := c.client.AppsV1().ReplicaSets(c.ns).List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	for i := range pods.Items {
		o.pods[pods.Items[i].Name] = &pods.Items[i]
	}
	for _, rs := range rsl.Items {
		o.rsSizes[rs.Name] = *rs.Spec.Replicas
	}
	o.record()
	o.mu.Unlock()

	podOpts, rsOpts := sel, sel
	podOpts.ResourceVersion, rsOpts.ResourceVersion = pods.ResourceVersion, rsl.ResourceVersion
	pw, err := c.client.CoreV1().Pods(c.ns).Watch(ctx, podOpts)
	if err != nil {
		t.Fatal(err)
	}
	rw, err := c.client.AppsV1().ReplicaSets(c.ns).Watch(ctx, rsOpts)
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer pw.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-pw.ResultChan():
				if !ok {
					return
				}
				p, ok := ev.Object.(*corev1.Pod)
				if !ok {
					continue
				}
				o.mu.Lock()
				if ev.Type == watch.Deleted {
					delete(o.pods, p.Name)
				} else {
					o.pods[p.Name] = p
				}
				o.record()
				o.mu.Unlock()
			}
		}
	}()
	go func() {
		defer wg.Done()
		defer rw.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-rw.ResultChan():
				if !ok {
					return
				}
				rs, ok := ev.Object.(*appsv1.ReplicaSet)
				if !ok {
					continue
				}
				o.mu.Lock()
				if ev.Type == watch.Deleted {
					delete(o.rsSizes, rs.Name)
				} else {
					o.rsSizes[rs.Name] = *rs.Spec.Replicas
				}
				o.record()
				o.mu.Unlock()
			}
		}
	}()
}

// record updates the extremes; o.mu is held.
func (o *rolloutObserver) record() {
	o.events++
	live, available := 0, 0
	for _, p := range o.pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		live++
		if podRunning(p) {
			available++
		}
	}
	var sum int32
	for _, n := range o.rsSizes {
		sum += n
	}
	o.maxPods = max(o.maxPods, live)
	o.minAvailable = min(o.minAvailable, available)
	o.maxRSSum = max(o.maxRSSum, sum)
}

func replicaSetHashes(t *testing.T, c *cluster, app string) map[string]int32 {
	t.Helper()
	list, err := c.client.AppsV1().ReplicaSets(c.ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int32{}
	for _, rs := range list.Items {
		out[rs.Labels[appsv1.DefaultDeploymentUniqueLabelKey]] = *rs.Spec.Replicas
	}
	return out
}

func TestRollingUpdateBoundsAndRollback(t *testing.T) {
	c := startCluster(t, clusterOptions{nodes: 3})
	ctx := context.Background()
	const replicas, surge, unavailable = 6, 2, 1

	d := newDeployment("roll", replicas)
	d.Spec.Strategy = appsv1.DeploymentStrategy{
		Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{
			MaxSurge:       ptrTo(intstr.FromInt32(surge)),
			MaxUnavailable: ptrTo(intstr.FromInt32(unavailable)),
		},
	}
	if _, err := c.client.AppsV1().Deployments(c.ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.waitDeploymentComplete(t, "roll")
	c.waitRunning(t, "roll", replicas)
	oldPods, err := c.pods("roll")
	if err != nil {
		t.Fatal(err)
	}
	oldHash := oldPods[0].Labels[appsv1.DefaultDeploymentUniqueLabelKey]
	if oldHash == "" {
		t.Fatalf("pod %s has no %s label", oldPods[0].Name, appsv1.DefaultDeploymentUniqueLabelKey)
	}

	// rollout changes the image and checks the bounds while the controller
	// converges; it returns the pod-template-hash of the pods at the end.
	rollout := func(image string) string {
		t.Helper()
		obs := newRolloutObserver(replicas)
		octx, stop := context.WithCancel(ctx)
		defer stop()
		var wg sync.WaitGroup
		obs.start(octx, t, c, "roll", &wg)

		cur, err := c.client.AppsV1().Deployments(c.ns).Get(ctx, "roll", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Spec.Template.Spec.Containers[0].Image = image
		if _, err := c.client.AppsV1().Deployments(c.ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		c.waitDeploymentComplete(t, "roll")
		pods := c.waitRunning(t, "roll", replicas)
		stop()
		wg.Wait()
		t.Logf("rollout to %s: %d events, at most %d pods (replica sets sized %d), at least %d available", image, obs.events, obs.maxPods, obs.maxRSSum, obs.minAvailable)
		if obs.maxRSSum > replicas+surge {
			t.Errorf("rollout to %s: replica sets sized %d in total, want at most %d", image, obs.maxRSSum, replicas+surge)
		}
		if obs.maxPods > replicas+surge {
			t.Errorf("rollout to %s: %d pods at once, want at most %d", image, obs.maxPods, replicas+surge)
		}
		if obs.minAvailable < replicas-unavailable {
			t.Errorf("rollout to %s: only %d pods available at once, want at least %d", image, obs.minAvailable, replicas-unavailable)
		}
		hash := pods[0].Labels[appsv1.DefaultDeploymentUniqueLabelKey]
		for _, p := range pods {
			if p.Spec.Containers[0].Image != image || p.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != hash {
				t.Fatalf("after rollout pod %s runs %s with hash %s, want %s and one hash", p.Name, p.Spec.Containers[0].Image, p.Labels[appsv1.DefaultDeploymentUniqueLabelKey], image)
			}
		}
		return hash
	}

	newHash := rollout("busybox:2")
	if newHash == oldHash {
		t.Fatalf("new template kept the old pod-template-hash %s", oldHash)
	}
	if got := replicaSetHashes(t, c, "roll"); got[oldHash] != 0 || got[newHash] != replicas {
		t.Fatalf("replica sets after rollout = %v, want %s scaled to 0 and %s to %d", got, oldHash, newHash, replicas)
	}

	// Undo as kubectl does: put the old template back.
	back := rollout("busybox:1")
	if back != oldHash {
		t.Fatalf("rollback gave pod-template-hash %s, want the old %s", back, oldHash)
	}
	if got := replicaSetHashes(t, c, "roll"); len(got) != 2 || got[oldHash] != replicas || got[newHash] != 0 {
		t.Fatalf("replica sets after rollback = %v, want the old %s back at %d and %s at 0", got, oldHash, replicas, newHash)
	}
}

func ptrTo[T any](v T) *T { return &v }

// ownedBy lists the objects that still exist and the ones with an owner
// reference, as names.
func (c *cluster) replicaSetsAndPods(t *testing.T, app string) (rs, pods []metav1.ObjectMeta) {
	t.Helper()
	rsl, err := c.client.AppsV1().ReplicaSets(c.ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rsl.Items {
		rs = append(rs, r.ObjectMeta)
	}
	pl, err := c.client.CoreV1().Pods(c.ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pl.Items {
		pods = append(pods, p.ObjectMeta)
	}
	return rs, pods
}

func TestDeploymentDeletionCascades(t *testing.T) {
	c := startCluster(t, clusterOptions{nodes: 2})
	ctx := context.Background()

	t.Run("background", func(t *testing.T) {
		if _, err := c.client.AppsV1().Deployments(c.ns).Create(ctx, newDeployment("bg", 3), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		c.waitRunning(t, "bg", 3)
		policy := metav1.DeletePropagationBackground
		if err := c.client.AppsV1().Deployments(c.ns).Delete(ctx, "bg", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, clusterTimeout, func() error {
			rs, pods := c.replicaSetsAndPods(t, "bg")
			if len(rs) != 0 || len(pods) != 0 {
				return fmt.Errorf("%d replica sets and %d pods left", len(rs), len(pods))
			}
			return nil
		})
	})

	t.Run("orphan", func(t *testing.T) {
		if _, err := c.client.AppsV1().Deployments(c.ns).Create(ctx, newDeployment("orphan", 3), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		c.waitRunning(t, "orphan", 3)
		policy := metav1.DeletePropagationOrphan
		if err := c.client.AppsV1().Deployments(c.ns).Delete(ctx, "orphan", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, clusterTimeout, func() error {
			_, err := c.client.AppsV1().Deployments(c.ns).Get(ctx, "orphan", metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("deployment still there: %v", err)
			}
			rs, _ := c.replicaSetsAndPods(t, "orphan")
			if len(rs) != 1 {
				return fmt.Errorf("%d replica sets, want the 1 orphaned", len(rs))
			}
			if len(rs[0].OwnerReferences) != 0 {
				return fmt.Errorf("replica set %s still has owners %v", rs[0].Name, rs[0].OwnerReferences)
			}
			return nil
		})
		// The orphaned ReplicaSet keeps owning its pods and nothing deletes
		// them afterwards.
		time.Sleep(3 * time.Second)
		rs, pods := c.replicaSetsAndPods(t, "orphan")
		if len(rs) != 1 || len(rs[0].OwnerReferences) != 0 {
			t.Fatalf("replica sets after orphaning: %v", rs)
		}
		if len(pods) != 3 {
			t.Fatalf("%d pods after orphaning, want 3", len(pods))
		}
		for _, p := range pods {
			if p.DeletionTimestamp != nil {
				t.Fatalf("orphaned pod %s is being deleted", p.Name)
			}
			if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].UID != rs[0].UID {
				t.Fatalf("pod %s owners %v, want only replica set %s", p.Name, p.OwnerReferences, rs[0].Name)
			}
		}
	})
}

func TestPreemptionOnFullNode(t *testing.T) {
	// One node with 1 CPU: the low-priority pod takes most of it.
	c := startCluster(t, clusterOptions{nodes: 1, cpu: "1"})
	ctx := context.Background()
	classes := map[string]int32{"low": 10, "high": 1000}
	for name, value := range classes {
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
		if _, err := c.client.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pod := func(name, class string) *corev1.Pod {
		// The API server has no Priority admission plugin yet (upstream's
		// resolves priorityClassName into spec.priority), so the test sets
		// the value that plugin would; upstream accepts a matching value.
		prio := classes[class]
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
			Spec: corev1.PodSpec{
				PriorityClassName: class,
				Priority:          &prio,
				Containers: []corev1.Container{{
					Name: "app", Image: "busybox:1",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("700m")}},
				}},
			},
		}
	}
	if _, err := c.client.CoreV1().Pods(c.ns).Create(ctx, pod("victim", "low"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	victim := c.waitRunning(t, "victim", 1)[0]
	if victim.Spec.Priority == nil || *victim.Spec.Priority != 10 {
		t.Fatalf("victim priority %v, want 10 from its PriorityClass", victim.Spec.Priority)
	}

	if _, err := c.client.CoreV1().Pods(c.ns).Create(ctx, pod("preemptor", "high"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, clusterTimeout, func() error {
		_, err := c.client.CoreV1().Pods(c.ns).Get(ctx, "victim", metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("victim not gone yet: %v", err)
		}
		return nil
	})
	got := c.waitRunning(t, "preemptor", 1)[0]
	if got.Spec.NodeName != victim.Spec.NodeName {
		t.Fatalf("preemptor on %s, want the victim's node %s", got.Spec.NodeName, victim.Spec.NodeName)
	}
	events, err := c.client.CoreV1().Events(c.ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=victim"})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, e := range events.Items {
		reasons = append(reasons, e.Reason)
	}
	sort.Strings(reasons)
	if !strings.Contains(strings.Join(reasons, ","), "Preempted") {
		t.Errorf("victim events %v, want a Preempted event", reasons)
	}
}

// nodeLifecycleFast returns the node lifecycle controller with a short
// monitor grace period for node failure tests.
func nodeLifecycleFast(grace time.Duration) map[string]controller.Constructor {
	return map[string]controller.Constructor{
		nodelifecycle.ControllerName: nodelifecycle.NewWithOptions(nodelifecycle.Options{
			NodeMonitorGracePeriod: grace,
			NodeMonitorPeriod:      500 * time.Millisecond,
		}),
	}
}
