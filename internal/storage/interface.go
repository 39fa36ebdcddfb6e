package storage

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// Interface is the API server's view of etcd: typed objects at keys, each
// versioned by the etcd revision that last wrote it (its resourceVersion).
// Implementations: Store (straight to etcd) and the watch cache in
// storage/cacher, which serves watches and resourceVersion="0" lists from
// memory and passes everything else to a Store.
type Interface interface {
	// Create stores obj at key when the key does not exist; out receives the
	// stored object with resourceVersion set. ErrKeyExists otherwise. obj
	// is handed over: out may share its maps, slices and pointers, so the
	// caller must not change obj after a successful create.
	Create(ctx context.Context, key string, obj, out runtime.Object) error

	// Get reads key into out. ErrKeyNotFound when missing (unless
	// opts.IgnoreNotFound, which leaves out zeroed).
	Get(ctx context.Context, key string, opts GetOptions, out runtime.Object) error

	// GetList reads every object under keyPrefix (or the single object at
	// key when !opts.Recursive) that matches opts.Predicate into listObj (a
	// pointer to a *List type), honouring limit/continue and the
	// resourceVersion semantics, and sets the list's resourceVersion and
	// continue token.
	GetList(ctx context.Context, keyPrefix string, opts ListOptions, listObj runtime.Object) error

	// GuaranteedUpdate reads key, calls tryUpdate with the current object,
	// and writes the result if the key has not changed meanwhile, retrying
	// tryUpdate on a concurrent change. Preconditions (uid,
	// resourceVersion) are checked against the current object; a failed
	// resourceVersion precondition is ErrConflict. When the key is missing,
	// tryUpdate gets a zero object if ignoreNotFound, else ErrKeyNotFound.
	// If tryUpdate returns an object equal to the current one, nothing is
	// written and out receives the current object. The object tryUpdate
	// returns is handed over the same way as Create's obj.
	GuaranteedUpdate(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
		preconditions *Preconditions, tryUpdate UpdateFunc) error

	// Delete removes key after checking preconditions and validate against
	// the current object, retrying on a concurrent change; out receives the
	// last stored state.
	Delete(ctx context.Context, key string, out runtime.Object, preconditions *Preconditions,
		validate ValidateObjectFunc) error

	// Watch streams changes under keyPrefix (or of key when
	// !opts.Recursive) after opts.ResourceVersion, filtered by
	// opts.Predicate with transition semantics: an object entering the
	// selection arrives as ADDED, leaving it as DELETED. Too old a
	// resourceVersion returns ErrTooOldResourceVersion, or the watch
	// delivers one ERROR event with a 410 Status.
	Watch(ctx context.Context, keyPrefix string, opts ListOptions) (watch.Interface, error)

	// CurrentResourceVersion returns the newest etcd revision.
	CurrentResourceVersion(ctx context.Context) (uint64, error)
}

// UpdateFunc computes the new object from the current one. Returning an
// error aborts the update with that error.
type UpdateFunc func(current runtime.Object) (updated runtime.Object, err error)

// ValidateObjectFunc checks the current object before a delete.
type ValidateObjectFunc func(ctx context.Context, current runtime.Object) error

// Preconditions must hold on the current object for a write to happen.
type Preconditions struct {
	UID             *types.UID
	ResourceVersion *string
}

// GetOptions controls Get.
type GetOptions struct {
	IgnoreNotFound bool
	// ResourceVersion "" reads the newest state; "0" accepts any cached
	// state; anything else reads at least that revision.
	ResourceVersion string
}

// ListOptions controls GetList and Watch.
type ListOptions struct {
	// ResourceVersion and ResourceVersionMatch have the upstream meaning
	// (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions).
	ResourceVersion      string
	ResourceVersionMatch metav1.ResourceVersionMatch
	Predicate            SelectionPredicate
	// Recursive lists/watches everything under the key prefix.
	Recursive bool
	// SendInitialEvents asks a watch to first send the current state as
	// ADDED events followed by a BOOKMARK annotated
	// "k8s.io/initial-events-end": "true" (client-go watch-list).
	SendInitialEvents *bool
	// AllowWatchBookmarks lets a watch send periodic BOOKMARK events.
	AllowWatchBookmarks bool
	// NewFunc makes the empty object that carries BOOKMARK events of a watch
	// served straight from etcd (Store.Watch), which otherwise cannot know
	// the type when there is nothing to decode. Without it Store.Watch sends
	// no bookmarks. The watch cache sets it; API handlers need not.
	NewFunc func() runtime.Object
	// WithoutPrevious tells Store.Watch that the consumer keeps the last
	// state of every key itself (the watch cache): etcd then sends no
	// previous values (each would cost it a read per event) and a
	// deletion comes as a DELETED event carrying a *DeletedKey. Only with
	// an empty Predicate.
	WithoutPrevious bool
}

// DeletedKey is the object of a DELETED event of a watch made
// WithoutPrevious: the deleted key and the revision of the deletion.
type DeletedKey struct {
	Key      string
	Revision int64
}

// GetObjectKind is part of runtime.Object; a DeletedKey has no kind.
func (d *DeletedKey) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject is part of runtime.Object.
func (d *DeletedKey) DeepCopyObject() runtime.Object {
	c := *d
	return &c
}

// AttrFunc returns the labels and selectable fields of an object.
type AttrFunc func(obj runtime.Object) (labels.Set, fields.Set, error)

// SelectionPredicate selects objects by label and field selectors and
// pages lists.
type SelectionPredicate struct {
	Label    labels.Selector
	Field    fields.Selector
	GetAttrs AttrFunc
	Limit    int64
	Continue string
}

// Empty reports whether the predicate selects everything.
func (p SelectionPredicate) Empty() bool {
	return (p.Label == nil || p.Label.Empty()) && (p.Field == nil || p.Field.Empty())
}

// Matches reports whether obj is selected.
func (p SelectionPredicate) Matches(obj runtime.Object) (bool, error) {
	if p.Empty() {
		return true, nil
	}
	lbls, flds, err := p.GetAttrs(obj)
	if err != nil {
		return false, err
	}
	if p.Label != nil && !p.Label.Matches(lbls) {
		return false, nil
	}
	if p.Field != nil && !p.Field.Matches(flds) {
		return false, nil
	}
	return true, nil
}
