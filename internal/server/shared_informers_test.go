package server_test

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/nauta/nauta/internal/apiserver/inprocess"
	"github.com/nauta/nauta/internal/server"
	"github.com/nauta/nauta/internal/server/servertest"
)

// TestSharedInformersTakeServerObjects: the components of the server's
// process get a configuration whose informers of every shared kind list
// and watch the server's own objects; a network configuration gets none.
func TestSharedInformersTakeServerObjects(t *testing.T) {
	configs := make(chan *rest.Config, 1)
	admin := servertest.Start(t, func(cfg *server.Config) {
		cfg.Controllers = append(cfg.Controllers, server.Controller{
			Name: "capture",
			New: func(loopback *rest.Config) (server.Runnable, error) {
				configs <- loopback
				return server.RunnableFunc(func(ctx context.Context) error { <-ctx.Done(); return nil }), nil
			},
		})
	})
	if inprocess.FromConfig(admin) != nil {
		t.Error("a network configuration reports an in-process transport")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var loopback *rest.Config
	select {
	case loopback = <-configs:
	case <-ctx.Done():
		t.Fatal("the controller was never built")
	}
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
