package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// SchedulingConfig says what the scheduling bench measures.
type SchedulingConfig struct {
	RESTConfig *rest.Config
	// ServerPID, when set, is the server process whose RSS is reported.
	ServerPID int
	// Nodes is how many Ready nodes to wait for before the load.
	Nodes int
	Workload
	// Creators is how many clients create the Deployments.
	Creators int
	// NodeWait bounds the wait for Ready nodes, Timeout the load.
	NodeWait, Timeout time.Duration
	// Progress, when set, gets a line every ProgressEvery (default 10s).
	Progress      io.Writer
	ProgressEvery time.Duration
}

// SchedulingReport is the outcome of RunScheduling.
type SchedulingReport struct {
	Nodes        int
	Workload     Workload
	NodesReadyIn time.Duration
	// CreateElapsed is how long creating every Deployment took.
	CreateElapsed time.Duration
	Pods          int // pods seen
	Bound         int
	Running       int
	// BindElapsed runs from the first Deployment create to the last bind,
	// RunningElapsed to the last pod seen Running.
	BindElapsed, RunningElapsed time.Duration
	P50, P99                    time.Duration // pod seen → bound
	TimedOut                    bool
	ServerEndRSSKiB             int64
	ServerPeakRSSKiB            int64
}

// BindRate is pods bound per second over the whole run.
func (r *SchedulingReport) BindRate() float64 {
	if r.BindElapsed <= 0 {
		return 0
	}
	return float64(r.Bound) / r.BindElapsed.Seconds()
}

// Write prints the report as a Markdown table.
func (r *SchedulingReport) Write(w io.Writer) {
	variant := "plain"
	switch {
	case r.Workload.AntiAffinity && r.Workload.Spread:
		variant = "anti-affinity + spread"
	case r.Workload.AntiAffinity:
		variant = "preferred anti-affinity (hostname)"
	case r.Workload.Spread:
		variant = "zone spread (maxSkew 1, DoNotSchedule)"
	}
	fmt.Fprintln(w, "| nodes | variant | deployments × replicas | bound | bind rate | create→bound p50 | p99 | all bound | all Running | server peak RSS | server RSS at end |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	rss := func(kib int64) string {
		if kib <= 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.0f MiB", float64(kib)/1024)
	}
	fmt.Fprintf(w, "| %d | %s | %d × %d | %d/%d | %.0f pods/s | %s | %s | %s | %s | %s | %s |\n",
		r.Nodes, variant, r.Workload.Deployments, r.Workload.Replicas, r.Bound, r.Workload.Pods(),
		r.BindRate(), ms(r.P50), ms(r.P99), secs(r.BindElapsed), secs(r.RunningElapsed),
		rss(r.ServerPeakRSSKiB), rss(r.ServerEndRSSKiB))
	fmt.Fprintf(w, "\nnodes Ready after %s; Deployments created in %s; pods Running: %d\n",
		secs(r.NodesReadyIn), secs(r.CreateElapsed), r.Running)
	if r.TimedOut {
		fmt.Fprintln(w, "TIMED OUT before every pod was bound and Running")
	}
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// RunScheduling waits for cfg.Nodes Ready nodes, creates the workload's
// Deployments in a fresh namespace as fast as it can and follows their pods
// with one watch until all are bound and Running (or cfg.Timeout passes).
func RunScheduling(ctx context.Context, cfg SchedulingConfig) (*SchedulingReport, error) {
	if cfg.Creators <= 0 {
		cfg.Creators = 16
	}
	if cfg.NodeWait <= 0 {
		cfg.NodeWait = 10 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	rc := rest.CopyConfig(cfg.RESTConfig)
	rc.QPS, rc.Burst = -1, 0
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	report := &SchedulingReport{Nodes: cfg.Nodes, Workload: cfg.Workload}
	var peak atomic.Int64
	samplerCtx, stopSampler := context.WithCancel(ctx)
	defer stopSampler()
	if cfg.ServerPID > 0 {
		go sampleRSS(samplerCtx, cfg.ServerPID, &peak)
	}

	start := time.Now()
	if err := waitReadyNodes(ctx, client, cfg.Nodes, cfg.NodeWait); err != nil {
		return nil, err
	}
	report.NodesReadyIn = time.Since(start)

	ns := "bench-sched-" + strconv.FormatInt(time.Now().UnixNano()%1e8, 36)
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", ns, err)
	}
	defer func() {
		_ = client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	}()

	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	tracker := newPodTracker()
	w, err := client.CoreV1().Pods(ns).Watch(runCtx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("watch pods: %w", err)
	}
	watchDone := make(chan error, 1)
	want := cfg.Pods()
	var progressMu sync.Mutex
	finished := make(chan struct{})
	go func() { watchDone <- followPods(runCtx, client, ns, w, tracker, &progressMu, want) }()
	if cfg.Progress != nil {
		every := cfg.ProgressEvery
		if every <= 0 {
			every = 10 * time.Second
		}
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			begin := time.Now()
			for {
				select {
				case <-runCtx.Done():
					return
				case <-finished:
					return
				case <-t.C:
				}
				progressMu.Lock()
				seen, bound, running := len(tracker.pods), tracker.bound, tracker.running
				progressMu.Unlock()
				rss, _ := procStatusKiB(cfg.ServerPID, "VmRSS:")
				fmt.Fprintf(cfg.Progress, "%5.0fs: pods seen %d, bound %d, Running %d; server RSS %.0f MiB\n",
					time.Since(begin).Seconds(), seen, bound, running, float64(rss)/1024)
			}
		}()
	}

	loadStart := time.Now()
	if err := createDeployments(runCtx, client, ns, cfg.Workload, cfg.Creators); err != nil {
		return nil, err
	}
	report.CreateElapsed = time.Since(loadStart)

	werr := <-watchDone
	close(finished)
	if errors.Is(werr, context.DeadlineExceeded) && ctx.Err() == nil {
		report.TimedOut = true
	} else if werr != nil {
		return nil, werr
	}
	report.Pods, report.Bound, report.Running = len(tracker.pods), tracker.bound, tracker.running
	if !tracker.lastBound.IsZero() {
		report.BindElapsed = tracker.lastBound.Sub(loadStart)
	}
	if !tracker.lastRunning.IsZero() {
		report.RunningElapsed = tracker.lastRunning.Sub(loadStart)
	}
	lat := tracker.bindLatencies()
	report.P50, report.P99 = lat.Percentile(50), lat.Percentile(99)
	if cfg.ServerPID > 0 {
		stopSampler()
		report.ServerEndRSSKiB, _ = procStatusKiB(cfg.ServerPID, "VmRSS:")
		report.ServerPeakRSSKiB, _ = procStatusKiB(cfg.ServerPID, "VmHWM:")
		if p := peak.Load(); p > report.ServerPeakRSSKiB {
			report.ServerPeakRSSKiB = p
		}
	}
	return report, nil
}

// sampleRSS keeps the highest VmRSS seen, in case VmHWM is unavailable.
func sampleRSS(ctx context.Context, pid int, peak *atomic.Int64) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if v, err := procStatusKiB(pid, "VmRSS:"); err == nil && v > peak.Load() {
			peak.Store(v)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func waitReadyNodes(ctx context.Context, client kubernetes.Interface, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	ready := 0
	for {
		list, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err == nil {
			ready = 0
			for i := range list.Items {
				for _, c := range list.Items[i].Status.Conditions {
					if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if ready >= want {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d nodes Ready after %s", ready, want, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

func createDeployments(ctx context.Context, client kubernetes.Interface, ns string, w Workload, creators int) error {
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for c := 0; c < creators; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, err := client.AppsV1().Deployments(ns).Create(ctx, w.Deployment(i), metav1.CreateOptions{})
				if err != nil && !apierrors.IsAlreadyExists(err) {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("create deployment %d: %w", i, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < w.Deployments; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return firstErr
}

// followPods feeds pod events to tracker until want pods are bound and
// Running, re-opening the watch from the last seen resourceVersion when the
// server closes it.
func followPods(ctx context.Context, client kubernetes.Interface, ns string, w watch.Interface, tracker *podTracker, mu *sync.Mutex, want int) error {
	rv := ""
	for {
		for ev := range w.ResultChan() {
			if ev.Type == watch.Error {
				break
			}
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			rv = pod.ResourceVersion
			if ev.Type == watch.Deleted {
				continue
			}
			mu.Lock()
			tracker.observe(pod, time.Now())
			done := tracker.bound >= want && tracker.running >= want
			mu.Unlock()
			if done {
				w.Stop()
				return nil
			}
		}
		w.Stop()
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		w, err = client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			return fmt.Errorf("re-watch pods: %w", err)
		}
	}
}
