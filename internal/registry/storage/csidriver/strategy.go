package csidriver

import (
	"context"
	"fmt"
	"strings"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
)

// ValidateDriverName checks a CSI driver name: a DNS subdomain (case
// insensitive) of at most 63 characters.
func ValidateDriverName(name string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if name == "" {
		allErrs = append(allErrs, field.Required(fldPath, ""))
	}
	if len(name) > 63 {
		allErrs = append(allErrs, field.TooLong(fldPath, name, 63))
	}
	for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(name)) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}

// Strategy is the CSIDriver strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the CSIDriver strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true}}
}

// Default applies the storage.k8s.io/v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	s := &obj.(*storagev1.CSIDriver).Spec
	if s.AttachRequired == nil {
		s.AttachRequired = ptr.To(true)
	}
	if s.PodInfoOnMount == nil {
		s.PodInfoOnMount = ptr.To(false)
	}
	if s.StorageCapacity == nil {
		s.StorageCapacity = ptr.To(false)
	}
	if s.FSGroupPolicy == nil {
		s.FSGroupPolicy = ptr.To(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy)
	}
	if len(s.VolumeLifecycleModes) == 0 {
		s.VolumeLifecycleModes = []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent}
	}
	if s.RequiresRepublish == nil {
		s.RequiresRepublish = ptr.To(false)
	}
	if s.SELinuxMount == nil {
		s.SELinuxMount = ptr.To(false)
	}
}

// Validate checks a new CSIDriver.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	d := obj.(*storagev1.CSIDriver)
	allErrs := registry.ValidateObjectMeta(d, false, registry.NameIsDNSSubdomain)
	allErrs = append(allErrs, ValidateDriverName(d.Name, field.NewPath("metadata", "name"))...)
	return append(allErrs, validateSpec(&d.Spec, field.NewPath("spec"))...)
}

func validateSpec(s *storagev1.CSIDriverSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if s.AttachRequired == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("attachRequired"), ""))
	}
	if s.PodInfoOnMount == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("podInfoOnMount"), ""))
	}
	if s.StorageCapacity == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("storageCapacity"), ""))
	}
	if s.RequiresRepublish == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("requiresRepublish"), ""))
	}
	if s.FSGroupPolicy != nil {
		switch *s.FSGroupPolicy {
		case storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy, storagev1.FileFSGroupPolicy, storagev1.NoneFSGroupPolicy:
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("fsGroupPolicy"), *s.FSGroupPolicy, []string{
				string(storagev1.FileFSGroupPolicy), string(storagev1.NoneFSGroupPolicy), string(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy),
			}))
		}
	}
	for i, m := range s.VolumeLifecycleModes {
		if m != storagev1.VolumeLifecyclePersistent && m != storagev1.VolumeLifecycleEphemeral {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("volumeLifecycleModes").Index(i), m, []string{
				string(storagev1.VolumeLifecycleEphemeral), string(storagev1.VolumeLifecyclePersistent),
			}))
		}
	}
	seen := map[string]bool{}
	for i, tr := range s.TokenRequests {
		p := fldPath.Child("tokenRequests").Index(i)
		if seen[tr.Audience] {
			allErrs = append(allErrs, field.Duplicate(p.Child("audience"), tr.Audience))
		}
		seen[tr.Audience] = true
		if tr.ExpirationSeconds != nil && *tr.ExpirationSeconds < 600 {
			allErrs = append(allErrs, field.Invalid(p.Child("expirationSeconds"), *tr.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
		}
	}
	return allErrs
}

// ValidateUpdate: attachment, fsGroup policy and lifecycle modes are fixed.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	d := obj.(*storagev1.CSIDriver)
	o := old.(*storagev1.CSIDriver)
	allErrs := registry.ValidateObjectMetaUpdate(d, o)
	p := field.NewPath("spec")
	allErrs = append(allErrs, validateSpec(&d.Spec, p)...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(d.Spec.AttachRequired, o.Spec.AttachRequired, p.Child("attachRequired"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(d.Spec.FSGroupPolicy, o.Spec.FSGroupPolicy, p.Child("fsGroupPolicy"))...)
	return append(allErrs, apivalidation.ValidateImmutableField(d.Spec.VolumeLifecycleModes, o.Spec.VolumeLifecycleModes, p.Child("volumeLifecycleModes"))...)
}

// TableColumns are kubectl's CSI driver columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	doc := storagev1.CSIDriverSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "AttachRequired", Type: "boolean", Description: doc["attachRequired"]},
		{Name: "PodInfoOnMount", Type: "boolean", Description: doc["podInfoOnMount"]},
		{Name: "StorageCapacity", Type: "boolean", Description: doc["storageCapacity"]},
		{Name: "TokenRequests", Type: "string", Description: doc["tokenRequests"]},
		{Name: "RequiresRepublish", Type: "boolean", Description: doc["requiresRepublish"]},
		{Name: "Modes", Type: "string", Description: doc["volumeLifecycleModes"]},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one CSI driver.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	d, ok := obj.(*storagev1.CSIDriver)
	if !ok {
		return nil, fmt.Errorf("expected *v1.CSIDriver, got %T", obj)
	}
	modes := make([]string, 0, len(d.Spec.VolumeLifecycleModes))
	for _, m := range d.Spec.VolumeLifecycleModes {
		modes = append(modes, string(m))
	}
	modesCell := strings.Join(modes, ",")
	if modesCell == "" {
		modesCell = "<none>"
	}
	tokens := "<unset>"
	if d.Spec.TokenRequests != nil {
		var aud []string
		for _, tr := range d.Spec.TokenRequests {
			aud = append(aud, tr.Audience)
		}
		tokens = strings.Join(aud, ",")
	}
	return []interface{}{
		d.Name,
		ptr.Deref(d.Spec.AttachRequired, true),
		ptr.Deref(d.Spec.PodInfoOnMount, false),
		ptr.Deref(d.Spec.StorageCapacity, false),
		tokens,
		ptr.Deref(d.Spec.RequiresRepublish, false),
		modesCell,
		registry.HumanAge(d.CreationTimestamp, time.Now()),
	}, nil
}
