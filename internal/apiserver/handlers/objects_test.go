package handlers_test

import (
	"crypto/x509"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/nauta/nauta/internal/apiserver/inprocess"
)

// objectTransport is an in-process transport to ts's handlers.
func objectTransport(t *testing.T, ts *testServer) *inprocess.Transport {
	t.Helper()
	tr, err := inprocess.NewTransport(ctxT(t), ts.handler, slog.New(slog.DiscardHandler), &x509.Certificate{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

var podsResource = inprocess.Resource{Version: "v1", Resource: "pods"}

// TestListAsObjects lists through the object stream: the items are the
// watch cache's own objects, not decoded copies.
func TestListAsObjects(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	mustCreateNamespace(t, ts, "ns2")
	var last string
	for _, ns := range []string{"ns1", "ns2"} {
		created, err := ts.client.CoreV1().Pods(ns).Create(ctx, testPod("p"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		last = created.ResourceVersion
	}
	lw := objectTransport(t, ts).ListWatch(podsResource, "ns1", nil)
	list := func() *corev1.PodList {
		t.Helper()
		// Served from the watch cache once it holds both pods.
		obj, err := lw.ListWithContext(ctx, metav1.ListOptions{ResourceVersion: last, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		pods, ok := obj.(*corev1.PodList)
		if !ok {
			t.Fatalf("list is a %T", obj)
		}
		return pods
	}
	first, second := list(), list()
	if len(first.Items) != 1 || first.Items[0].Namespace != "ns1" || first.Items[0].Name != "p" {
		t.Fatalf("listed %+v", first.Items)
	}
	if first.ResourceVersion == "" {
		t.Error("the list has no resourceVersion")
	}
	if reflect.ValueOf(first.Items[0].Labels).Pointer() != reflect.ValueOf(second.Items[0].Labels).Pointer() {
		t.Error("two lists hold different copies: the objects were not handed over as they are")
	}

	// Selectors go through the handler as query parameters.
	all := objectTransport(t, ts).ListWatch(podsResource, "", func(o *metav1.ListOptions) { o.FieldSelector = "metadata.namespace=ns2" })
	obj, err := all.ListWithContext(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if items := obj.(*corev1.PodList).Items; len(items) != 1 || items[0].Namespace != "ns2" {
		t.Errorf("field-selected list: %+v", items)
	}
}

// TestWatchAsObjects watches through the object stream: initial events,
// the bookmark that ends them, changes, and the end of the watch.
func TestWatchAsObjects(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	pods := ts.client.CoreV1().Pods("ns1")
	if _, err := pods.Create(ctx, testPod("a"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	lw := objectTransport(t, ts).ListWatch(podsResource, "ns1", nil)
	sendInitial := true
	w, err := lw.WatchWithContext(ctx, metav1.ListOptions{
		SendInitialEvents:    &sendInitial,
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
		AllowWatchBookmarks:  true,
	})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	next := func() watch.Event {
		t.Helper()
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch ended early")
			}
			return ev
		case <-time.After(10 * time.Second):
			t.Fatal("no watch event")
		}
		return watch.Event{}
	}
	if ev := next(); ev.Type != watch.Added || ev.Object.(*corev1.Pod).Name != "a" {
		t.Fatalf("initial event %s %+v", ev.Type, ev.Object)
	}
	ev := next()
	for ev.Type == watch.Bookmark && ev.Object.(*corev1.Pod).Annotations[metav1.InitialEventsAnnotationKey] != "true" {
		ev = next()
	}
	if ev.Type != watch.Bookmark {
		t.Fatalf("initial events not ended by a bookmark: %s", ev.Type)
	}
	if _, err := pods.Create(ctx, testPod("b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for ev = next(); ev.Type == watch.Bookmark; ev = next() {
	}
	if pod, ok := ev.Object.(*corev1.Pod); ev.Type != watch.Added || !ok || pod.Name != "b" || !pod.GetObjectKind().GroupVersionKind().Empty() {
		t.Fatalf("event %s %T %+v", ev.Type, ev.Object, ev.Object)
	}

	w.Stop()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-w.ResultChan():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the result channel did not close after Stop")
		}
	}
}

// TestObjectStreamErrors: failed requests return the server's Status, and
// endpoints that must convert their objects do not hand them over.
func TestObjectStreamErrors(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	tr := objectTransport(t, ts)

	badSelector := tr.ListWatch(podsResource, "", func(o *metav1.ListOptions) { o.FieldSelector = "spec.bogus=1" })
	if _, err := badSelector.ListWithContext(ctx, metav1.ListOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("list with an unsupported field selector: %v, want BadRequest", err)
	}
	if _, err := badSelector.WatchWithContext(ctx, metav1.ListOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("watch with an unsupported field selector: %v, want BadRequest", err)
	}
	missing := tr.ListWatch(inprocess.Resource{Group: "example.com", Version: "v1", Resource: "widgets"}, "", nil)
	if _, err := missing.ListWithContext(ctx, metav1.ListOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("list of an unknown resource: %v, want NotFound", err)
	}
	// events.k8s.io is stored as core events and converted on the way out.
	converted := tr.ListWatch(inprocess.Resource{Group: "events.k8s.io", Version: "v1", Resource: "events"}, "", nil)
	if _, err := converted.ListWithContext(ctx, metav1.ListOptions{}); err == nil || !strings.Contains(err.Error(), "as objects") {
		t.Errorf("list of a converted resource: %v, want a refusal", err)
	}
}
