package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/authn"
	"github.com/nauta/nauta/internal/apiserver/handlers"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/certificates/certificatesigningrequest"
	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/cacher"
	"github.com/nauta/nauta/internal/storage/storagetest"
)

// testServer is the handlers behind an httptest server, with a tiny
// request-info parser standing in for the filter chain.
type testServer struct {
	t   *testing.T
	srv *httptest.Server
	// handler is what srv serves.
	handler http.Handler
	client  *kubernetes.Clientset
	config  *rest.Config
	store   *storage.Store
	etcd    *clientv3.Client
	// admitted records the admission attributes seen.
	admitted chan admission.Attributes
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerWith(t, true)
}

// newTestServerWith builds the server with the watch cache in front of the
// etcd store (the production setup) or straight on the store.
func newTestServerWith(t *testing.T, cached bool) *testServer {
	t.Helper()
	etcd := storagetest.StartEtcd(t)
	store := storage.NewStore(etcd)
	ctx, cancel := context.WithCancel(context.Background())
	caches := map[string]*cacher.Cacher{}
	done := make(chan struct{})
	resources := testResources()
	running := 0
	for _, res := range resources {
		if _, ok := caches[res.StoragePrefix]; ok {
			continue
		}
		c := cacher.New(cacher.Config{
			Store:            store,
			Prefix:           res.StoragePrefix,
			NewFunc:          res.New,
			NewListFunc:      res.NewList,
			Attrs:            res.Strategy.Attrs,
			BookmarkInterval: time.Second,
		})
		caches[res.StoragePrefix] = c
		running++
		go func() {
			_ = c.Start(ctx)
			done <- struct{}{}
		}()
	}
	t.Cleanup(func() {
		cancel()
		for i := 0; i < running; i++ {
			<-done
		}
	})
	for _, c := range caches {
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		if err := c.WaitReady(wctx); err != nil {
			t.Fatalf("watch cache not ready: %v", err)
		}
		wcancel()
	}
	ts := &testServer{t: t, store: store, etcd: etcd, admitted: make(chan admission.Attributes, 1000)}
	h, err := handlers.New(handlers.Config{
		Resources: resources,
		StorageFor: func(r *registry.Resource) storage.Interface {
			if !cached {
				return store
			}
			return caches[r.StoragePrefix]
		},
		Admission: &admission.Chain{
			Mutators:   []admission.Mutator{recorder{ts.admitted}},
			Validators: []admission.Validator{denyByName{}},
		},
	})
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	ts.handler = withTestRequestInfo(h)
	ts.srv = httptest.NewServer(ts.handler)
	t.Cleanup(ts.srv.Close)
	ts.config = &rest.Config{Host: ts.srv.URL, QPS: 1000, Burst: 1000}
	ts.client = kubernetes.NewForConfigOrDie(ts.config)
	return ts
}

type recorder struct{ ch chan admission.Attributes }

func (r recorder) Admit(_ context.Context, a *admission.Attributes) error {
	select {
	case r.ch <- *a:
	default:
	}
	return nil
}

// denyByName rejects writes of objects named "denied" (as a plain error,
// which the handlers report as 403) and "denied-status" (with its own
// status).
type denyByName struct{}

func (denyByName) Validate(_ context.Context, a *admission.Attributes) error {
	switch a.Name {
	case "denied":
		return errors.New("no objects named denied")
	case "denied-status":
		return apierrors.NewBadRequest("rejected by test admission")
	}
	return nil
}

// withTestRequestInfo parses /api and /apis paths into request.Info the
// way the real filter chain does, for the shapes these tests use.
func withTestRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := parseTestRequestInfo(r)
		ctx := request.WithInfo(r.Context(), info)
		ctx = request.WithUser(ctx, &authn.User{Name: "tester", Groups: []string{authn.SystemMasters}})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func parseTestRequestInfo(r *http.Request) *request.Info {
	info := &request.Info{Path: r.URL.Path}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 3 || (parts[0] != "api" && parts[0] != "apis") {
		return info
	}
	info.APIPrefix = parts[0]
	parts = parts[1:]
	if info.APIPrefix == "apis" {
		info.APIGroup = parts[0]
		parts = parts[1:]
	}
	info.IsResourceRequest = true
	info.APIVersion = parts[0]
	parts = parts[1:]
	switch r.Method {
	case http.MethodPost:
		info.Verb = "create"
	case http.MethodGet:
		info.Verb = "get"
	case http.MethodPut:
		info.Verb = "update"
	case http.MethodPatch:
		info.Verb = "patch"
	case http.MethodDelete:
		info.Verb = "delete"
	}
	if len(parts) > 0 && parts[0] == "watch" {
		info.Verb = "watch"
		parts = parts[1:]
	}
	if len(parts) > 1 && parts[0] == "namespaces" {
		info.Namespace = parts[1]
		if len(parts) > 2 && parts[2] != "status" && parts[2] != "finalize" {
			parts = parts[2:]
		}
	}
	info.Parts = parts
	if len(parts) > 0 {
		info.Resource = parts[0]
	}
	if len(parts) > 1 {
		info.Name = parts[1]
	}
	if len(parts) > 2 {
		info.Subresource = parts[2]
	}
	if info.Name == "" && info.Verb == "get" {
		info.Verb = "list"
		if w := r.URL.Query().Get("watch"); w == "true" || w == "1" {
			info.Verb = "watch"
		}
		if sel, err := fields.ParseSelector(r.URL.Query().Get("fieldSelector")); err == nil {
			if name, ok := sel.RequiresExactMatch("metadata.name"); ok {
				info.Name = name
			}
		}
	}
	if info.Name == "" && info.Verb == "delete" {
		info.Verb = "deletecollection"
	}
	return info
}

// --- test resources ---

func testResources() []*registry.Resource {
	return append([]*registry.Resource{
		{
			GroupVersion: schema.GroupVersion{Version: "v1"}, Resource: "pods", Kind: "Pod", Singular: "pod",
			Namespaced: true, Status: true, StoragePrefix: "/registry/pods",
			New: func() runtime.Object { return &corev1.Pod{} }, NewList: func() runtime.Object { return &corev1.PodList{} },
			Strategy: podStrategy{registry.BaseStrategy{HasStatus: true}},
		},
		{
			GroupVersion: schema.GroupVersion{Version: "v1"}, Resource: "configmaps", Kind: "ConfigMap", Singular: "configmap",
			Namespaced: true, StoragePrefix: "/registry/configmaps",
			New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
			Strategy: registry.BaseStrategy{},
		},
		{
			GroupVersion: schema.GroupVersion{Version: "v1"}, Resource: "namespaces", Kind: "Namespace", Singular: "namespace",
			Status: true, StoragePrefix: "/registry/namespaces",
			New: func() runtime.Object { return &corev1.Namespace{} }, NewList: func() runtime.Object { return &corev1.NamespaceList{} },
			Strategy: namespaceStrategy{registry.BaseStrategy{HasStatus: true, ClusterScoped: true}},
		},
		{
			GroupVersion: schema.GroupVersion{Group: "apps", Version: "v1"}, Resource: "deployments", Kind: "Deployment", Singular: "deployment",
			Namespaced: true, Status: true, StoragePrefix: "/registry/deployments",
			New: func() runtime.Object { return &appsv1.Deployment{} }, NewList: func() runtime.Object { return &appsv1.DeploymentList{} },
			Strategy: deploymentStrategy{registry.BaseStrategy{HasStatus: true, TracksGeneration: true}},
			Scale: &registry.ScaleAccess{
				SpecReplicas:    func(o runtime.Object) int32 { return *o.(*appsv1.Deployment).Spec.Replicas },
				SetSpecReplicas: func(o runtime.Object, n int32) { o.(*appsv1.Deployment).Spec.Replicas = &n },
				StatusReplicas:  func(o runtime.Object) int32 { return o.(*appsv1.Deployment).Status.Replicas },
				Selector: func(o runtime.Object) string {
					sel, err := metav1.LabelSelectorAsSelector(o.(*appsv1.Deployment).Spec.Selector)
					if err != nil {
						return ""
					}
					return sel.String()
				},
			},
		},
		{
			GroupVersion: schema.GroupVersion{Group: "policy", Version: "v1"}, Resource: "poddisruptionbudgets", Kind: "PodDisruptionBudget",
			Namespaced: true, Status: true, StoragePrefix: "/registry/poddisruptionbudgets",
			New:      func() runtime.Object { return &policyv1.PodDisruptionBudget{} },
			NewList:  func() runtime.Object { return &policyv1.PodDisruptionBudgetList{} },
			Strategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true},
		},
		{
			GroupVersion: schema.GroupVersion{Version: "v1"}, Resource: "events", Kind: "Event",
			Namespaced: true, StoragePrefix: "/registry/events",
			New: func() runtime.Object { return &corev1.Event{} }, NewList: func() runtime.Object { return &corev1.EventList{} },
			Strategy: registry.BaseStrategy{},
		},
		{
			GroupVersion: schema.GroupVersion{Group: "events.k8s.io", Version: "v1"}, Resource: "events", Kind: "Event",
			Namespaced: true, StoragePrefix: "/registry/events", StorageVersion: schema.GroupVersion{Version: "v1"},
			New: func() runtime.Object { return &corev1.Event{} }, NewList: func() runtime.Object { return &corev1.EventList{} },
			Strategy:    registry.BaseStrategy{},
			ToStorage:   eventToCore,
			FromStorage: eventFromCore,
		},
	}, certificatesigningrequest.Resources()...)
}

type podStrategy struct{ registry.BaseStrategy }

func (podStrategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	pod := obj.(*corev1.Pod)
	f := registry.ObjectMetaFields(pod, true)
	f["spec.nodeName"] = pod.Spec.NodeName
	f["status.phase"] = string(pod.Status.Phase)
	return labels.Set(pod.Labels), f, nil
}

func (podStrategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name"},
		{Name: "Status", Type: "string"},
		{Name: "Node", Type: "string", Priority: 1},
	}
}

func (podStrategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	pod := obj.(*corev1.Pod)
	return []interface{}{pod.Name, string(pod.Status.Phase), pod.Spec.NodeName}, nil
}

type namespaceStrategy struct{ registry.BaseStrategy }

func (s namespaceStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.BaseStrategy.PrepareForCreate(ctx, obj)
	ns := obj.(*corev1.Namespace)
	ns.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
	ns.Status.Phase = corev1.NamespaceActive
}

func (s namespaceStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s.BaseStrategy.PrepareForUpdate(ctx, obj, old)
	obj.(*corev1.Namespace).Spec.Finalizers = old.(*corev1.Namespace).Spec.Finalizers
}

type deploymentStrategy struct{ registry.BaseStrategy }

func (deploymentStrategy) Default(obj runtime.Object) {
	d := obj.(*appsv1.Deployment)
	if d.Spec.Replicas == nil {
		one := int32(1)
		d.Spec.Replicas = &one
	}
}

// eventToCore and eventFromCore convert the few fields these tests use.
func eventToCore(obj runtime.Object) (runtime.Object, error) {
	e := obj.(*eventsv1.Event)
	return &corev1.Event{
		ObjectMeta:     e.ObjectMeta,
		Reason:         e.Reason,
		Message:        e.Note,
		Type:           e.Type,
		InvolvedObject: e.Regarding,
	}, nil
}

func eventFromCore(obj runtime.Object) (runtime.Object, error) {
	e := obj.(*corev1.Event)
	return &eventsv1.Event{
		ObjectMeta: e.ObjectMeta,
		Reason:     e.Reason,
		Note:       e.Message,
		Type:       e.Type,
		Regarding:  e.InvolvedObject,
	}, nil
}

// --- helpers ---

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustCreateNamespace(t *testing.T, ts *testServer, name string) {
	t.Helper()
	_, err := ts.client.CoreV1().Namespaces().Create(ctxT(t), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

func testPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
}
