package namespacelifecycle

import (
	"context"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func createNamespace(t *testing.T, s storage.Interface, name string, terminating bool) {
	t.Helper()
	ns := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{Kind: "Namespace", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
	if terminating {
		now := metav1.Now()
		ns.DeletionTimestamp = &now
		ns.Status.Phase = corev1.NamespaceTerminating
	}
	if err := s.Create(testCtx(t), KeyPrefix+name, ns, &corev1.Namespace{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

var (
	podsGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	podGVK  = schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	nsGVR   = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	nsGVK   = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
)

func podAttrs(op admission.Operation, ns, name string) *admission.Attributes {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	return &admission.Attributes{Operation: op, Kind: podGVK, Resource: podsGVR, Namespace: ns, Name: name, Object: pod}
}

func TestLifecycle(t *testing.T) {
	store := storage.NewStore(storagetest.StartEtcd(t))
	createNamespace(t, store, "active", false)
	createNamespace(t, store, "doomed", true)
	createNamespace(t, store, "default", false)
	l := New(store)

	generated := podAttrs(admission.Create, "doomed", "")
	generated.Object.(*corev1.Pod).GenerateName = "web-"
	eviction := podAttrs(admission.Create, "doomed", "web")
	eviction.Subresource = "eviction"
	accessReview := &admission.Attributes{Operation: admission.Create, Namespace: "missing",
		Kind:     schema.GroupVersionKind{Group: "authorization.k8s.io", Version: "v1", Kind: "LocalSubjectAccessReview"},
		Resource: schema.GroupVersionResource{Group: "authorization.k8s.io", Version: "v1", Resource: "localsubjectaccessreviews"}}
	node := &admission.Attributes{Operation: admission.Create, Name: "n1",
		Kind: schema.GroupVersionKind{Version: "v1", Kind: "Node"}, Resource: schema.GroupVersionResource{Version: "v1", Resource: "nodes"}}
	nsAttrs := func(op admission.Operation, name, sub string) *admission.Attributes {
		return &admission.Attributes{Operation: op, Kind: nsGVK, Resource: nsGVR, Name: name, Namespace: name, Subresource: sub,
			Object: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}}
	}

	tests := []struct {
		name    string
		attrs   *admission.Attributes
		check   func(error) bool
		message string
	}{
		{"create in active namespace", podAttrs(admission.Create, "active", "web"), nil, ""},
		{"update in active namespace", podAttrs(admission.Update, "active", "web"), nil, ""},
		{"create in missing namespace", podAttrs(admission.Create, "missing", "web"), apierrors.IsNotFound,
			`namespaces "missing" not found`},
		{"update in missing namespace", podAttrs(admission.Update, "missing", "web"), apierrors.IsNotFound,
			`namespaces "missing" not found`},
		{"delete in missing namespace", podAttrs(admission.Delete, "missing", "web"), nil, ""},
		{"create in terminating namespace", podAttrs(admission.Create, "doomed", "web"), apierrors.IsForbidden,
			`pods "web" is forbidden: unable to create new content in namespace doomed because it is being terminated`},
		{"create with generateName in terminating namespace", generated, apierrors.IsForbidden,
			`pods "web-" is forbidden: unable to create new content in namespace doomed because it is being terminated`},
		{"update in terminating namespace", podAttrs(admission.Update, "doomed", "web"), nil, ""},
		{"delete in terminating namespace", podAttrs(admission.Delete, "doomed", "web"), nil, ""},
		{"eviction in terminating namespace", eviction, nil, ""},
		{"access review in missing namespace", accessReview, nil, ""},
		{"cluster-scoped", node, nil, ""},
		{"create namespace", nsAttrs(admission.Create, "new", ""), nil, ""},
		{"finalize terminating namespace", nsAttrs(admission.Update, "doomed", "finalize"), nil, ""},
		{"update status of missing namespace", nsAttrs(admission.Update, "missing", "status"), nil, ""},
		{"delete namespace", nsAttrs(admission.Delete, "active", ""), nil, ""},
		{"delete default", nsAttrs(admission.Delete, "default", ""), apierrors.IsForbidden,
			`namespaces "default" is forbidden: this namespace may not be deleted`},
		{"delete kube-system", nsAttrs(admission.Delete, "kube-system", ""), apierrors.IsForbidden,
			`namespaces "kube-system" is forbidden: this namespace may not be deleted`},
		{"delete kube-public", nsAttrs(admission.Delete, "kube-public", ""), apierrors.IsForbidden,
			`namespaces "kube-public" is forbidden: this namespace may not be deleted`},
		{"update default", nsAttrs(admission.Update, "default", ""), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Validate(testCtx(t), tt.attrs)
			if tt.check == nil {
				if err != nil {
					t.Fatalf("want admitted, got %v", err)
				}
				return
			}
			if err == nil || !tt.check(err) {
				t.Fatalf("got %v", err)
			}
			if err.Error() != tt.message {
				t.Errorf("message\n got %s\nwant %s", err.Error(), tt.message)
			}
		})
	}

	t.Run("terminating cause", func(t *testing.T) {
		err := l.Validate(testCtx(t), podAttrs(admission.Create, "doomed", "web"))
		st, ok := err.(apierrors.APIStatus)
		if !ok {
			t.Fatalf("not an API status: %v", err)
		}
		d := st.Status().Details
		if d == nil || d.Name != "web" || d.Kind != "pods" || len(d.Causes) != 1 {
			t.Fatalf("details %+v", d)
		}
		want := metav1.StatusCause{Type: corev1.NamespaceTerminatingCause, Message: "namespace doomed is being terminated", Field: "metadata.namespace"}
		if d.Causes[0] != want {
			t.Errorf("cause %+v, want %+v", d.Causes[0], want)
		}
		if st.Status().Code != 403 {
			t.Errorf("code %d", st.Status().Code)
		}
	})
}

// laggingCache is a real store behind a cache that lags it: cached reads
// (resourceVersion "0") answer from a snapshot taken earlier.
type laggingCache struct {
	storage.Interface
	mu        sync.Mutex
	snapshot  map[string]*corev1.Namespace
	liveReads int
}

func (c *laggingCache) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if opts.ResourceVersion != "0" {
		c.liveReads++
		return c.Interface.Get(ctx, key, opts, out)
	}
	ns, ok := c.snapshot[key]
	if !ok {
		return storage.NewError(storage.ErrKeyNotFound, key, 0, "")
	}
	ns.DeepCopyInto(out.(*corev1.Namespace))
	return nil
}

func (c *laggingCache) reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.liveReads
}

func TestLifecycleStaleCache(t *testing.T) {
	store := storage.NewStore(storagetest.StartEtcd(t))
	createNamespace(t, store, "fresh", false)
	createNamespace(t, store, "going", true)
	cache := &laggingCache{Interface: store, snapshot: map[string]*corev1.Namespace{
		// The cache has not seen "fresh" yet and still sees "going" active.
		KeyPrefix + "going": {ObjectMeta: metav1.ObjectMeta{Name: "going"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
	}}
	l := New(cache)
	ctx := testCtx(t)

	if err := l.Validate(ctx, podAttrs(admission.Create, "fresh", "web")); err != nil {
		t.Errorf("namespace missing from the cache but present in etcd: %v", err)
	}
	if cache.reads() != 1 {
		t.Errorf("live reads %d, want 1", cache.reads())
	}

	// Without a reason to distrust the cache, its state is used.
	if err := l.Validate(ctx, podAttrs(admission.Create, "going", "web")); err != nil {
		t.Errorf("cached active namespace: %v", err)
	}
	if cache.reads() != 1 {
		t.Errorf("live reads %d, want 1", cache.reads())
	}

	// Once its deletion was admitted, the namespace is read live.
	del := &admission.Attributes{Operation: admission.Delete, Kind: nsGVK, Resource: nsGVR, Name: "going", Namespace: "going"}
	if err := l.Validate(ctx, del); err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(ctx, podAttrs(admission.Create, "going", "web")); !apierrors.IsForbidden(err) {
		t.Errorf("create after namespace deletion: got %v, want forbidden", err)
	}
	if cache.reads() != 2 {
		t.Errorf("live reads %d, want 2", cache.reads())
	}

	// ... until the force-live window passes.
	l.now = func() time.Time { return time.Now().Add(forceLiveLookupTTL + time.Second) }
	if err := l.Validate(ctx, podAttrs(admission.Create, "going", "web")); err != nil {
		t.Errorf("after the window the cache is trusted again: %v", err)
	}
}
