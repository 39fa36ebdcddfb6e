package apiserver

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/admission/namespacelifecycle"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/configmap"
	"github.com/nauta/nauta/internal/registry/core/namespace"
	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
)

// TestEndToEnd runs the real server (REST handlers, etcd storage, namespace
// lifecycle admission) behind TLS and drives it with client-go.
func TestEndToEnd(t *testing.T) {
	store := storage.NewStore(storagetest.StartEtcd(t))
	p := newPKI(t)
	s := newTestServer(t, func(c *Config) {
		c.Resources = append(namespace.Resources(), configmap.Resources()...)
		c.StorageFor = func(*registry.Resource) storage.Interface { return store }
		c.Admission = &admission.Chain{Validators: []admission.Validator{namespacelifecycle.New(store)}}
		c.Authorizer = denyBob{}
	})
	h, err := New(s.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.Server = h
	srv := startTLSServer(t, s, p)
	alice := p.issue(t, pkix.Name{CommonName: "alice", Organization: []string{"system:masters"}}, x509.ExtKeyUsageClientAuth)
	client := kubernetes.NewForConfigOrDie(restConfig(srv, p, &alice, ""))
	bob := kubernetes.NewForConfigOrDie(restConfig(srv, p, nil, bobToken))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	for _, name := range []string{"team", "default"} {
		if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating namespace %s: %v", name, err)
		}
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"k": "v"}}
	if _, err := client.CoreV1().ConfigMaps("team").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating configmap: %v", err)
	}
	got, err := client.CoreV1().ConfigMaps("team").Get(ctx, "settings", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "v" {
		t.Fatalf("reading configmap: %+v %v", got, err)
	}

	_, err = client.CoreV1().ConfigMaps("missing").Create(ctx, cm, metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) || err.Error() != `namespaces "missing" not found` {
		t.Errorf("configmap in a missing namespace: %v", err)
	}
	err = client.CoreV1().Namespaces().Delete(ctx, "default", metav1.DeleteOptions{})
	if !apierrors.IsForbidden(err) || err.Error() != `namespaces "default" is forbidden: this namespace may not be deleted` {
		t.Errorf("deleting default: %v", err)
	}

	_, err = bob.CoreV1().ConfigMaps("team").List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) || err.Error() != `configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "team"` {
		t.Errorf("bob listing configmaps: %v", err)
	}

	_, lists, err := client.Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	var names []string
	for _, l := range lists {
		for _, r := range l.APIResources {
			names = append(names, r.Name)
		}
	}
	if got := strings.Join(names, ","); got != "configmaps,namespaces,namespaces/finalize,namespaces/status" {
		t.Errorf("discovered %s", got)
	}

	// Watches stream through the filter chain.
	w, err := client.CoreV1().ConfigMaps("team").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	if _, err := client.CoreV1().ConfigMaps("team").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "second"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(20 * time.Second)
	for seen := false; !seen; {
		select {
		case ev := <-w.ResultChan():
			if m, ok := ev.Object.(*corev1.ConfigMap); ok && m.Name == "second" {
				seen = true
			}
		case <-deadline:
			t.Fatalf("no watch event for the new configmap")
		}
	}
}
