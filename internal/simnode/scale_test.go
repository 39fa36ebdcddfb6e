package simnode

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/server"
	"github.com/nauta/nauta/internal/server/servertest"
)

// BenchmarkMarkRunning10kPods measures how long the simulator takes to mark
// 10,000 already-bound pods (on 100 simulated nodes) Running:
//
//	go test -run '^$' -bench MarkRunning -benchtime 1x ./internal/simnode/
//
// NAUTA_SIMNODE_WORKERS overrides Config.Workers.
//
// The pods are created before the runner starts, so the time reported
// (seconds-to-running, pods/s) is the simulator's alone.
func BenchmarkMarkRunning10kPods(b *testing.B) {
	const pods, nodes = 10000, 100
	restCfg := servertest.Start(b, func(c *server.Config) { c.Logger = servertest.Logger(b, slog.LevelError) })
	fast := rest.CopyConfig(restCfg)
	fast.QPS, fast.Burst = 2000, 4000
	fast.AcceptContentTypes = "application/vnd.kubernetes.protobuf"
	fast.ContentType = "application/vnd.kubernetes.protobuf"
	client := kubernetes.NewForConfigOrDie(fast)
	ctx := context.Background()

	for iter := range b.N {
		ns := fmt.Sprintf("scale-%d", iter)
		if _, err := client.CoreV1().Namespaces().Create(ctx, &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		createStart := time.Now()
		createPods(ctx, b, client, ns, pods, nodes)
		b.Logf("created %d pods in %v", pods, time.Since(createStart).Round(time.Millisecond))
		b.ResetTimer()

		runCtx, cancel := context.WithCancel(ctx)
		start := time.Now()
		workers, _ := strconv.Atoi(os.Getenv("NAUTA_SIMNODE_WORKERS")) // 0: the default
		r, err := New(Config{RESTConfig: restCfg, Nodes: nodes, Workers: workers, Logger: servertest.Logger(b, slog.LevelWarn)})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- r.Run(runCtx) }()
		for {
			list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{
				FieldSelector: "status.phase!=Running", ResourceVersion: "0",
			})
			if err == nil && len(list.Items) == 0 {
				break
			}
			if time.Since(start) > 10*time.Minute {
				b.Fatalf("not all pods running after 10 minutes")
			}
			time.Sleep(time.Second)
		}
		took := time.Since(start)
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(took.Seconds(), "seconds-to-running")
		b.ReportMetric(float64(pods)/took.Seconds(), "pods/s")
		b.Logf("%d pods Running in %v (including registering %d nodes)", pods, took.Round(time.Millisecond), nodes)
	}
}

func createPods(ctx context.Context, b *testing.B, client kubernetes.Interface, ns string, n, nodes int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				pod := &v1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%05d", i)},
					Spec: v1.PodSpec{
						NodeName:   fmt.Sprintf("%s%d", DefaultNamePrefix, i%nodes),
						Containers: []v1.Container{{Name: "app", Image: "busybox"}},
					},
				}
				if _, err := client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatalf("create pods: %v", err)
	}
}

// BenchmarkIdle1000Nodes measures what keeping 1,000 simulated nodes alive
// costs (lease renewals and the API server handling them, both in this
// process) over 30 seconds, as CPU seconds per wall second:
//
//	go test -run '^$' -bench Idle1000Nodes -benchtime 1x ./internal/simnode/
func BenchmarkIdle1000Nodes(b *testing.B) {
	restCfg := servertest.Start(b, func(c *server.Config) { c.Logger = servertest.Logger(b, slog.LevelError) })
	for range b.N {
		ctx, cancel := context.WithCancel(context.Background())
		r, err := New(Config{RESTConfig: restCfg, Nodes: 1000, Logger: servertest.Logger(b, slog.LevelWarn)})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		<-r.Ready()
		b.Logf("registered 1000 nodes and leases in %v", time.Since(start).Round(time.Millisecond))

		const window = 30 * time.Second
		before := cpuTime()
		time.Sleep(window)
		used := cpuTime() - before
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(used.Seconds()/window.Seconds(), "cpu-cores")
		b.Logf("1000 idle nodes: %.2f CPU seconds per second (simulator and API server together)", used.Seconds()/window.Seconds())
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
