package namespacelifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/storage"
)

// forceLiveLookupTTL is how long after a namespace's deletion was admitted
// its state is read live: a cached read may still show it active.
const forceLiveLookupTTL = 30 * time.Second

// KeyPrefix is where namespaces live in etcd.
const KeyPrefix = "/registry/namespaces/"

// ImmortalNamespaces may never be deleted.
var ImmortalNamespaces = []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic}

var namespaceKind = schema.GroupKind{Kind: "Namespace"}

// accessReviews may be created in any namespace, existing or not: refusing
// them would tell the caller which namespaces exist.
var accessReviews = map[schema.GroupResource]bool{
	{Group: "authorization.k8s.io", Resource: "localsubjectaccessreviews"}: true,
}

// Lifecycle is the namespace lifecycle admission Validator.
type Lifecycle struct {
	namespaces storage.Interface
	immortal   map[string]bool
	now        func() time.Time

	mu sync.Mutex
	// deleted maps namespaces whose deletion was admitted to when their
	// live lookups stop being forced.
	deleted map[string]time.Time
}

var _ admission.Validator = (*Lifecycle)(nil)

// New returns the validator reading namespaces from the namespaces storage
// (keys KeyPrefix + name).
func New(namespaces storage.Interface) *Lifecycle {
	l := &Lifecycle{
		namespaces: namespaces,
		immortal:   map[string]bool{},
		now:        time.Now,
		deleted:    map[string]time.Time{},
	}
	for _, ns := range ImmortalNamespaces {
		l.immortal[ns] = true
	}
	return l
}

// Validate implements admission.Validator.
func (l *Lifecycle) Validate(ctx context.Context, attrs *admission.Attributes) error {
	if attrs.Kind.GroupKind() == namespaceKind && attrs.Subresource == "" {
		if attrs.Operation == admission.Delete {
			if l.immortal[attrs.Name] {
				return apierrors.NewForbidden(attrs.Resource.GroupResource(), attrs.Name,
					errors.New("this namespace may not be deleted"))
			}
			l.markDeleted(attrs.Name)
		}
		return nil
	}
	// Cluster-scoped objects have no namespace to check; namespace
	// subresources (status, finalize) are updates of the namespace itself.
	if attrs.Namespace == "" || attrs.Resource.Group == "" && attrs.Resource.Resource == "namespaces" {
		return nil
	}
	// Deleting is always allowed: it is how a terminating namespace empties.
	if attrs.Operation != admission.Create && attrs.Operation != admission.Update {
		return nil
	}
	if accessReviews[attrs.Resource.GroupResource()] {
		return nil
	}

	ns, err := l.namespace(ctx, attrs.Namespace)
	if err != nil {
		return err
	}
	if attrs.Operation != admission.Create || !isTerminating(ns) {
		return nil
	}
	// Subresource creates (pods/eviction, pods/binding,
	// serviceaccounts/token) act on objects already in the namespace;
	// evictions in particular must keep working while it drains.
	if attrs.Subresource != "" {
		return nil
	}
	return terminatingError(attrs)
}

// namespace returns the namespace name, read from the (possibly cached)
// storage first and live when the cache says it is missing or it was
// deleted recently.
func (l *Lifecycle) namespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{}
	key := KeyPrefix + name
	if !l.forceLive(name) {
		err := l.namespaces.Get(ctx, key, storage.GetOptions{ResourceVersion: "0"}, ns)
		if err == nil {
			return ns, nil
		}
		if !errors.Is(err, storage.ErrKeyNotFound) {
			return nil, apierrors.NewInternalError(fmt.Errorf("reading namespace %q: %w", name, err))
		}
	}
	// The cache may lag a namespace created just before this request.
	ns = &corev1.Namespace{}
	err := l.namespaces.Get(ctx, key, storage.GetOptions{ResourceVersion: ""}, ns)
	switch {
	case errors.Is(err, storage.ErrKeyNotFound):
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, name)
	case err != nil:
		return nil, apierrors.NewInternalError(fmt.Errorf("reading namespace %q: %w", name, err))
	}
	return ns, nil
}

func (l *Lifecycle) markDeleted(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for ns, until := range l.deleted {
		if now.After(until) {
			delete(l.deleted, ns)
		}
	}
	l.deleted[name] = now.Add(forceLiveLookupTTL)
}

func (l *Lifecycle) forceLive(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	until, ok := l.deleted[name]
	return ok && !l.now().After(until)
}

func isTerminating(ns *corev1.Namespace) bool {
	return ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating
}

// terminatingError is upstream's 403 for content created in a terminating
// namespace, with the NamespaceTerminating cause clients look for.
func terminatingError(attrs *admission.Attributes) error {
	err := apierrors.NewForbidden(attrs.Resource.GroupResource(), objectName(attrs),
		fmt.Errorf("unable to create new content in namespace %s because it is being terminated", attrs.Namespace))
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
		Type:    corev1.NamespaceTerminatingCause,
		Message: fmt.Sprintf("namespace %s is being terminated", attrs.Namespace),
		Field:   "metadata.namespace",
	})
	return err
}

// objectName is the name an error should mention: the request's, else the
// object's name or generateName (names are generated after admission).
func objectName(attrs *admission.Attributes) string {
	if attrs.Name != "" {
		return attrs.Name
	}
	if attrs.Object != nil {
		if m, err := meta.Accessor(attrs.Object); err == nil {
			if m.GetName() != "" {
				return m.GetName()
			}
			if m.GetGenerateName() != "" {
				return m.GetGenerateName()
			}
		}
	}
	return "Unknown"
}
