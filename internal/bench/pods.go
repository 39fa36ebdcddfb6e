package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// PodsImage is the image the pods bench runs: the agent builds it from the
// host's busybox-static and imports it, so no registry is involved.
const PodsImage = "nauta.local/busybox:latest"

// podsBenchLabel marks every pod the bench creates, so cleanup finds them.
const podsBenchLabel = "nauta.dev/bench"

// PodsConfig says what the pod start-up bench measures.
type PodsConfig struct {
	RESTConfig *rest.Config
	// Namespace the pods are created in (default "default").
	Namespace string
	// Pods are created one by one; Keep of them stay running for the idle
	// RSS reading.
	Pods, Keep int
	// Idle is how long the node sits with Keep pods before RSS is read.
	Idle time.Duration
	// NodeWait bounds the wait for the node, PodTimeout each pod.
	NodeWait, PodTimeout time.Duration
	// AgentPID, ServerPID: processes whose RSS is reported when set. The
	// agent's containerd is found among the agent's children.
	AgentPID, ServerPID int
	Progress            io.Writer
}

func (c *PodsConfig) defaults() {
	if c.Namespace == "" {
		c.Namespace = "default"
	}
	if c.Pods <= 0 {
		c.Pods = 100
	}
	if c.Keep < 0 {
		c.Keep = 0
	}
	if c.Keep > c.Pods {
		c.Keep = c.Pods
	}
	if c.NodeWait <= 0 {
		c.NodeWait = 3 * time.Minute
	}
	if c.PodTimeout <= 0 {
		c.PodTimeout = 2 * time.Minute
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// PodsReport is the outcome of RunPods.
type PodsReport struct {
	Pods, Keep   int
	NodeReadyIn  time.Duration
	PrewarmIn    time.Duration
	Latencies    Latencies // create → Running, one per pod
	Bound        Latencies // create → first event with spec.nodeName
	Idle         time.Duration
	Agent        ProcMem
	Containerd   ProcMem
	ContainerdOK bool
	Server       ProcMem
}

// Write prints the report as Markdown.
func (r *PodsReport) Write(w io.Writer) {
	fmt.Fprintf(w, "node Ready after %s; pre-warm pod Running after %s\n\n", secs(r.NodeReadyIn), ms(r.PrewarmIn))
	fmt.Fprintf(w, "| pods (one by one) | p50 | p99 | max |\n|---|---|---|---|\n")
	fmt.Fprintf(w, "| %d create → Running | %s | %s | %s |\n", len(r.Latencies),
		ms(r.Latencies.Percentile(50)), ms(r.Latencies.Percentile(99)), ms(r.Latencies.Percentile(100)))
	fmt.Fprintf(w, "| %d create → bound | %s | %s | %s |\n\n", len(r.Bound),
		ms(r.Bound.Percentile(50)), ms(r.Bound.Percentile(99)), ms(r.Bound.Percentile(100)))
	fmt.Fprintf(w, "RSS with %d pods running, %s idle:\n\n", r.Keep, r.Idle)
	fmt.Fprintf(w, "| process | VmRSS | RssAnon | RssFile | RssShmem | Pss | FilePmdMapped | VmHWM |\n|---|---|---|---|---|---|---|---|\n")
	for _, p := range []struct {
		name string
		m    ProcMem
		ok   bool
	}{{"agent", r.Agent, r.Agent.PID > 0}, {"containerd", r.Containerd, r.ContainerdOK}, {"server", r.Server, r.Server.PID > 0}} {
		if p.ok {
			fmt.Fprintf(w, "| %s (pid %d) | %s | %s | %s | %s | %s | %s | %s |\n", p.name, p.m.PID,
				mib(p.m.RSSKiB), mib(p.m.AnonKiB), mib(p.m.FileKiB), mib(p.m.ShmemKiB),
				mib(p.m.PssKiB), mib(p.m.FilePmdMappedKiB), mib(p.m.HWMKiB))
		}
	}
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// RunPods waits for one Ready node, pre-warms it with one pod, then creates
// cfg.Pods pods one at a time, timing each from just before the create to
// the first watch event showing it Running; it keeps cfg.Keep of them,
// idles and reads the processes' memory. Every pod it created is deleted,
// and waited for, before it returns.
func RunPods(ctx context.Context, cfg PodsConfig) (*PodsReport, error) {
	cfg.defaults()
	client, err := kubernetes.NewForConfig(cfg.RESTConfig)
	if err != nil {
		return nil, err
	}
	report := &PodsReport{Pods: cfg.Pods, Keep: cfg.Keep, Idle: cfg.Idle}
	defer func() {
		// Cleanup must outlive a cancelled ctx: the agent leaves containers
		// running when it exits.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
		defer cancel()
		if err := deleteBenchPods(cctx, client, cfg.Namespace, ""); err != nil {
			fmt.Fprintf(cfg.Progress, "cleanup: %v\n", err)
		}
	}()

	start := time.Now()
	if err := waitReadyNodes(ctx, client, 1, cfg.NodeWait); err != nil {
		return nil, err
	}
	report.NodeReadyIn = time.Since(start)
	fmt.Fprintf(cfg.Progress, "node Ready after %s\n", secs(report.NodeReadyIn))

	// The first pod pays for the image unpack and the first sandbox.
	report.PrewarmIn, _, err = startPod(ctx, client, cfg.Namespace, benchPod("bench-prewarm"), cfg.PodTimeout)
	if err != nil {
		return nil, fmt.Errorf("pre-warm pod: %w", err)
	}
	if err := deleteBenchPods(ctx, client, cfg.Namespace, "bench-prewarm"); err != nil {
		return nil, fmt.Errorf("deleting the pre-warm pod: %w", err)
	}
	fmt.Fprintf(cfg.Progress, "pre-warm pod Running after %s\n", ms(report.PrewarmIn))

	for i := range cfg.Pods {
		d, bound, err := startPod(ctx, client, cfg.Namespace, benchPod(fmt.Sprintf("bench-pod-%03d", i)), cfg.PodTimeout)
		if err != nil {
			return report, fmt.Errorf("pod %d: %w", i, err)
		}
		report.Latencies = append(report.Latencies, d)
		report.Bound = append(report.Bound, bound)
		if (i+1)%10 == 0 {
			fmt.Fprintf(cfg.Progress, "%d/%d pods, p99 so far %s\n", i+1, cfg.Pods, ms(report.Latencies.Percentile(99)))
		}
	}

	for i := cfg.Keep; i < cfg.Pods; i++ {
		err := client.CoreV1().Pods(cfg.Namespace).Delete(ctx, fmt.Sprintf("bench-pod-%03d", i), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return report, err
		}
	}
	if err := waitPodCount(ctx, client, cfg.Namespace, cfg.Keep, cfg.PodTimeout); err != nil {
		return report, err
	}
	fmt.Fprintf(cfg.Progress, "%d pods left; idling %s\n", cfg.Keep, cfg.Idle)
	select {
	case <-ctx.Done():
		return report, ctx.Err()
	case <-time.After(cfg.Idle):
	}
	if cfg.AgentPID > 0 {
		report.Agent, _ = ReadProcMem(cfg.AgentPID)
		if pid, err := ChildByName(cfg.AgentPID, "containerd"); err == nil {
			report.Containerd, err = ReadProcMem(pid)
			report.ContainerdOK = err == nil
		}
	}
	if cfg.ServerPID > 0 {
		report.Server, _ = ReadProcMem(cfg.ServerPID)
	}
	return report, nil
}

// benchPod is a pod that sleeps; busybox's sleep as PID 1 ignores SIGTERM,
// so a short grace period keeps deletions quick.
func benchPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{podsBenchLabel: "pods"}},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{
				Name:            "sleep",
				Image:           PodsImage,
				ImagePullPolicy: corev1.PullIfNotPresent,
				Command:         []string{"sleep", "3600"},
			}},
		},
	}
}

// startPod creates pod and returns the time from just before the create to
// the first watch event that shows it running, and to the first event that
// shows it bound to a node.
func startPod(ctx context.Context, client kubernetes.Interface, ns string, pod *corev1.Pod, timeout time.Duration) (running, bound time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pods := client.CoreV1().Pods(ns)
	start := time.Now()
	created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return 0, 0, err
	}
	// Watching from the create's resourceVersion replays every later
	// change, so opening the watch after the create misses nothing.
	w, err := pods.Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", pod.Name).String(),
		ResourceVersion: created.ResourceVersion,
	})
	if err != nil {
		return 0, 0, err
	}
	defer w.Stop()
	last := created
	for {
		select {
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("%s not Running (phase %q): %w", pod.Name, last.Status.Phase, ctx.Err())
		case ev, ok := <-w.ResultChan():
			if !ok {
				return 0, 0, fmt.Errorf("watch of %s closed before it was Running", pod.Name)
			}
			if ev.Type == watch.Error {
				return 0, 0, fmt.Errorf("watch of %s: %w", pod.Name, apierrors.FromObject(ev.Object))
			}
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			if ev.Type == watch.Deleted {
				return 0, 0, fmt.Errorf("%s deleted before it was Running", pod.Name)
			}
			if bound == 0 && p.Spec.NodeName != "" {
				bound = time.Since(start)
			}
			if podRunning(p) {
				return time.Since(start), bound, nil
			}
			if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
				return 0, 0, fmt.Errorf("%s ended in phase %s: %s", pod.Name, p.Status.Phase, p.Status.Message)
			}
			last = p
		}
	}
}

// podRunning is phase Running with every container running.
func podRunning(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
		return false
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Running == nil {
			return false
		}
	}
	return true
}

// deleteBenchPods deletes the bench's pods (only name when set) and waits
// until they are gone, so the agent has stopped their containers.
func deleteBenchPods(ctx context.Context, client kubernetes.Interface, ns, name string) error {
	pods := client.CoreV1().Pods(ns)
	if name != "" {
		if err := pods.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		for {
			_, err := pods.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s not gone: %w", name, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	sel := labels.SelectorFromSet(labels.Set{podsBenchLabel: "pods"}).String()
	if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: sel}); err != nil {
		return err
	}
	return waitPodCount(ctx, client, ns, 0, 2*time.Minute)
}

// waitPodCount waits until exactly want bench pods exist.
func waitPodCount(ctx context.Context, client kubernetes.Interface, ns string, want int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sel := labels.SelectorFromSet(labels.Set{podsBenchLabel: "pods"}).String()
	for {
		list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err == nil && len(list.Items) == want {
			return nil
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			n := -1
			if list != nil {
				n = len(list.Items)
			}
			return fmt.Errorf("waiting for %d bench pods (have %d): %w", want, n, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}
