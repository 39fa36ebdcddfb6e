package scheduler_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/scheduler"
	"github.com/nauta/nauta/internal/scheduler/framework"
	"github.com/nauta/nauta/internal/scheduler/plugins"
	"github.com/nauta/nauta/internal/server/servertest"
)

// flakyBinder fails the first binding of every pod and passes later ones
// on to the next bind plugin (DefaultBinder).
type flakyBinder struct {
	mu    sync.Mutex
	calls map[string]int
}

func (*flakyBinder) Name() string { return "FlakyBinder" }

func (b *flakyBinder) Bind(_ context.Context, _ *framework.CycleState, pod *v1.Pod, _ string) *framework.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls[pod.Name]++
	if b.calls[pod.Name] == 1 {
		return framework.AsStatus(errors.New("injected binding failure"))
	}
	return framework.NewStatus(framework.Skip)
}

func (b *flakyBinder) count(pod string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[pod]
}

// A binding that fails in the background forgets the assumed pod (else
// the pod would look scheduled to the cache forever) and puts the pod
// back in the queue; the next attempt binds it.
func TestAsyncBindingFailureRequeues(t *testing.T) {
	cfg := servertest.Start(t, nil)
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	binder := &flakyBinder{calls: map[string]int{}}
	profile := plugins.DefaultProfile()
	i := slices.IndexFunc(profile, func(p framework.PluginConfig) bool { return p.Name == plugins.DefaultBinderName })
	profile = slices.Insert(profile, i, framework.PluginConfig{Name: binder.Name()})
	s, err := scheduler.New(scheduler.Config{
		RESTConfig:        cfg,
		Registry:          framework.Registry{binder.Name(): func(framework.Handle) (framework.Plugin, error) { return binder, nil }},
		Plugins:           profile,
		PodInitialBackoff: 100 * time.Millisecond,
		PodMaxBackoff:     time.Second,
		Logger:            servertest.Logger(t, slog.LevelInfo),
	})
	if err != nil {
		t.Fatal(err)
	}
	runUntilTestEnds(t, s)

	e := &env{t: t, client: client, ns: "default"}
	e.createNodes(t, nodeSpec{name: "n1", cpu: "4"})
	e.createPod(t, cpuPod("p", "100m"))
	if node := e.waitBound(t, "p"); node != "n1" {
		t.Fatalf("bound to %q", node)
	}
	if n := binder.count("p"); n != 2 {
		t.Errorf("bind attempts = %d, want 2 (one failure, one success)", n)
	}
	if msg := e.waitEvent(t, "p", "FailedScheduling"); msg == "" {
		t.Error("FailedScheduling event without a message")
	}
	e.waitEvent(t, "p", "Scheduled")
}
