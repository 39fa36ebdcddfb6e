package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/nauta/nauta/internal/apiserver/inprocess"
	"github.com/nauta/nauta/internal/server/servertest"
)

// TestSharedInformersTakeServerObjects: the components of the server's
// process get a configuration whose informers of every shared kind list
// and watch the server's own objects; a network configuration gets none.
func TestSharedInformersTakeServerObjects(t *testing.T) {
	admin, loopback := servertest.StartWithComponentConfig(t, nil)
	if inprocess.FromConfig(admin) != nil {
		t.Error("a network configuration reports an in-process transport")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tr := inprocess.FromConfig(loopback)
	if tr == nil {
		t.Fatal("the components' configuration has no in-process transport")
	}
	for _, res := range inprocess.SharedResources() {
		if _, err := tr.ListWatch(res, "", nil).ListWithContext(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("list %s/%s as objects: %v", res.Group, res.Resource, err)
		}
	}

	// A factory's shared informer syncs and sees what clients create.
	client := kubernetes.NewForConfigOrDie(admin)
	factory := informers.NewSharedInformerFactory(kubernetes.NewForConfigOrDie(loopback), 0)
	tr.ShareInformers(factory, metav1.NamespaceAll, nil)
	namespaces := factory.Core().V1().Namespaces()
	informer := namespaces.Informer()
	factory.Start(ctx.Done())
	defer func() {
		cancel()
		factory.Shutdown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		t.Fatal("shared namespace informer did not sync")
	}
	if _, err := client.CoreV1().Namespaces().Create(ctx, &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "seen"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := namespaces.Lister().Get("seen"); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the shared informer never saw the new namespace")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestMetadataInformerTakesServerObjects: a metadata informer from the
// in-process transport lists and watches PartialObjectMetadata made from
// the server's objects, as the metadata client's informer would; kinds
// that are not shared are refused.
func TestMetadataInformerTakesServerObjects(t *testing.T) {
	admin, components := servertest.StartWithComponentConfig(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tr := inprocess.FromConfig(components)
	if _, ok := tr.NewMetadataInformer(schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}); ok {
		t.Error("a metadata informer of a kind that is not shared")
	}
	client := kubernetes.NewForConfigOrDie(admin)
	before := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before", Namespace: "default", Labels: map[string]string{"at": "list"}}}
	if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, before, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	informer, ok := tr.NewMetadataInformer(v1.SchemeGroupVersion.WithResource("configmaps"))
	if !ok {
		t.Fatal("no metadata informer for configmaps")
	}
	events := make(chan string, 10)
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if p, ok := obj.(*metav1.PartialObjectMetadata); ok && p.Namespace == "default" {
				events <- "add " + p.Name + " " + p.Labels["at"] + " " + p.Kind
			}
		},
		UpdateFunc: func(_, obj any) {
			if p, ok := obj.(*metav1.PartialObjectMetadata); ok && p.Namespace == "default" {
				events <- "update " + p.Name + " " + p.Labels["at"]
			}
		},
		DeleteFunc: func(obj any) {
			if p, ok := obj.(*metav1.PartialObjectMetadata); ok && p.Namespace == "default" {
				events <- "delete " + p.Name
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	go informer.RunWithContext(ctx)
	next := func(want string) {
		t.Helper()
		for {
			select {
			case got := <-events:
				if got == want {
					return
				}
				if !strings.HasPrefix(got, "add kube-root-ca.crt") {
					t.Fatalf("event %q, want %q", got, want)
				}
			case <-ctx.Done():
				t.Fatalf("no event %q", want)
			}
		}
	}
	next("add before list PartialObjectMetadata")
	after := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after", Namespace: "default", Labels: map[string]string{"at": "watch"}}}
	created, err := client.CoreV1().ConfigMaps("default").Create(ctx, after, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next("add after watch PartialObjectMetadata")
	created.Labels["at"] = "changed"
	if _, err := client.CoreV1().ConfigMaps("default").Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	next("update after changed")
	if err := client.CoreV1().ConfigMaps("default").Delete(ctx, "after", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	next("delete after")
	obj, exists, err := informer.GetStore().GetByKey("default/before")
	if err != nil || !exists {
		t.Fatalf("default/before not in the store: %v", err)
	}
	if p := obj.(*metav1.PartialObjectMetadata); p.ResourceVersion == "" || p.UID == "" {
		t.Errorf("metadata without resourceVersion or uid: %+v", p.ObjectMeta)
	}
}
