package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
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

// APIConfig says what to measure.
type APIConfig struct {
	// RESTConfig reaches the API server under test.
	RESTConfig *rest.Config
	// ServerPID, when set, is the server process whose RSS is reported.
	ServerPID int
	// Concurrency lists the client counts to run each phase with.
	Concurrency []int
	// PhaseDuration bounds each create/get phase.
	PhaseDuration time.Duration
	// Settle is how long after the last request the server's RSS is read
	// again, once the load's connections are closed.
	Settle time.Duration
	// ListObjects is how many objects the list phase lists at once (the
	// namespace also holds the kube-root-ca.crt ConfigMap).
	ListObjects int
	// Watchers is how many concurrent watches receive the watch phase's events.
	Watchers int
	// WatchEvents is how many objects the watch phase creates.
	WatchEvents int
}

func (c *APIConfig) defaults() {
	if len(c.Concurrency) == 0 {
		c.Concurrency = []int{1, 16, 64}
	}
	if c.Settle == 0 {
		c.Settle = 15 * time.Second
	}
	if c.PhaseDuration == 0 {
		c.PhaseDuration = 10 * time.Second
	}
	if c.ListObjects == 0 {
		c.ListObjects = 1000
	}
	if c.Watchers == 0 {
		c.Watchers = 1000
	}
	if c.WatchEvents == 0 {
		c.WatchEvents = 100
	}
}

// APIReport is the outcome of RunAPI.
type APIReport struct {
	Results []Result
	Watch   Result
	// ServerEndRSSKiB is read right after the last watch event arrived,
	// ServerRSSKiB a settle period later.
	ServerEndRSSKiB  int64
	ServerRSSKiB     int64
	ServerPeakRSSKiB int64
	Settle           time.Duration
}

// Write prints the report as Markdown tables.
func (r *APIReport) Write(w io.Writer) {
	fmt.Fprintln(w, "| phase | clients | ops | rate | p50 | p99 | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, res := range r.Results {
		fmt.Fprintln(w, res.String())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| watch delivery | watchers | events delivered | rate | p50 | p99 | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	fmt.Fprintln(w, r.Watch.String())
	if r.ServerRSSKiB > 0 {
		fmt.Fprintf(w, "\nserver RSS after the load (%s after the last request): %.1f MiB\n",
			r.Settle, float64(r.ServerRSSKiB)/1024)
		fmt.Fprintf(w, "server RSS at the end of the watch phase: %.1f MiB (peak during the run: %.1f MiB)\n",
			float64(r.ServerEndRSSKiB)/1024, float64(r.ServerPeakRSSKiB)/1024)
	}
}

// RunAPI runs every phase against cfg.RESTConfig in fresh namespaces and
// removes them afterwards.
func RunAPI(ctx context.Context, cfg APIConfig) (*APIReport, error) {
	cfg.defaults()
	rc := rest.CopyConfig(cfg.RESTConfig)
	rc.QPS, rc.Burst = -1, 0 // no client-side throttling: we measure the server
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e8, 36)
	report := &APIReport{}
	var namespaces []string
	defer func() {
		for _, ns := range namespaces {
			_ = client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
		}
	}()
	newNamespace := func(name string) (string, error) {
		ns := name + "-" + suffix
		_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err != nil {
			return "", fmt.Errorf("create namespace %s: %w", ns, err)
		}
		namespaces = append(namespaces, ns)
		return ns, nil
	}

	for _, n := range cfg.Concurrency {
		ns, err := newNamespace(fmt.Sprintf("bench-c%d", n))
		if err != nil {
			return nil, err
		}
		var next atomic.Int64
		var mu sync.Mutex
		var names []string
		res := runPhase(ctx, "create", n, cfg.PhaseDuration, func(ctx context.Context, worker int) error {
			name := fmt.Sprintf("cm-%d", next.Add(1))
			_, err := client.CoreV1().ConfigMaps(ns).Create(ctx, smallConfigMap(name), metav1.CreateOptions{})
			if err == nil {
				mu.Lock()
				names = append(names, name)
				mu.Unlock()
			}
			return err
		})
		report.Results = append(report.Results, res)
		if len(names) == 0 {
			return nil, fmt.Errorf("create phase with %d clients stored nothing", n)
		}
		res = runPhase(ctx, "get", n, cfg.PhaseDuration, func(ctx context.Context, worker int) error {
			_, err := client.CoreV1().ConfigMaps(ns).Get(ctx, names[rand.IntN(len(names))], metav1.GetOptions{})
			return err
		})
		report.Results = append(report.Results, res)
		// Like a real workload's churn, each phase's objects go away before
		// the next phase, through the namespace controller.
		if err := deleteNamespaceAndWait(ctx, client, ns, 5*time.Minute); err != nil {
			return nil, err
		}
	}

	listNS, err := newNamespace("bench-list")
	if err != nil {
		return nil, err
	}
	if err := fill(ctx, client, listNS, cfg.ListObjects); err != nil {
		return nil, err
	}
	for _, n := range cfg.Concurrency {
		res := runPhase(ctx, fmt.Sprintf("list %d (etcd)", cfg.ListObjects), n, cfg.PhaseDuration, func(ctx context.Context, worker int) error {
			l, err := client.CoreV1().ConfigMaps(listNS).List(ctx, metav1.ListOptions{})
			if err == nil && len(l.Items) < cfg.ListObjects {
				err = fmt.Errorf("listed %d items, want at least %d", len(l.Items), cfg.ListObjects)
			}
			return err
		})
		report.Results = append(report.Results, res)
		res = runPhase(ctx, fmt.Sprintf("list %d (cache, rv=0)", cfg.ListObjects), n, cfg.PhaseDuration, func(ctx context.Context, worker int) error {
			l, err := client.CoreV1().ConfigMaps(listNS).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
			if err == nil && len(l.Items) < cfg.ListObjects {
				err = fmt.Errorf("listed %d items, want at least %d", len(l.Items), cfg.ListObjects)
			}
			return err
		})
		report.Results = append(report.Results, res)
	}

	watchNS, err := newNamespace("bench-watch")
	if err != nil {
		return nil, err
	}
	report.Watch, err = runWatch(ctx, client, watchNS, cfg.Watchers, cfg.WatchEvents)
	if err != nil {
		return nil, err
	}
	if cfg.ServerPID > 0 {
		report.ServerEndRSSKiB, _ = procStatusKiB(cfg.ServerPID, "VmRSS:")
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(cfg.Settle):
		}
		report.Settle = cfg.Settle
		report.ServerRSSKiB, _ = procStatusKiB(cfg.ServerPID, "VmRSS:")
		report.ServerPeakRSSKiB, _ = procStatusKiB(cfg.ServerPID, "VmHWM:")
	}
	return report, nil
}

// deleteNamespaceAndWait deletes ns and waits until it is gone.
func deleteNamespaceAndWait(ctx context.Context, client kubernetes.Interface, ns string, timeout time.Duration) error {
	if err := client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("namespace %s still there %s after its deletion", ns, timeout)
}

func smallConfigMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"bench": "api"}},
		Data:       map[string]string{"key": "value"},
	}
}

// runPhase calls op from n workers until d passes and records latencies.
func runPhase(ctx context.Context, name string, n int, d time.Duration, op func(ctx context.Context, worker int) error) Result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all Latencies
	var errs int
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			var local Latencies
			localErrs := 0
			var localFirst error
			for ctx.Err() == nil {
				t0 := time.Now()
				err := op(ctx, worker)
				if ctx.Err() != nil {
					break
				}
				if err != nil {
					localErrs++
					if localFirst == nil {
						localFirst = err
					}
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			all = append(all, local...)
			errs += localErrs
			if firstErr == nil {
				firstErr = localFirst
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "bench %s x%d: %d errors, first: %v\n", name, n, errs, firstErr)
	}
	return Result{Name: name, Concurrency: n, Ops: len(all), Errors: errs, Elapsed: elapsed, P50: all.Percentile(50), P99: all.Percentile(99)}
}

// fill creates count configmaps in ns with 16 workers.
func fill(ctx context.Context, client kubernetes.Interface, ns string, count int) error {
	work := make(chan int)
	errc := make(chan error, 16)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, smallConfigMap(fmt.Sprintf("cm-%d", i)), metav1.CreateOptions{}); err != nil {
					select {
					case errc <- err:
					default:
					}
				}
			}
		}()
	}
	for i := 0; i < count; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errc:
		return fmt.Errorf("filling %s: %w", ns, err)
	default:
		return nil
	}
}

const sentAtAnnotation = "bench.nauta.dev/sent-at"

// runWatch opens watchers watches on ns, creates events objects one by one
// and measures the delay from just before each create to each delivery.
func runWatch(ctx context.Context, client kubernetes.Interface, ns string, watchers, events int) (Result, error) {
	list, err := client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return Result{}, fmt.Errorf("watch phase list: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var lat Latencies
	var received atomic.Int64
	var wg sync.WaitGroup
	ready := make(chan error, watchers)
	for i := 0; i < watchers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := client.CoreV1().ConfigMaps(ns).Watch(wctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
			ready <- err
			if err != nil {
				return
			}
			defer w.Stop()
			var local Latencies
			defer func() {
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			}()
			for ev := range w.ResultChan() {
				if ev.Type != watch.Added {
					continue
				}
				cm, ok := ev.Object.(*corev1.ConfigMap)
				if !ok {
					continue
				}
				sent, err := strconv.ParseInt(cm.Annotations[sentAtAnnotation], 10, 64)
				if err != nil {
					continue
				}
				local = append(local, time.Since(time.Unix(0, sent)))
				if received.Add(1) == int64(watchers*events) {
					cancel()
				}
			}
		}()
	}
	var watchErrs int
	for i := 0; i < watchers; i++ {
		if err := <-ready; err != nil {
			watchErrs++
		}
	}
	if watchErrs == watchers {
		return Result{}, fmt.Errorf("no watch could be opened")
	}
	start := time.Now()
	for i := 0; i < events; i++ {
		cm := smallConfigMap(fmt.Sprintf("w-%d", i))
		cm.Annotations = map[string]string{sentAtAnnotation: strconv.FormatInt(time.Now().UnixNano(), 10)}
		if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			watchErrs++
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-wctx.Done():
	case <-time.After(30 * time.Second):
		cancel()
	}
	wg.Wait()
	missing := watchers*events - int(received.Load())
	return Result{
		Name:        "watch",
		Concurrency: watchers,
		Ops:         len(lat),
		Errors:      watchErrs + missing,
		Elapsed:     time.Since(start),
		P50:         lat.Percentile(50),
		P99:         lat.Percentile(99),
	}, nil
}

// procStatusKiB reads a kB field (VmRSS:, VmHWM:) of pid's /proc status.
func procStatusKiB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			f := strings.Fields(line)
			if len(f) >= 2 {
				return strconv.ParseInt(f[1], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
