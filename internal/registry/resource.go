package registry

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Resource describes one REST resource served at one group version: its
// names in discovery, how its objects are made, where they live in etcd, and
// the Strategy that defaults, validates and prints them.
//
// The same stored data can be served under several versions (core/v1 events
// and events.k8s.io/v1 events; autoscaling v1 and v2 HPAs): each served
// version is its own Resource sharing StoragePrefix, and the one whose
// version differs from the stored one sets ToStorage/FromStorage.
type Resource struct {
	// GroupVersion and Resource name the endpoint, e.g. apps/v1 deployments.
	GroupVersion schema.GroupVersion
	Resource     string
	Kind         string
	// ListKind defaults to Kind+"List".
	ListKind   string
	Singular   string
	ShortNames []string
	Categories []string
	Namespaced bool
	// Verbs are the verbs the main resource supports, as shown in discovery.
	// Empty means all of create, delete, deletecollection, get, list, patch,
	// update, watch.
	Verbs []string

	// New and NewList make empty objects of the stored version.
	New     func() runtime.Object
	NewList func() runtime.Object

	// StoragePrefix is the etcd key prefix, e.g. "/registry/deployments".
	// Keys are StoragePrefix + "/" + namespace + "/" + name for namespaced
	// resources and StoragePrefix + "/" + name for cluster-scoped ones.
	StoragePrefix string

	// StorageVersion is the group version objects are stored and handled in
	// (the strategy sees this version). Zero means GroupVersion.
	StorageVersion schema.GroupVersion
	// ToStorage converts a decoded object of the served version into the
	// stored version; FromStorage converts back. Both nil when the served
	// version is the stored one.
	ToStorage   func(runtime.Object) (runtime.Object, error)
	FromStorage func(runtime.Object) (runtime.Object, error)

	// Expiring resources (Events) are written with the server's
	// --event-ttl and served straight from etcd, with no watch cache: as
	// upstream, which keeps none for events (many, short-lived, rarely
	// watched), so they cost no memory beyond etcd's.
	Expiring bool

	// Strategy holds the per-kind rules. Never nil.
	Strategy Strategy

	// Status is set when the resource has a /status subresource.
	Status bool
	// Scale is set when the resource has a /scale subresource.
	Scale *ScaleAccess
}

// ScaleAccess reads and writes the replica count behind a /scale subresource.
type ScaleAccess struct {
	// SpecReplicas returns spec.replicas (defaulted).
	SpecReplicas func(obj runtime.Object) int32
	// SetSpecReplicas sets spec.replicas.
	SetSpecReplicas func(obj runtime.Object, replicas int32)
	// StatusReplicas returns status.replicas.
	StatusReplicas func(obj runtime.Object) int32
	// Selector returns the label selector in its string form for status.selector.
	Selector func(obj runtime.Object) string
}

// GroupVersionResource returns the served group version resource.
func (r *Resource) GroupVersionResource() schema.GroupVersionResource {
	return r.GroupVersion.WithResource(r.Resource)
}

// GroupVersionKind returns the served group version kind.
func (r *Resource) GroupVersionKind() schema.GroupVersionKind {
	return r.GroupVersion.WithKind(r.Kind)
}

// GroupResource returns the group resource, used in error messages
// ("deployments.apps \"web\" not found").
func (r *Resource) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.GroupVersion.Group, Resource: r.Resource}
}

// StorageGroupVersion returns the version the objects are stored in.
func (r *Resource) StorageGroupVersion() schema.GroupVersion {
	if r.StorageVersion.Empty() {
		return r.GroupVersion
	}
	return r.StorageVersion
}

// ListKindName returns ListKind, defaulted.
func (r *Resource) ListKindName() string {
	if r.ListKind != "" {
		return r.ListKind
	}
	return r.Kind + "List"
}

// Strategy is the per-kind behaviour the generic REST handlers call. All
// methods receive objects of the stored version. Embed BaseStrategy and
// override what the kind needs.
type Strategy interface {
	// Default fills unset fields with the upstream defaults. It is called on
	// every object decoded from a request (create, update, patch result).
	Default(obj runtime.Object)

	// PrepareForCreate clears fields a client may not set on create (status
	// for kinds with a status subresource, generation = 1 where tracked).
	PrepareForCreate(ctx context.Context, obj runtime.Object)
	// PrepareForUpdate carries over fields a main-resource update may not
	// change (status) and bumps generation when the spec changed.
	PrepareForUpdate(ctx context.Context, obj, old runtime.Object)
	// PrepareForStatusUpdate carries over everything but status (and the
	// metadata a status writer may change).
	PrepareForStatusUpdate(ctx context.Context, obj, old runtime.Object)

	Validate(ctx context.Context, obj runtime.Object) field.ErrorList
	ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList
	ValidateStatusUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList

	// WarningsOnCreate/Update return human-readable warnings sent back in
	// Warning headers (deprecated fields and the like). May return nil.
	WarningsOnCreate(ctx context.Context, obj runtime.Object) []string

	// AllowCreateOnUpdate reports whether PUT of a missing object creates it.
	AllowCreateOnUpdate() bool
	// AllowUnconditionalUpdate reports whether PUT without resourceVersion
	// is accepted (last write wins).
	AllowUnconditionalUpdate() bool

	// Attrs returns the labels and the selectable fields (metadata.name,
	// metadata.namespace and the kind's own, e.g. spec.nodeName) of obj.
	Attrs(obj runtime.Object) (labels.Set, fields.Set, error)

	// TableColumns returns the column definitions for Table output; the
	// first column must be "Name". Columns with Priority > 0 are -o wide.
	TableColumns() []metav1.TableColumnDefinition
	// TableRow returns the cells of one object, one per column.
	TableRow(obj runtime.Object) ([]interface{}, error)
}
