package cacher

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// wrappedStore is a real storage.Store that counts the watches opened on it
// and can cut the current one and hold the next one back, to drive the
// cacher through resumes and relists.
type wrappedStore struct {
	storage.Interface
	watches atomic.Int32
	lists   atomic.Int32
	// fromCache counts updates started from a cached object.
	fromCache atomic.Int32

	mu      sync.Mutex
	gate    chan struct{}
	current watch.Interface
}

func (s *wrappedStore) GetList(ctx context.Context, key string, opts storage.ListOptions, list runtime.Object) error {
	s.lists.Add(1)
	return s.Interface.GetList(ctx, key, opts, list)
}

func (s *wrappedStore) GuaranteedUpdateFrom(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cached runtime.Object) error {
	if cached != nil {
		s.fromCache.Add(1)
	}
	return s.Interface.(*storage.Store).GuaranteedUpdateFrom(ctx, key, out, ignoreNotFound, preconditions, tryUpdate, cached)
}

func (s *wrappedStore) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	s.watches.Add(1)
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	w, err := s.Interface.Watch(ctx, key, opts)
	s.mu.Lock()
	s.current = w
	s.mu.Unlock()
	return w, err
}

// cutWatch stops the current underlying watch; the next one waits for gate.
func (s *wrappedStore) cutWatch(gate chan struct{}) {
	s.mu.Lock()
	s.gate = gate
	cur := s.current
	s.mu.Unlock()
	if cur != nil {
		cur.Stop()
	}
}

type fixture struct {
	t      testing.TB
	client *clientv3.Client
	store  *storage.Store
	ws     *wrappedStore
	cacher *Cacher
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// startCacher starts etcd, a Store and a pods Cacher tuned by tune.
func startCacher(t testing.TB, etcdOpts storagetest.Options, tune func(*Config)) *fixture {
	t.Helper()
	client := storagetest.StartEtcdWithOptions(t, etcdOpts)
	return startCacherOn(t, client, tune)
}

func startCacherOn(t testing.TB, client *clientv3.Client, tune func(*Config)) *fixture {
	t.Helper()
	store := storage.NewStore(client)
	ws := &wrappedStore{Interface: store}
	cfg := Config{
		Store:       ws,
		Prefix:      "/registry/pods",
		NewFunc:     func() runtime.Object { return &corev1.Pod{} },
		NewListFunc: func() runtime.Object { return &corev1.PodList{} },
		Attrs:       storagetest.PodAttrs,
		WaitTimeout: time.Second,
	}
	if tune != nil {
		tune(&cfg)
	}
	c := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	f := &fixture{t: t, client: client, store: store, ws: ws, cacher: c, cancel: cancel, done: make(chan error, 1)}
	go func() { f.done <- c.Start(ctx) }()
	t.Cleanup(f.stop)
	readyCtx, readyCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer readyCancel()
	if err := c.WaitReady(readyCtx); err != nil {
		t.Fatalf("cacher not ready: %v", err)
	}
	return f
}

func (f *fixture) stop() {
	f.once.Do(func() {
		f.cancel()
		select {
		case <-f.done:
		case <-time.After(10 * time.Second):
			f.t.Error("cacher Start did not return within 10s of its context ending")
		}
	})
}

func relabel(t testing.TB, s storage.Interface, ns, name string, lbls map[string]string) *corev1.Pod {
	t.Helper()
	out := &corev1.Pod{}
	err := s.GuaranteedUpdate(context.Background(), storagetest.PodKey(ns, name), out, false, nil,
		func(cur runtime.Object) (runtime.Object, error) {
			pod := cur.(*corev1.Pod)
			pod.Labels = lbls
			return pod, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func labelPred(t testing.TB, sel string) storage.SelectionPredicate {
	t.Helper()
	s, err := labels.Parse(sel)
	if err != nil {
		t.Fatal(err)
	}
	return storage.SelectionPredicate{Label: s, Field: fields.Everything(), GetAttrs: storagetest.PodAttrs}
}

// expectClosed drains w until its channel closes, returning what it read.
func expectClosed(t testing.TB, w watch.Interface) []watch.Event {
	t.Helper()
	var got []watch.Event
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return got
			}
			got = append(got, ev)
		case <-deadline:
			t.Fatalf("watch not closed; read %d events", len(got))
		}
	}
}

type wantEvent struct {
	typ  watch.EventType
	name string
	v    string // label "v"
}

func checkEvent(t testing.TB, ev watch.Event, want wantEvent) {
	t.Helper()
	pod, ok := ev.Object.(*corev1.Pod)
	if ev.Type != want.typ || !ok || pod.Name != want.name || pod.Labels["v"] != want.v {
		if st, isStatus := ev.Object.(*metav1.Status); isStatus {
			t.Fatalf("got %s %+v, want %+v", ev.Type, st, want)
		}
		t.Fatalf("got %s %s (labels %v), want %+v", ev.Type, podName(ev.Object), podLabels(ev.Object), want)
	}
}

func podName(obj runtime.Object) string {
	if p, ok := obj.(*corev1.Pod); ok {
		return p.Namespace + "/" + p.Name
	}
	return ""
}

func podLabels(obj runtime.Object) map[string]string {
	if p, ok := obj.(*corev1.Pod); ok {
		return p.Labels
	}
	return nil
}

func rvOf(t testing.TB, obj runtime.Object) int64 {
	t.Helper()
	rv, err := storage.ObjectResourceVersion(obj)
	if err != nil {
		t.Fatal(err)
	}
	return rv
}

// waitCached waits until a RV=0 list from the cache has n pods.
func waitCached(t testing.TB, c *Cacher, n int) *corev1.PodList {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list := &corev1.PodList{}
		if err := c.GetList(context.Background(), "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: "0"}, list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) == n {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("cache has %d pods, want %d", len(list.Items), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
