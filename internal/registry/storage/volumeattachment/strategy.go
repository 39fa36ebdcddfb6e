package volumeattachment

import (
	"context"
	"fmt"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/storage/csidriver"
)

// maxAttachedVolumeMetadataSize bounds status.attachmentMetadata.
const maxAttachedVolumeMetadataSize = 256 * (1 << 10)

// Strategy is the VolumeAttachment strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the VolumeAttachment strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true, HasStatus: true}}
}

// Validate checks a new VolumeAttachment.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	va := obj.(*storagev1.VolumeAttachment)
	allErrs := registry.ValidateObjectMeta(va, false, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&va.Spec, field.NewPath("spec"))...)
}

func validateSpec(s *storagev1.VolumeAttachmentSpec, fldPath *field.Path) field.ErrorList {
	allErrs := csidriver.ValidateDriverName(s.Attacher, fldPath.Child("attacher"))
	src := fldPath.Child("source")
	switch n := countSources(&s.Source); {
	case n != 1:
		allErrs = append(allErrs, field.Required(src, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case s.Source.PersistentVolumeName != nil && *s.Source.PersistentVolumeName == "":
		allErrs = append(allErrs, field.Required(src.Child("persistentVolumeName"), "must specify non empty persistentVolumeName"))
	}
	if s.NodeName == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("nodeName"), ""))
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(s.NodeName) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("nodeName"), s.NodeName, msg))
		}
	}
	return allErrs
}

func countSources(s *storagev1.VolumeAttachmentSource) int {
	n := 0
	if s.PersistentVolumeName != nil {
		n++
	}
	if s.InlineVolumeSpec != nil {
		n++
	}
	return n
}

// ValidateUpdate: the spec never changes after creation.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	va := obj.(*storagev1.VolumeAttachment)
	o := old.(*storagev1.VolumeAttachment)
	allErrs := registry.ValidateObjectMetaUpdate(va, o)
	if !apiequality.Semantic.DeepEqual(va.Spec, o.Spec) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec"), va.Spec, "field is immutable"))
	}
	return allErrs
}

// ValidateStatusUpdate bounds the attachment metadata and error messages.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	va := obj.(*storagev1.VolumeAttachment)
	allErrs := registry.ValidateObjectMetaUpdate(va, old)
	size := 0
	for k, v := range va.Status.AttachmentMetadata {
		size += len(k) + len(v)
	}
	if size > maxAttachedVolumeMetadataSize {
		allErrs = append(allErrs, field.TooLong(field.NewPath("status", "attachmentMetadata"), "", maxAttachedVolumeMetadataSize))
	}
	return allErrs
}

// TableColumns are kubectl's volume attachment columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Attacher", Type: "string", Format: "name", Description: storagev1.VolumeAttachmentSpec{}.SwaggerDoc()["attacher"]},
		{Name: "PV", Type: "string", Description: storagev1.VolumeAttachmentSource{}.SwaggerDoc()["persistentVolumeName"]},
		{Name: "Node", Type: "string", Description: storagev1.VolumeAttachmentSpec{}.SwaggerDoc()["nodeName"]},
		{Name: "Attached", Type: "boolean", Description: storagev1.VolumeAttachmentStatus{}.SwaggerDoc()["attached"]},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one volume attachment.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	va, ok := obj.(*storagev1.VolumeAttachment)
	if !ok {
		return nil, fmt.Errorf("expected *v1.VolumeAttachment, got %T", obj)
	}
	pv := ""
	if va.Spec.Source.PersistentVolumeName != nil {
		pv = *va.Spec.Source.PersistentVolumeName
	}
	return []interface{}{va.Name, va.Spec.Attacher, pv, va.Spec.NodeName, va.Status.Attached, registry.HumanAge(va.CreationTimestamp, time.Now())}, nil
}
