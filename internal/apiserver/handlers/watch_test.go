package handlers_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

func nextEvent(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch closed")
			}
			if ev.Type == watch.Bookmark {
				continue
			}
			return ev
		case <-time.After(10 * time.Second):
			t.Fatal("no watch event")
		}
	}
}

func eventName(ev watch.Event) string {
	if m, ok := ev.Object.(metav1.Object); ok {
		return string(ev.Type) + " " + m.GetName()
	}
	return string(ev.Type)
}

func TestWatchSelectorsAndTransitions(t *testing.T) {
	for _, proto := range []bool{false, true} {
		t.Run(fmt.Sprintf("protobuf=%v", proto), func(t *testing.T) {
			ts := newTestServer(t)
			ctx := ctxT(t)
			mustCreateNamespace(t, ts, "ns1")
			client := ts.client
			if proto {
				cfg := rest.CopyConfig(ts.config)
				cfg.ContentType = runtime.ContentTypeProtobuf
				cfg.AcceptContentTypes = runtime.ContentTypeProtobuf
				client = kubernetes.NewForConfigOrDie(cfg)
			}
			cms := client.CoreV1().ConfigMaps("ns1")
			w, err := cms.Watch(ctx, metav1.ListOptions{LabelSelector: "watched=yes"})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			steps := []struct {
				do   func() error
				want string
			}{
				{func() error {
					_, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, metav1.CreateOptions{})
					if err != nil {
						return err
					}
					_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"watched": "yes"}}}, metav1.CreateOptions{})
					return err
				}, "ADDED a"},
				{func() error {
					_, err := cms.Patch(ctx, "a", types.MergePatchType, []byte(`{"data":{"k":"v"}}`), metav1.PatchOptions{})
					return err
				}, "MODIFIED a"},
				{func() error {
					_, err := cms.Patch(ctx, "a", types.MergePatchType, []byte(`{"metadata":{"labels":{"watched":"no"}}}`), metav1.PatchOptions{})
					return err
				}, "DELETED a"},
				{func() error {
					_, err := cms.Patch(ctx, "other", types.MergePatchType, []byte(`{"metadata":{"labels":{"watched":"yes"}}}`), metav1.PatchOptions{})
					return err
				}, "ADDED other"},
				{func() error { return cms.Delete(ctx, "other", metav1.DeleteOptions{}) }, "DELETED other"},
			}
			for _, step := range steps {
				if err := step.do(); err != nil {
					t.Fatal(err)
				}
				if got := eventName(nextEvent(t, w)); got != step.want {
					t.Fatalf("got %q, want %q", got, step.want)
				}
			}
		})
	}
}

func TestWatchRawStream(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	cm, err := ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Legacy /watch/ path on one object, from before its creation.
	rv, _ := strconv.Atoi(cm.ResourceVersion)
	url := fmt.Sprintf("%s/api/v1/watch/namespaces/ns1/configmaps/a?resourceVersion=%d&timeoutSeconds=2", ts.srv.URL, rv-1)
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() {
		t.Fatalf("no event: %v", sc.Err())
	}
	var ev struct {
		Type   string
		Object map[string]interface{}
	}
	if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Type != "ADDED" || ev.Object["kind"] != "ConfigMap" || ev.Object["apiVersion"] != "v1" {
		t.Fatalf("first event %s: %v", sc.Text(), err)
	}
	// timeoutSeconds ends the stream; other objects never show up.
	start := time.Now()
	for sc.Scan() {
		if !strings.Contains(sc.Text(), `"BOOKMARK"`) {
			t.Fatalf("unexpected event %s", sc.Text())
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("watch did not time out: %v", d)
	}

	// sendInitialEvents needs resourceVersionMatch=NotOlderThan.
	r := ts.do("GET", "/api/v1/namespaces/ns1/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true", "", nil)
	if r.code != 422 {
		t.Fatalf("sendInitialEvents without match: %d %s", r.code, r.body)
	}
}

func TestWatchList(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	for _, n := range []string{"a", "b"} {
		if _, err := ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	w, err := ts.client.CoreV1().ConfigMaps("ns1").Watch(ctx, metav1.ListOptions{
		SendInitialEvents: &yes, AllowWatchBookmarks: true, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var got []string
	for {
		ev := <-w.ResultChan()
		if ev.Type == watch.Bookmark {
			m := ev.Object.(metav1.Object)
			if m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true" {
				break
			}
			continue
		}
		got = append(got, eventName(ev))
	}
	if fmt.Sprint(got) != "[ADDED a ADDED b]" {
		t.Fatalf("initial events: %v", got)
	}
}

func TestWatchExpired(t *testing.T) {
	// Straight on etcd: the watch cache keeps its own window of events.
	ts := newTestServerWith(t, false)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	var last string
	for i := 0; i < 5; i++ {
		cm, err := ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("c", i)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		last = cm.ResourceVersion
	}
	rev, _ := strconv.ParseInt(last, 10, 64)
	if _, err := ts.etcd.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	w, err := ts.client.CoreV1().ConfigMaps("ns1").Watch(ctx, metav1.ListOptions{ResourceVersion: "1"})
	if err != nil {
		if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
			t.Fatalf("watch from compacted revision: %v", err)
		}
		return
	}
	defer w.Stop()
	ev := nextEvent(t, w)
	st, ok := ev.Object.(*metav1.Status)
	if ev.Type != watch.Error || !ok || st.Code != http.StatusGone || st.Reason != metav1.StatusReasonExpired {
		t.Fatalf("expected a 410 ERROR event, got %#v", ev)
	}
	// A list at the compacted revision is 410 too.
	_, err = ts.client.CoreV1().ConfigMaps("ns1").List(ctx, metav1.ListOptions{ResourceVersion: "2", ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	if !apierrors.IsResourceExpired(err) {
		t.Fatalf("list at compacted revision: %v", err)
	}
}

func TestInformers(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	if _, err := ts.client.CoreV1().Pods("ns1").Create(ctx, testPod("before"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	factory := informers.NewSharedInformerFactory(ts.client, 0)
	pods := factory.Core().V1().Pods()
	informer := pods.Informer()
	stop := make(chan struct{})
	factory.Start(stop)
	defer factory.Shutdown()
	defer close(stop)
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		t.Fatal("informer did not sync")
	}
	if _, err := pods.Lister().Pods("ns1").Get("before"); err != nil {
		t.Fatalf("listed pod: %v", err)
	}
	if _, err := ts.client.CoreV1().Pods("ns1").Create(ctx, testPod("after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ts.client.CoreV1().Pods("ns1").Delete(ctx, "before", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, errAfter := pods.Lister().Pods("ns1").Get("after")
		_, errBefore := pods.Lister().Pods("ns1").Get("before")
		if errAfter == nil && apierrors.IsNotFound(errBefore) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("informer state: after=%v before=%v", errAfter, errBefore)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
