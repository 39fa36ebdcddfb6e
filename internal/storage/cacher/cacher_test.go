package cacher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

func TestCacherReads(t *testing.T) {
	client := storagetest.StartEtcd(t)
	pre := storage.NewStore(client)
	storagetest.CreatePod(t, pre, storagetest.NewPod("a", "before", map[string]string{"app": "web"}))
	f := startCacherOn(t, client, func(cfg *Config) { cfg.WaitTimeout = 300 * time.Millisecond })
	c := f.cacher
	ctx := storagetest.Context(t)

	storagetest.CreatePod(t, c, storagetest.NewPod("a", "p1", map[string]string{"app": "db"}))
	storagetest.CreatePod(t, c, storagetest.NewPod("b", "p2", map[string]string{"app": "web"}))
	last := storagetest.CreatePod(t, c, storagetest.NewPod("a", "p3", nil))
	// Something else under a longer prefix never shows up.
	if _, err := client.Put(ctx, "/registry/podsx/a/x", "junk"); err != nil {
		t.Fatal(err)
	}

	listTests := []struct {
		name      string
		key       string
		opts      storage.ListOptions
		want      []string
		wantErr   error
		fromCache bool
	}{
		{name: "at least last write", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, ResourceVersion: last.ResourceVersion},
			want: []string{"a/before", "a/p1", "a/p3", "b/p2"}, fromCache: true},
		{name: "any", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, ResourceVersion: "0"},
			want: []string{"a/before", "a/p1", "a/p3", "b/p2"}, fromCache: true},
		{name: "any ignores limit", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, ResourceVersion: "0", Predicate: storage.SelectionPredicate{Limit: 1}},
			want: []string{"a/before", "a/p1", "a/p3", "b/p2"}, fromCache: true},
		{name: "namespace", key: "/registry/pods/a", opts: storage.ListOptions{Recursive: true, ResourceVersion: "0"},
			want: []string{"a/before", "a/p1", "a/p3"}, fromCache: true},
		{name: "selector", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, ResourceVersion: "0", Predicate: labelPred(t, "app=web")},
			want: []string{"a/before", "b/p2"}, fromCache: true},
		{name: "single key", key: storagetest.PodKey("b", "p2"), opts: storage.ListOptions{ResourceVersion: "0"},
			want: []string{"b/p2"}, fromCache: true},
		{name: "consistent goes to etcd", key: "/registry/pods", opts: storage.ListOptions{Recursive: true},
			want: []string{"a/before", "a/p1", "a/p3", "b/p2"}},
		{name: "limited goes to etcd", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, ResourceVersion: last.ResourceVersion, Predicate: storage.SelectionPredicate{Limit: 2}},
			want: []string{"a/before", "a/p1"}},
		{name: "future", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, ResourceVersion: "999999"},
			wantErr: storage.ErrTooLargeResourceVersion, fromCache: true},
	}
	for _, tt := range listTests {
		t.Run("list "+tt.name, func(t *testing.T) {
			before := f.ws.lists.Load()
			list := &corev1.PodList{}
			err := c.GetList(ctx, tt.key, tt.opts, list)
			if storagetest.ExpectError(t, err, tt.wantErr) {
				return
			}
			var got []string
			for _, p := range list.Items {
				got = append(got, p.Namespace+"/"+p.Name)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if served := f.ws.lists.Load() == before; served != tt.fromCache {
				t.Fatalf("served from cache = %v, want %v", served, tt.fromCache)
			}
			if rvOf(t, list) < rvOf(t, last) {
				t.Fatalf("list rv %s older than the last write %s", list.ResourceVersion, last.ResourceVersion)
			}
		})
	}

	getTests := []struct {
		name    string
		key     string
		opts    storage.GetOptions
		wantErr error
	}{
		{name: "any", key: storagetest.PodKey("a", "p1"), opts: storage.GetOptions{ResourceVersion: "0"}},
		{name: "at least", key: storagetest.PodKey("a", "p3"), opts: storage.GetOptions{ResourceVersion: last.ResourceVersion}},
		{name: "consistent", key: storagetest.PodKey("a", "p3")},
		{name: "missing", key: storagetest.PodKey("a", "zz"), opts: storage.GetOptions{ResourceVersion: "0"}, wantErr: storage.ErrKeyNotFound},
		{name: "missing ignored", key: storagetest.PodKey("a", "zz"), opts: storage.GetOptions{ResourceVersion: "0", IgnoreNotFound: true}},
		{name: "future", key: storagetest.PodKey("a", "p1"), opts: storage.GetOptions{ResourceVersion: "999999"}, wantErr: storage.ErrTooLargeResourceVersion},
	}
	for _, tt := range getTests {
		t.Run("get "+tt.name, func(t *testing.T) {
			out := &corev1.Pod{}
			err := c.Get(ctx, tt.key, tt.opts, out)
			if storagetest.ExpectError(t, err, tt.wantErr) {
				return
			}
			if !tt.opts.IgnoreNotFound && storagetest.PodKey(out.Namespace, out.Name) != tt.key {
				t.Fatalf("got %s/%s", out.Namespace, out.Name)
			}
		})
	}

	t.Run("get copies", func(t *testing.T) {
		out := &corev1.Pod{}
		if err := c.Get(ctx, storagetest.PodKey("b", "p2"), storage.GetOptions{ResourceVersion: "0"}, out); err != nil {
			t.Fatal(err)
		}
		out.Labels["app"] = "changed"
		again := &corev1.Pod{}
		if err := c.Get(ctx, storagetest.PodKey("b", "p2"), storage.GetOptions{ResourceVersion: "0"}, again); err != nil {
			t.Fatal(err)
		}
		if again.Labels["app"] != "web" {
			t.Fatalf("changing a Get result changed the cache")
		}
	})
}

func TestCacherWatch(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, nil)
	c := f.cacher
	ctx := storagetest.Context(t)
	storagetest.CreatePod(t, c, storagetest.NewPod("ns", "a", map[string]string{"app": "web", "v": "a"}))
	b := storagetest.CreatePod(t, c, storagetest.NewPod("ns", "b", map[string]string{"app": "db", "v": "b"}))
	waitCached(t, c, 2)
	yes, no := true, false

	tests := []struct {
		name    string
		key     string
		opts    storage.ListOptions
		initial []wantEvent
		// wantEnd expects the initial-events-end bookmark.
		wantEnd bool
		live    []wantEvent
	}{
		{name: "rv empty", key: "/registry/pods", opts: storage.ListOptions{Recursive: true},
			initial: []wantEvent{{watch.Added, "a", "a"}, {watch.Added, "b", "b"}},
			live:    []wantEvent{{watch.Modified, "b", "b1"}, {watch.Modified, "b", "b2"}, {watch.Added, "c", "c"}}},
		{name: "rv 0 with selector", key: "/registry/pods/ns", opts: storage.ListOptions{Recursive: true, ResourceVersion: "0", Predicate: labelPred(t, "app=web")},
			initial: []wantEvent{{watch.Added, "a", "a"}},
			live:    []wantEvent{{watch.Added, "b", "b1"}, {watch.Deleted, "b", "b1"}, {watch.Added, "c", "c"}}},
		{name: "from rv replays", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, ResourceVersion: b.ResourceVersion, Predicate: labelPred(t, "app=web")},
			live: []wantEvent{{watch.Added, "b", "b1"}, {watch.Deleted, "b", "b1"}, {watch.Added, "c", "c"}}},
		{name: "single key", key: storagetest.PodKey("ns", "b"), opts: storage.ListOptions{ResourceVersion: "0"},
			initial: []wantEvent{{watch.Added, "b", "b"}},
			live:    []wantEvent{{watch.Modified, "b", "b1"}, {watch.Modified, "b", "b2"}}},
		{name: "send initial events", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, SendInitialEvents: &yes, AllowWatchBookmarks: true},
			initial: []wantEvent{{watch.Added, "a", "a"}, {watch.Added, "b", "b"}}, wantEnd: true,
			live: []wantEvent{{watch.Modified, "b", "b1"}, {watch.Modified, "b", "b2"}, {watch.Added, "c", "c"}}},
		{name: "no initial events", key: "/registry/pods", opts: storage.ListOptions{Recursive: true, SendInitialEvents: &no},
			live: []wantEvent{{watch.Modified, "b", "b1"}, {watch.Modified, "b", "b2"}, {watch.Added, "c", "c"}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every case starts from a: web, b: db and no c.
			_ = c.Delete(ctx, storagetest.PodKey("ns", "c"), &corev1.Pod{}, nil, nil)
			relabel(t, c, "ns", "b", map[string]string{"app": "db", "v": "b"})
			cur, _ := c.CurrentResourceVersion(ctx)
			waitRev(t, c, int64(cur))
			if tt.opts.ResourceVersion != "" && tt.opts.ResourceVersion != "0" {
				tt.opts.ResourceVersion = strconv.FormatUint(cur, 10)
			}

			w, err := c.Watch(ctx, tt.key, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			for _, want := range tt.initial {
				checkEvent(t, storagetest.NextEvent(t, w), want)
			}
			if tt.wantEnd {
				ev := storagetest.NextEvent(t, w)
				pod, _ := ev.Object.(*corev1.Pod)
				if ev.Type != watch.Bookmark || pod == nil || pod.Annotations[metav1.InitialEventsAnnotationKey] != "true" ||
					pod.ResourceVersion != strconv.FormatUint(cur, 10) {
					t.Fatalf("got %s %#v, want the initial-events-end bookmark at %d", ev.Type, ev.Object, cur)
				}
			}
			relabel(t, c, "ns", "b", map[string]string{"app": "web", "v": "b1"})
			relabel(t, c, "ns", "b", map[string]string{"app": "db", "v": "b2"})
			storagetest.CreatePod(t, c, storagetest.NewPod("ns", "c", map[string]string{"app": "web", "v": "c"}))
			for _, want := range tt.live {
				checkEvent(t, storagetest.NextEvent(t, w), want)
			}
			storagetest.ExpectNoEvent(t, w, 100*time.Millisecond)
			_ = i
		})
	}
}

// waitRev waits until the cache has seen rev.
func waitRev(t testing.TB, c *Cacher, rev int64) {
	t.Helper()
	if err := c.waitForRev(context.Background(), "", rev); err != nil {
		t.Fatal(err)
	}
}

func TestCacherWatchTooOld(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, func(cfg *Config) {
		cfg.Capacity = 3
		cfg.EventFreshness = time.Nanosecond
	})
	c := f.cacher
	ctx := storagetest.Context(t)
	first := storagetest.CreatePod(t, c, storagetest.NewPod("ns", "p0", nil))
	for i := 1; i < 6; i++ {
		storagetest.CreatePod(t, c, storagetest.NewPod("ns", fmt.Sprintf("p%d", i), nil))
	}
	waitCached(t, c, 6)

	w, err := c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: first.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	evs := expectClosed(t, w)
	if len(evs) != 1 || evs[0].Type != watch.Error {
		t.Fatalf("got %v, want one ERROR", evs)
	}
	st := evs[0].Object.(*metav1.Status)
	oldest := rvOf(t, first) + 2 // p2 is the newest evicted event
	wantMsg := fmt.Sprintf("too old resource version: %s (%d)", first.ResourceVersion, oldest)
	if st.Code != http.StatusGone || st.Reason != metav1.StatusReasonExpired || st.Status != metav1.StatusFailure || st.Message != wantMsg {
		t.Fatalf("status %+v, want 410 Expired %q", st, wantMsg)
	}

	// The newest three events are still replayable.
	w, err = c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: strconv.FormatInt(oldest, 10)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for i := 3; i < 6; i++ {
		ev := storagetest.NextEvent(t, w)
		if ev.Type != watch.Added || podName(ev.Object) != fmt.Sprintf("ns/p%d", i) {
			t.Fatalf("got %s %s", ev.Type, podName(ev.Object))
		}
	}
}

func TestCacherWatchFutureRV(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, func(cfg *Config) { cfg.WaitTimeout = 200 * time.Millisecond })
	_, err := f.cacher.Watch(storagetest.Context(t), "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: "999999"})
	if !errors.Is(err, storage.ErrTooLargeResourceVersion) {
		t.Fatalf("err = %v, want ErrTooLargeResourceVersion", err)
	}
}

func TestCacherFanOut(t *testing.T) {
	const watchers, pods = 1000, 20
	f := startCacher(t, storagetest.Options{}, nil)
	c := f.cacher
	ctx := storagetest.Context(t)
	ws := make([]watch.Interface, watchers)
	for i := range ws {
		opts := storage.ListOptions{Recursive: true}
		if i%2 == 1 {
			opts.Predicate = labelPred(t, "odd=true")
		}
		w, err := c.Watch(ctx, "/registry/pods", opts)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		ws[i] = w
	}
	go func() {
		for i := 0; i < pods; i++ {
			lbls := map[string]string{}
			if i%2 == 1 {
				lbls["odd"] = "true"
			}
			storagetest.CreatePod(t, f.store, storagetest.NewPod("ns", fmt.Sprintf("p%02d", i), lbls))
		}
	}()
	errs := make(chan error, watchers)
	for i, w := range ws {
		go func() {
			want := pods
			step := 1
			if i%2 == 1 {
				want, step = pods/2, 2
			}
			for n := 0; n < want; n++ {
				select {
				case ev := <-w.ResultChan():
					wantName := fmt.Sprintf("ns/p%02d", (step-1)+n*step)
					if ev.Type != watch.Added || podName(ev.Object) != wantName {
						errs <- fmt.Errorf("watcher %d: got %s %s, want ADDED %s", i, ev.Type, podName(ev.Object), wantName)
						return
					}
				case <-time.After(30 * time.Second):
					errs <- fmt.Errorf("watcher %d: timed out after %d events", i, n)
					return
				}
			}
			errs <- nil
		}()
	}
	for range ws {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := f.ws.watches.Load(); n != 1 {
		t.Fatalf("%d etcd watches for %d watchers, want 1", n, watchers)
	}
}

func TestCacherSlowWatcher(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, func(cfg *Config) { cfg.WatcherBuffer = 5 })
	c := f.cacher
	ctx := storagetest.Context(t)
	slow, err := c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Stop()
	fast, err := c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Stop()

	const pods = 30
	got := make(chan int)
	go func() {
		n := 0
		for n < pods {
			if _, ok := <-fast.ResultChan(); !ok {
				break
			}
			n++
		}
		got <- n
	}()
	for i := 0; i < pods; i++ {
		storagetest.CreatePod(t, c, storagetest.NewPod("ns", fmt.Sprintf("p%02d", i), nil))
	}
	if n := <-got; n != pods {
		t.Fatalf("fast watcher got %d events, want %d", n, pods)
	}
	// The slow one was cut off: it delivers what was buffered, then closes.
	evs := expectClosed(t, slow)
	if len(evs) == 0 || len(evs) >= pods {
		t.Fatalf("slow watcher delivered %d events, want some but not all", len(evs))
	}
	for i, ev := range evs {
		if ev.Type != watch.Added || podName(ev.Object) != fmt.Sprintf("ns/p%02d", i) {
			t.Fatalf("slow watcher event %d: %s %s", i, ev.Type, podName(ev.Object))
		}
	}
	// Its client resumes from the last event it saw without a gap.
	resumed, err := c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true,
		ResourceVersion: strconv.FormatInt(rvOf(t, evs[len(evs)-1].Object), 10)})
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Stop()
	for i := len(evs); i < pods; i++ {
		if ev := storagetest.NextEvent(t, resumed); podName(ev.Object) != fmt.Sprintf("ns/p%02d", i) {
			t.Fatalf("resumed watch: got %s, want ns/p%02d", podName(ev.Object), i)
		}
	}
}

func TestCacherBookmarks(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, func(cfg *Config) { cfg.BookmarkInterval = 100 * time.Millisecond })
	c := f.cacher
	ctx := storagetest.Context(t)
	p := storagetest.CreatePod(t, c, storagetest.NewPod("ns", "p", nil))
	waitCached(t, c, 1)

	with, err := c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: p.ResourceVersion, AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer with.Stop()
	without, err := c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: p.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer without.Stop()

	for i := 0; i < 2; i++ {
		ev := storagetest.NextEvent(t, with)
		pod, ok := ev.Object.(*corev1.Pod)
		if ev.Type != watch.Bookmark || !ok || pod.ResourceVersion != p.ResourceVersion || pod.Name != "" {
			t.Fatalf("got %s %#v, want a bare BOOKMARK at %s", ev.Type, ev.Object, p.ResourceVersion)
		}
	}
	storagetest.ExpectNoEvent(t, without, 300*time.Millisecond)
}

func TestCacherProgressNotifyAdvancesRevision(t *testing.T) {
	f := startCacher(t, storagetest.Options{ProgressNotifyInterval: 100 * time.Millisecond},
		func(cfg *Config) { cfg.WaitTimeout = 5 * time.Second })
	ctx := storagetest.Context(t)
	// A write to another resource moves etcd's revision without any pod
	// event; only progress notifications tell the pod cache.
	put, err := f.client.Put(ctx, "/registry/configmaps/ns/x", "y")
	if err != nil {
		t.Fatal(err)
	}
	rv := strconv.FormatInt(put.Header.Revision, 10)
	before := f.ws.lists.Load()
	list := &corev1.PodList{}
	if err := f.cacher.GetList(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: rv,
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}, list); err != nil {
		t.Fatal(err)
	}
	if f.ws.lists.Load() != before {
		t.Fatalf("list went to etcd")
	}
	if rvOf(t, list) < put.Header.Revision {
		t.Fatalf("list rv %s, want >= %d", list.ResourceVersion, put.Header.Revision)
	}
}

func TestCacherRelist(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, nil)
	c := f.cacher
	ctx := storagetest.Context(t)
	storagetest.CreatePod(t, c, storagetest.NewPod("ns", "a", nil))
	storagetest.CreatePod(t, c, storagetest.NewPod("ns", "b", nil))
	waitCached(t, c, 2)
	w, err := c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	storagetest.NextEvent(t, w)
	storagetest.NextEvent(t, w)

	t.Run("resume without relist", func(t *testing.T) {
		// A cut watch resumes from the cache's revision: nothing is lost
		// and watchers are not disturbed.
		gate := make(chan struct{})
		f.ws.cutWatch(gate)
		storagetest.CreatePod(t, f.store, storagetest.NewPod("ns", "c", nil))
		lists := f.ws.lists.Load()
		close(gate)
		checkEvent(t, storagetest.NextEvent(t, w), wantEvent{watch.Added, "c", ""})
		if f.ws.lists.Load() != lists {
			t.Fatalf("the cache relisted")
		}
	})

	t.Run("compacted relists", func(t *testing.T) {
		gate := make(chan struct{})
		f.ws.cutWatch(gate)
		if err := f.store.Delete(ctx, storagetest.PodKey("ns", "a"), &corev1.Pod{}, nil, nil); err != nil {
			t.Fatal(err)
		}
		storagetest.CreatePod(t, f.store, storagetest.NewPod("ns", "d", nil))
		cur, err := f.store.CurrentResourceVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.client.Compact(ctx, int64(cur)); err != nil {
			t.Fatal(err)
		}
		close(gate)

		evs := expectClosed(t, w)
		if len(evs) != 1 || evs[0].Type != watch.Error || evs[0].Object.(*metav1.Status).Code != http.StatusGone {
			t.Fatalf("old watcher got %v, want one 410 ERROR", evs)
		}
		list := waitCached(t, c, 3)
		var names []string
		for _, p := range list.Items {
			names = append(names, p.Name)
		}
		if !reflect.DeepEqual(names, []string{"b", "c", "d"}) {
			t.Fatalf("after relist: %v", names)
		}
		// New watchers work again.
		w2, err := c.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: strconv.FormatUint(cur, 10)})
		if err != nil {
			t.Fatal(err)
		}
		defer w2.Stop()
		storagetest.CreatePod(t, f.store, storagetest.NewPod("ns", "e", nil))
		checkEvent(t, storagetest.NextEvent(t, w2), wantEvent{watch.Added, "e", ""})
	})
}

func TestCacherStopClosesWatchers(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	byCtx, err := f.cacher.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	byStop, err := f.cacher.Watch(context.Background(), "/registry/pods", storage.ListOptions{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	byShutdown, err := f.cacher.Watch(context.Background(), "/registry/pods", storage.ListOptions{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	expectClosed(t, byCtx)
	byStop.Stop()
	expectClosed(t, byStop)
	f.stop()
	expectClosed(t, byShutdown)
	f.cacher.mu.RLock()
	n := len(f.cacher.watchers)
	f.cacher.mu.RUnlock()
	if n != 0 {
		t.Fatalf("%d watchers still registered", n)
	}
}

// A watch-list (sendInitialEvents=true, no resourceVersion) is a consistent
// read: objects written just before it are in its initial events even when
// the cache has not processed them yet.
func TestCacherWatchListIsConsistent(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, nil)
	c := f.cacher
	yes := true
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("p%d", i)
		created := storagetest.CreatePod(t, f.store, storagetest.NewPod("ns", name, nil))
		w, err := c.Watch(storagetest.Context(t), "/registry/pods", storage.ListOptions{
			Recursive: true, SendInitialEvents: &yes, AllowWatchBookmarks: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for {
			ev := storagetest.NextEvent(t, w)
			if ev.Type == watch.Bookmark {
				break
			}
			if pod := ev.Object.(*corev1.Pod); pod.Name == name && pod.ResourceVersion == created.ResourceVersion {
				found = true
			}
		}
		w.Stop()
		if !found {
			t.Fatalf("watch-list started after writing %s (rv %s) lacks it", name, created.ResourceVersion)
		}
	}
}

// TestCacherUpdatesStartFromTheCache: an update of a cached key starts
// from the cached object and leaves it as it was; a key the cache does
// not hold is read from the store.
func TestCacherUpdatesStartFromTheCache(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, nil)
	c := f.cacher
	ctx := storagetest.Context(t)
	storagetest.CreatePod(t, c, storagetest.NewPod("a", "p", map[string]string{"app": "web"}))
	cached := waitCached(t, c, 1).Items[0].DeepCopy()

	out := &corev1.Pod{}
	err := c.GuaranteedUpdate(ctx, storagetest.PodKey("a", "p"), out, false, nil, func(cur runtime.Object) (runtime.Object, error) {
		pod := cur.(*corev1.Pod)
		pod.Labels["app"] = "db"
		return pod, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.ws.fromCache.Load(); got != 1 {
		t.Errorf("%d updates started from the cache, want 1", got)
	}
	if out.Labels["app"] != "db" || rvOf(t, out) <= rvOf(t, cached) {
		t.Errorf("updated %v at %s", out.Labels, out.ResourceVersion)
	}
	list := &corev1.PodList{}
	if err := c.GetList(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: out.ResourceVersion}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Labels["app"] != "db" {
		t.Errorf("cache holds %+v after the update", list.Items)
	}

	err = c.GuaranteedUpdate(ctx, storagetest.PodKey("a", "missing"), &corev1.Pod{}, false, nil, func(cur runtime.Object) (runtime.Object, error) {
		return cur, nil
	})
	if !errors.Is(err, storage.ErrKeyNotFound) {
		t.Errorf("update of a missing key: %v, want not found", err)
	}
	if got := f.ws.fromCache.Load(); got != 1 {
		t.Errorf("%d updates started from the cache, want still 1", got)
	}
}

// TestDeletionFromCachedState: the cache's etcd watch carries no previous
// values, so a deletion is told from the cached last state, at the
// deletion's revision, as etcd's previous value would give it.
func TestDeletionFromCachedState(t *testing.T) {
	f := startCacher(t, storagetest.Options{}, nil)
	ctx := storagetest.Context(t)
	w, err := f.cacher.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	storagetest.CreatePod(t, f.store, storagetest.NewPod("del", "p", map[string]string{"v": "1"}))
	checkEvent(t, storagetest.NextEvent(t, w), wantEvent{watch.Added, "p", "1"})
	last := relabel(t, f.store, "del", "p", map[string]string{"v": "2"})
	modified := storagetest.NextEvent(t, w) // its object is the cached one
	checkEvent(t, modified, wantEvent{watch.Modified, "p", "2"})
	cachedRV := rvOf(t, modified.Object)
	if err := f.store.Delete(ctx, storagetest.PodKey("del", "p"), &corev1.Pod{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	ev := storagetest.NextEvent(t, w)
	checkEvent(t, ev, wantEvent{watch.Deleted, "p", "2"})
	if rvOf(t, ev.Object) <= rvOf(t, last) {
		t.Errorf("deleted at %d, not after the last write at %d", rvOf(t, ev.Object), rvOf(t, last))
	}
	if rvOf(t, modified.Object) != cachedRV {
		t.Error("the deletion changed the cached object it was told from")
	}
}
