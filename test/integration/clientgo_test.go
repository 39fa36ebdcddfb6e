// Package integration drives a whole in-process control plane (embedded
// etcd, watch caches, API server over TLS) through client-go, as the
// scheduler, controllers and users' programs will.
package integration

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/nauta/nauta/internal/server"
	"github.com/nauta/nauta/internal/server/servertest"
)

func newClient(t *testing.T, configure func(*server.Config)) kubernetes.Interface {
	t.Helper()
	cfg := servertest.Start(t, configure)
	cfg.QPS, cfg.Burst = 500, 1000
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func createNamespace(t *testing.T, client kubernetes.Interface, name string) {
	t.Helper()
	_, err := client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

func configMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"k": "v"}}
}

func TestCRUDAndConflicts(t *testing.T) {
	client := newClient(t, nil)
	ctx := context.Background()
	createNamespace(t, client, "crud")
	cms := client.CoreV1().ConfigMaps("crud")

	created, err := cms.Create(ctx, configMap("a"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.UID == "" || created.ResourceVersion == "" || created.CreationTimestamp.IsZero() {
		t.Fatalf("server did not set uid/resourceVersion/creationTimestamp: %+v", created.ObjectMeta)
	}
	if _, err := cms.Create(ctx, configMap("a"), metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v, want AlreadyExists", err)
	}

	gen := configMap("")
	gen.GenerateName = "gen-"
	got, err := cms.Create(ctx, gen, metav1.CreateOptions{})
	if err != nil || len(got.Name) != len("gen-")+5 {
		t.Fatalf("generateName: name %q, err %v", got.GetName(), err)
	}

	first := created.DeepCopy()
	first.Data["k"] = "v2"
	updated, err := cms.Update(ctx, first, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.ResourceVersion == created.ResourceVersion {
		t.Fatal("update did not change resourceVersion")
	}
	stale := created.DeepCopy()
	stale.Data["k"] = "stale"
	if _, err := cms.Update(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("update with stale resourceVersion: %v, want Conflict", err)
	}

	if err := cms.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "a", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get after delete: %v, want NotFound", err)
	}
	if _, err := client.CoreV1().ConfigMaps("missing").Create(ctx, configMap("x"), metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("create in missing namespace: %v, want NotFound", err)
	}
}

func TestPaginationIsASnapshot(t *testing.T) {
	client := newClient(t, nil)
	ctx := context.Background()
	createNamespace(t, client, "pages")
	cms := client.CoreV1().ConfigMaps("pages")
	for i := 0; i < 25; i++ {
		if _, err := cms.Create(ctx, configMap(fmt.Sprintf("cm-%02d", i)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := cms.List(ctx, metav1.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 10 || page.Continue == "" {
		t.Fatalf("first page: %d items, continue %q", len(page.Items), page.Continue)
	}
	if page.RemainingItemCount == nil || *page.RemainingItemCount != 15 {
		t.Fatalf("remainingItemCount = %v, want 15", page.RemainingItemCount)
	}
	// Writes after the first page are not seen by the rest of the walk.
	if _, err := cms.Create(ctx, configMap("cm-99"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	seen := len(page.Items)
	for page.Continue != "" {
		page, err = cms.List(ctx, metav1.ListOptions{Limit: 10, Continue: page.Continue})
		if err != nil {
			t.Fatal(err)
		}
		seen += len(page.Items)
	}
	if seen != 25 {
		t.Fatalf("paged walk saw %d items, want the 25 of its snapshot", seen)
	}
	all, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil || len(all.Items) != 26 {
		t.Fatalf("full list: %d items, err %v", len(all.Items), err)
	}
}

func TestFinalizersHoldDeletion(t *testing.T) {
	client := newClient(t, nil)
	ctx := context.Background()
	createNamespace(t, client, "fin")
	cms := client.CoreV1().ConfigMaps("fin")
	cm := configMap("held")
	cm.Finalizers = []string{"example.com/hold"}
	if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := cms.Get(ctx, "held", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("object with a finalizer vanished on delete: %v", err)
	}
	if got.DeletionTimestamp == nil {
		t.Fatal("deletionTimestamp not set")
	}
	got.Finalizers = append(got.Finalizers, "example.com/another")
	if _, err := cms.Update(ctx, got, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) && !apierrors.IsForbidden(err) {
		t.Fatalf("adding a finalizer to a deleting object: %v, want rejection", err)
	}
	got.Finalizers = nil
	if _, err := cms.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "held", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after removing the last finalizer: %v, want NotFound", err)
	}
}

func TestInformerListWatchAndResync(t *testing.T) {
	client := newClient(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	createNamespace(t, client, "inf")
	cms := client.CoreV1().ConfigMaps("inf")
	if _, err := cms.Create(ctx, configMap("before"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	factory := informers.NewSharedInformerFactoryWithOptions(client, 500*time.Millisecond, informers.WithNamespace("inf"))
	inf := factory.Core().V1().ConfigMaps().Informer()
	var mu sync.Mutex
	events := map[string]int{}
	var resyncs atomic.Int64
	_, err := inf.AddEventHandlerWithResyncPeriod(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { mu.Lock(); events["add/"+obj.(*corev1.ConfigMap).Name]++; mu.Unlock() },
		UpdateFunc: func(old, cur interface{}) {
			o, c := old.(*corev1.ConfigMap), cur.(*corev1.ConfigMap)
			if o.ResourceVersion == c.ResourceVersion {
				resyncs.Add(1)
				return
			}
			mu.Lock()
			events["update/"+c.Name]++
			mu.Unlock()
		},
		DeleteFunc: func(obj interface{}) {
			if cm, ok := obj.(*corev1.ConfigMap); ok {
				mu.Lock()
				events["delete/"+cm.Name]++
				mu.Unlock()
			}
		},
	}, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("informer never synced")
	}
	if _, err := cms.Create(ctx, configMap("after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cm, err := cms.Get(ctx, "before", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["k"] = "changed"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "after", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"add/before", "add/after", "update/before", "delete/after"}
	waitFor(t, 10*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, w := range want {
			if events[w] == 0 {
				return fmt.Errorf("no %s event yet; have %v", w, events)
			}
		}
		if resyncs.Load() == 0 {
			return fmt.Errorf("no resync yet")
		}
		return nil
	})
}

func TestWatchGoneAfterCompactionAndInformerRelists(t *testing.T) {
	client := newClient(t, func(cfg *server.Config) { cfg.EtcdCompactionInterval = time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	createNamespace(t, client, "gone")
	cms := client.CoreV1().ConfigMaps("gone")
	first, err := cms.Create(ctx, configMap("first"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	oldRV := first.ResourceVersion
	// Push etcd's compaction and the watch cache's event window (at most
	// 10,000 events) past oldRV: 16 writers, 700 updates each.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cm, err := cms.Create(ctx, configMap(fmt.Sprintf("churn-%d", w)), metav1.CreateOptions{})
			for i := 0; err == nil && i < 700; i++ {
				cm.Data["k"] = fmt.Sprint(i)
				cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
			}
			if err != nil {
				errs <- err
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if _, err := cms.List(ctx, metav1.ListOptions{ResourceVersion: oldRV, ResourceVersionMatch: metav1.ResourceVersionMatchExact}); !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("exact list at a compacted resourceVersion: %v, want 410", err)
	}

	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: oldRV})
	if err == nil {
		select {
		case ev := <-w.ResultChan():
			st, ok := ev.Object.(*metav1.Status)
			if ev.Type != watch.Error || !ok || st.Code != 410 {
				t.Fatalf("watch from compacted rv: first event %v %#v, want ERROR 410", ev.Type, ev.Object)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("watch from a compacted resourceVersion sent nothing")
		}
		w.Stop()
	} else if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from compacted rv: %v, want 410", err)
	}

	// A reflector whose list hands it that stale version gets 410 on its
	// watch, relists, and then follows live changes.
	var lists atomic.Int64
	lw := &cache.ListWatch{
		ListFunc: func(opts metav1.ListOptions) (runtime.Object, error) {
			l, err := cms.List(ctx, opts)
			if err == nil && lists.Add(1) == 1 {
				l.ResourceVersion = oldRV
			}
			return l, err
		},
		WatchFunc: func(opts metav1.ListOptions) (watch.Interface, error) { return cms.Watch(ctx, opts) },
	}
	store := cache.NewStore(cache.MetaNamespaceKeyFunc)
	r := cache.NewReflector(listThenWatch{lw}, &corev1.ConfigMap{}, store, 0)
	go r.Run(ctx.Done())
	waitFor(t, 30*time.Second, func() error {
		if lists.Load() < 2 {
			return fmt.Errorf("reflector listed %d times, want a relist after 410", lists.Load())
		}
		return nil
	})
	if _, err := cms.Create(ctx, configMap("later"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() error {
		if _, ok, _ := store.GetByKey("gone/later"); !ok {
			return fmt.Errorf("reflector store lacks gone/later after relisting")
		}
		return nil
	})
}

// listThenWatch makes a reflector list and then watch instead of using a
// watch-list stream (client-go's default, which informers exercise).
type listThenWatch struct{ *cache.ListWatch }

func (listThenWatch) IsWatchListSemanticsUnSupported() bool { return true }

func waitFor(t *testing.T, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("after %s: %v", timeout, err)
}
