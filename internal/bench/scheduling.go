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
	"k8s.io/apimachinery/pkg/runtime"
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
	// IdleSample, when > 0, is how long the server's CPU use is sampled
	// after the nodes are Ready and before the load, to tell the cost of
	// the idle cluster (heartbeats) from that of the pods.
	IdleSample time.Duration
	// Settle, when > 0, is at most how long to wait after the nodes are
	// Ready for the server's CPU use to level off before the idle sample
	// and the load: thousands of registering nodes leave half a minute of
	// one-off work (pod CIDRs, first statuses and leases) that would
	// otherwise be billed to the pods.
	Settle time.Duration
	// CPUProfile, when set, is where a CPU profile of the server (its
	// /debug/pprof/profile) taken over the first CPUProfileDuration
	// (default 30s) of the load is written.
	CPUProfile         string
	CPUProfileDuration time.Duration
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
	// FirstBound runs from the first Deployment create to the first bind.
	FirstBound       time.Duration
	P50, P99         time.Duration // pod seen → bound
	TimedOut         bool
	ServerEndRSSKiB  int64
	ServerPeakRSSKiB int64
	// ServerCPU is the CPU time (user + system) the server process used
	// from the first create until every pod was bound and Running (0
	// without ServerPID). On a shared machine it is a steadier measure
	// than wall-clock rates.
	ServerCPU time.Duration
	// SettledIn is how long the server took to level off after the nodes
	// were Ready (see SchedulingConfig.Settle).
	SettledIn time.Duration
	// IdleCores is the server's CPU use before the load, in cores.
	IdleCores float64
	// LoadAverage is the machine's 1-minute load average at the start.
	LoadAverage string
}

// loadElapsed is how long the load ran: until the last pod was bound or
// seen Running, whichever came later.
func (r *SchedulingReport) loadElapsed() time.Duration {
	return max(r.RunningElapsed, r.BindElapsed)
}

// CPUPerPodAboveIdle is CPUPerPod without what the idle cluster would
// have used over the same time.
func (r *SchedulingReport) CPUPerPodAboveIdle() time.Duration {
	if r.Bound == 0 {
		return 0
	}
	idle := time.Duration(r.IdleCores * float64(r.loadElapsed()))
	return max(r.ServerCPU-idle, 0) / time.Duration(r.Bound)
}

// SteadyBindRate is pods bound per second between the first and the last
// bind: the scheduler's rate without the wait for the first pods.
func (r *SchedulingReport) SteadyBindRate() float64 {
	d := r.BindElapsed - r.FirstBound
	if d <= 0 {
		return 0
	}
	return float64(r.Bound) / d.Seconds()
}

// CPUPerPod is the server's CPU time per bound pod.
func (r *SchedulingReport) CPUPerPod() time.Duration {
	if r.Bound == 0 {
		return 0
	}
	return r.ServerCPU / time.Duration(r.Bound)
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
	fmt.Fprintf(w, "\nnodes Ready after %s (server settled %s later); Deployments created in %s; pods Running: %d; first bind after %s (then %.0f pods/s)\n",
		secs(r.NodesReadyIn), secs(r.SettledIn), secs(r.CreateElapsed), r.Running, secs(r.FirstBound), r.SteadyBindRate())
	if r.ServerCPU > 0 {
		fmt.Fprintf(w, "server CPU %.1f s for the load: %.2f ms per bound pod (%.2f cores on average)\n",
			r.ServerCPU.Seconds(), float64(r.CPUPerPod().Microseconds())/1000, r.ServerCPU.Seconds()/r.loadElapsed().Seconds())
		if r.IdleCores > 0 {
			fmt.Fprintf(w, "idle server before the load: %.2f cores; above idle %.2f ms per bound pod\n",
				r.IdleCores, float64(r.CPUPerPodAboveIdle().Microseconds())/1000)
		}
	}
	if r.LoadAverage != "" {
		fmt.Fprintf(w, "load average at the start: %s\n", r.LoadAverage)
	}
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
	// Protobuf, as the control plane's own clients: following every pod
	// over JSON would cost the server (and this machine) more than the
	// scheduler's work being measured.
	rc.ContentType = runtime.ContentTypeProtobuf
	rc.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	// The pod watch that times the run goes over HTTP/1.1: a stream of
	// tens of thousands of events costs both ends less without HTTP/2's
	// framing and flow control, and what is measured is the control
	// plane, not the measuring.
	wc := rest.CopyConfig(rc)
	wc.TLSClientConfig.NextProtos = []string{"http/1.1"}
	watchClient, err := kubernetes.NewForConfig(wc)
	if err != nil {
		return nil, fmt.Errorf("watch client: %w", err)
	}
	report := &SchedulingReport{Nodes: cfg.Nodes, Workload: cfg.Workload, LoadAverage: loadAverage()}
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
	if cfg.ServerPID > 0 && cfg.Settle > 0 {
		settled, err := waitSettled(ctx, cfg.ServerPID, cfg.Settle)
		if err != nil {
			return nil, err
		}
		report.SettledIn = settled
	}
	if cfg.ServerPID > 0 && cfg.IdleSample > 0 {
		// What the idle cluster costs (node heartbeats): subtracted to
		// get the cost of the pods.
		c0, err0 := procCPU(cfg.ServerPID)
		t0 := time.Now()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(cfg.IdleSample):
		}
		if c1, err1 := procCPU(cfg.ServerPID); err0 == nil && err1 == nil {
			report.IdleCores = (c1 - c0).Seconds() / time.Since(t0).Seconds()
		}
	}

	run := "bench-sched-" + strconv.FormatInt(time.Now().UnixNano()%1e8, 36)
	namespaces := cfg.NamespaceNames(run)
	defer func() {
		for _, ns := range namespaces {
			_ = client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
		}
	}()
	for _, ns := range namespaces {
		if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create namespace %s: %w", ns, err)
		}
	}
	// One watch over every namespace of the run, by the run's label.
	selector := RunLabel + "=" + run

	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	tracker := newPodTracker()
	w, err := watchClient.CoreV1().Pods(metav1.NamespaceAll).Watch(runCtx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("watch pods: %w", err)
	}
	watchDone := make(chan error, 1)
	want := cfg.Pods()
	var progressMu sync.Mutex
	finished := make(chan struct{})
	go func() { watchDone <- followPods(runCtx, watchClient, selector, w, tracker, &progressMu, want) }()
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

	var cpuStart time.Duration
	if cfg.ServerPID > 0 {
		cpuStart, _ = procCPU(cfg.ServerPID)
	}
	profileDone := make(chan error, 1)
	if cfg.CPUProfile != "" {
		d := cfg.CPUProfileDuration
		if d <= 0 {
			d = 30 * time.Second
		}
		go func() { profileDone <- fetchCPUProfile(runCtx, client, d, cfg.CPUProfile) }()
	} else {
		profileDone <- nil
	}
	loadStart := time.Now()
	if err := createDeployments(runCtx, client, run, namespaces, cfg.Workload, cfg.Creators); err != nil {
		return nil, err
	}
	report.CreateElapsed = time.Since(loadStart)

	werr := <-watchDone
	close(finished)
	if cfg.ServerPID > 0 {
		if cpuEnd, err := procCPU(cfg.ServerPID); err == nil && cpuStart > 0 {
			report.ServerCPU = cpuEnd - cpuStart
		}
	}
	if errors.Is(werr, context.DeadlineExceeded) && ctx.Err() == nil {
		report.TimedOut = true
	} else if werr != nil {
		return nil, werr
	}
	report.Pods, report.Bound, report.Running = len(tracker.pods), tracker.bound, tracker.running
	if !tracker.lastBound.IsZero() {
		report.BindElapsed = tracker.lastBound.Sub(loadStart)
		report.FirstBound = tracker.firstBound.Sub(loadStart)
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
	if err := <-profileDone; err != nil && cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "warning: %v\n", err)
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

func createDeployments(ctx context.Context, client kubernetes.Interface, run string, namespaces []string, w Workload, creators int) error {
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for c := 0; c < creators; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d := w.Deployment(i)
				d.Spec.Template.Labels[RunLabel] = run
				_, err := client.AppsV1().Deployments(namespaces[i%len(namespaces)]).Create(ctx, d, metav1.CreateOptions{})
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
func followPods(ctx context.Context, client kubernetes.Interface, selector string, w watch.Interface, tracker *podTracker, mu *sync.Mutex, want int) error {
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
		w, err = client.CoreV1().Pods(metav1.NamespaceAll).Watch(ctx, metav1.ListOptions{ResourceVersion: rv, LabelSelector: selector})
		if err != nil {
			return fmt.Errorf("re-watch pods: %w", err)
		}
	}
}
