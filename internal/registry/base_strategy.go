package registry

import (
	"context"
	"reflect"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// BaseStrategy implements Strategy with the behaviour shared by most kinds.
// Kinds embed it and override what differs.
//
//   - HasStatus: status is reset on create, carried over on main-resource
//     updates, and the only thing a /status update changes.
//   - TracksGeneration: metadata.generation starts at 1 and is bumped when
//     anything outside metadata and status changes.
//   - ClusterScoped: the object has no namespace.
type BaseStrategy struct {
	HasStatus        bool
	TracksGeneration bool
	ClusterScoped    bool
}

var _ Strategy = BaseStrategy{}

// Default does nothing.
func (BaseStrategy) Default(runtime.Object) {}

// PrepareForCreate clears status (when the kind has one) and sets generation.
func (s BaseStrategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	if s.HasStatus {
		ResetStatus(obj)
	}
	if s.TracksGeneration {
		if m, err := meta.Accessor(obj); err == nil {
			m.SetGeneration(1)
		}
	}
}

// PrepareForUpdate keeps the old status and bumps generation on spec change.
func (s BaseStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	if s.HasStatus {
		CopyStatus(obj, old)
	}
	if s.TracksGeneration {
		BumpGenerationIfSpecChanged(obj, old)
	}
}

// PrepareForStatusUpdate keeps everything but status and metadata from old.
func (s BaseStrategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	CopyAllButStatusAndMeta(obj, old)
	if m, err := meta.Accessor(obj); err == nil {
		if o, err := meta.Accessor(old); err == nil {
			m.SetGeneration(o.GetGeneration())
		}
	}
}

// Validate checks only object metadata.
func (s BaseStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return ValidateObjectMeta(obj, !s.ClusterScoped, NameIsDNSSubdomain)
}

// ValidateUpdate checks metadata and metadata immutability.
func (s BaseStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	allErrs := ValidateObjectMeta(obj, !s.ClusterScoped, NameIsDNSSubdomain)
	return append(allErrs, ValidateObjectMetaUpdate(obj, old)...)
}

// ValidateStatusUpdate checks metadata immutability.
func (s BaseStrategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateObjectMetaUpdate(obj, old)
}

// WarningsOnCreate returns nothing.
func (BaseStrategy) WarningsOnCreate(context.Context, runtime.Object) []string { return nil }

// AllowCreateOnUpdate is false: PUT of a missing object is NotFound.
func (BaseStrategy) AllowCreateOnUpdate() bool { return false }

// AllowUnconditionalUpdate is true: PUT without resourceVersion wins.
func (BaseStrategy) AllowUnconditionalUpdate() bool { return true }

// Attrs returns labels and metadata.name/metadata.namespace.
func (s BaseStrategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	return labels.Set(m.GetLabels()), ObjectMetaFields(m, !s.ClusterScoped), nil
}

// TableColumns is upstream's default table: Name and Created At.
func (BaseStrategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow returns the name and the creation time.
func (BaseStrategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	return []interface{}{m.GetName(), m.GetCreationTimestamp().Time.UTC().Format(time.RFC3339)}, nil
}

// ObjectMetaFields returns the metadata fields every kind can be selected by.
func ObjectMetaFields(m metav1.Object, namespaced bool) fields.Set {
	set := fields.Set{"metadata.name": m.GetName()}
	if namespaced {
		set["metadata.namespace"] = m.GetNamespace()
	}
	return set
}

// HumanAge formats the age of a timestamp the way kubectl tables do ("5m",
// "3d4h"), or "<unknown>" for a zero time.
func HumanAge(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// ResetStatus sets the Status field of obj (a pointer to a struct) to its
// zero value. Objects without a Status field are left alone.
func ResetStatus(obj runtime.Object) {
	v := reflect.ValueOf(obj).Elem()
	if f := v.FieldByName("Status"); f.IsValid() && f.CanSet() {
		f.Set(reflect.Zero(f.Type()))
	}
}

// CopyStatus copies old's Status field into obj.
func CopyStatus(obj, old runtime.Object) {
	v := reflect.ValueOf(obj).Elem()
	o := reflect.ValueOf(old).Elem()
	if f := v.FieldByName("Status"); f.IsValid() && f.CanSet() {
		f.Set(o.FieldByName("Status"))
	}
}

// CopyAllButStatusAndMeta copies every field of old except TypeMeta,
// ObjectMeta and Status into obj: what a /status update may not change.
func CopyAllButStatusAndMeta(obj, old runtime.Object) {
	v := reflect.ValueOf(obj).Elem()
	o := reflect.ValueOf(old).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		switch t.Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		if v.Field(i).CanSet() {
			v.Field(i).Set(o.Field(i))
		}
	}
}

// SpecChanged reports whether anything outside TypeMeta, ObjectMeta and
// Status differs between obj and old.
func SpecChanged(obj, old runtime.Object) bool {
	v := reflect.ValueOf(obj).Elem()
	o := reflect.ValueOf(old).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		switch t.Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		if !apiequality.Semantic.DeepEqual(v.Field(i).Interface(), o.Field(i).Interface()) {
			return true
		}
	}
	return false
}

// BumpGenerationIfSpecChanged sets obj's generation to old's, plus one when
// the spec changed. Adding or removing a deletionTimestamp does not count.
func BumpGenerationIfSpecChanged(obj, old runtime.Object) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	om, err := meta.Accessor(old)
	if err != nil {
		return
	}
	gen := om.GetGeneration()
	if gen == 0 {
		gen = 1
	}
	if SpecChanged(obj, old) {
		gen++
	}
	m.SetGeneration(gen)
}
