package persistentvolume

import (
	"context"
	"fmt"
	"path"
	"reflect"
	"strings"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	storageutil "k8s.io/kubectl/pkg/util/storage"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/columns"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// Strategy is the persistentvolumes strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the persistentvolumes strategy (cluster-scoped, status).
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, ClusterScoped: true}}
}

var _ registry.Strategy = Strategy{}

// Default sets reclaim policy Retain and volume mode Filesystem.
func (Strategy) Default(obj runtime.Object) {
	pv := obj.(*corev1.PersistentVolume)
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		m := corev1.PersistentVolumeFilesystem
		pv.Spec.VolumeMode = &m
	}
	if pv.Spec.HostPath != nil && pv.Spec.HostPath.Type == nil {
		t := corev1.HostPathUnset
		pv.Spec.HostPath.Type = &t
	}
}

// PrepareForCreate starts the volume in phase Pending.
func (s Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.BaseStrategy.PrepareForCreate(ctx, obj)
	pv := obj.(*corev1.PersistentVolume)
	now := metav1.Now()
	pv.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending, LastPhaseTransitionTime: &now}
}

// PrepareForStatusUpdate records when the phase changes.
func (s Strategy) PrepareForStatusUpdate(ctx context.Context, obj, old runtime.Object) {
	s.BaseStrategy.PrepareForStatusUpdate(ctx, obj, old)
	pv, oldPV := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
	if pv.Status.Phase != oldPV.Status.Phase && reflect.DeepEqual(pv.Status.LastPhaseTransitionTime, oldPV.Status.LastPhaseTransitionTime) {
		now := metav1.Now()
		pv.Status.LastPhaseTransitionTime = &now
	}
}

// Validate checks a volume.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*corev1.PersistentVolume))
}

func validate(pv *corev1.PersistentVolume) field.ErrorList {
	allErrs := registry.ValidateObjectMeta(pv, false, registry.NameIsDNSSubdomain)
	spec := &pv.Spec
	p := field.NewPath("spec")
	if len(spec.AccessModes) == 0 {
		allErrs = append(allErrs, field.Required(p.Child("accessModes"), ""))
	}
	allErrs = append(allErrs, podspec.ValidateAccessModes(spec.AccessModes, p.Child("accessModes"))...)
	if len(spec.Capacity) == 0 {
		allErrs = append(allErrs, field.Required(p.Child("capacity"), ""))
	}
	if _, ok := spec.Capacity[corev1.ResourceStorage]; !ok || len(spec.Capacity) > 1 {
		allErrs = append(allErrs, field.NotSupported(p.Child("capacity"), spec.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	for r, q := range spec.Capacity {
		allErrs = append(allErrs, podspec.ValidatePositiveQuantity(q, p.Child("capacity").Key(string(r)))...)
	}
	policies := []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain}
	if rp := spec.PersistentVolumeReclaimPolicy; rp != "" && rp != policies[0] && rp != policies[1] && rp != policies[2] {
		allErrs = append(allErrs, field.NotSupported(p.Child("persistentVolumeReclaimPolicy"), rp, policies))
	}
	allErrs = append(allErrs, validateSource(&spec.PersistentVolumeSource, spec.NodeAffinity != nil, p)...)
	if spec.NodeAffinity != nil {
		if spec.NodeAffinity.Required == nil {
			allErrs = append(allErrs, field.Required(p.Child("nodeAffinity", "required"), "must specify required node constraints"))
		} else {
			allErrs = append(allErrs, podspec.ValidateNodeSelector(spec.NodeAffinity.Required, p.Child("nodeAffinity", "required"))...)
		}
	}
	if spec.HostPath != nil && path.Clean(spec.HostPath.Path) == "/" && spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRecycle {
		allErrs = append(allErrs, field.Forbidden(p.Child("persistentVolumeReclaimPolicy"), "may not be 'recycle' for a hostPath mount of '/'"))
	}
	if spec.StorageClassName != "" {
		for _, msg := range apivalidation.NameIsDNSSubdomain(spec.StorageClassName, false) {
			allErrs = append(allErrs, field.Invalid(p.Child("storageClassName"), spec.StorageClassName, msg))
		}
	}
	if m := spec.VolumeMode; m != nil && *m != corev1.PersistentVolumeBlock && *m != corev1.PersistentVolumeFilesystem {
		allErrs = append(allErrs, field.NotSupported(p.Child("volumeMode"), *m, []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}))
	}
	if c := spec.VolumeAttributesClassName; c != nil {
		if *c == "" {
			allErrs = append(allErrs, field.Required(p.Child("volumeAttributesClassName"), "an empty string is disallowed"))
		}
		if spec.CSI == nil {
			allErrs = append(allErrs, field.Required(p.Child("csi"), "has to be specified when using volumeAttributesClassName"))
		}
	}
	return allErrs
}

// validateSource checks that exactly one volume source is set and that
// the common ones are complete.
func validateSource(s *corev1.PersistentVolumeSource, hasAffinity bool, p *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	n := 0
	v := reflect.ValueOf(s).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if v.Field(i).IsNil() {
			continue
		}
		if n > 0 {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			allErrs = append(allErrs, field.Forbidden(p.Child(name), "may not specify more than 1 volume type"))
		}
		n++
	}
	if n == 0 {
		return append(allErrs, field.Required(p, "must specify a volume type"))
	}
	switch {
	case s.HostPath != nil:
		if s.HostPath.Path == "" {
			allErrs = append(allErrs, field.Required(p.Child("hostPath", "path"), ""))
		}
	case s.NFS != nil:
		if s.NFS.Server == "" {
			allErrs = append(allErrs, field.Required(p.Child("nfs", "server"), ""))
		}
		if s.NFS.Path == "" {
			allErrs = append(allErrs, field.Required(p.Child("nfs", "path"), ""))
		} else if !path.IsAbs(s.NFS.Path) {
			allErrs = append(allErrs, field.Invalid(p.Child("nfs", "path"), s.NFS.Path, "must be an absolute path"))
		}
	case s.Local != nil:
		if s.Local.Path == "" {
			allErrs = append(allErrs, field.Required(p.Child("local", "path"), ""))
		}
		if !hasAffinity {
			allErrs = append(allErrs, field.Required(p.Child("nodeAffinity"), "Local volume requires node affinity"))
		}
	case s.CSI != nil:
		if s.CSI.Driver == "" {
			allErrs = append(allErrs, field.Required(p.Child("csi", "driver"), ""))
		}
		if s.CSI.VolumeHandle == "" {
			allErrs = append(allErrs, field.Required(p.Child("csi", "volumeHandle"), ""))
		}
	}
	return allErrs
}

// ValidateUpdate keeps the volume source and mode fixed.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pv, oldPV := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
	allErrs := registry.ValidateObjectMetaUpdate(pv, oldPV)
	allErrs = append(allErrs, validate(pv)...)
	newSrc := pv.Spec.PersistentVolumeSource.DeepCopy()
	// A CSI controllerExpandSecretRef may be added later.
	if oldPV.Spec.CSI != nil && oldPV.Spec.CSI.ControllerExpandSecretRef == nil && newSrc.CSI != nil {
		newSrc.CSI.ControllerExpandSecretRef = nil
	}
	if !apiequality.Semantic.DeepEqual(*newSrc, oldPV.Spec.PersistentVolumeSource) {
		diff := cmp.Diff(oldPV.Spec.PersistentVolumeSource, *newSrc)
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "persistentvolumesource"), fmt.Sprintf("spec.persistentvolumesource is immutable after creation\n%v", diff)))
	}
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(pv.Spec.VolumeMode, oldPV.Spec.VolumeMode, field.NewPath("volumeMode"))...)
	if oldPV.Spec.NodeAffinity != nil && !apiequality.Semantic.DeepEqual(pv.Spec.NodeAffinity, oldPV.Spec.NodeAffinity) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("nodeAffinity"), pv.Spec.NodeAffinity, "field is immutable"))
	}
	return allErrs
}

// TableColumns are kubectl's persistent volume columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	spec, status := corev1.PersistentVolumeSpec{}.SwaggerDoc(), corev1.PersistentVolumeStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Capacity", Type: "string", Description: spec["capacity"]},
		{Name: "Access Modes", Type: "string", Description: spec["accessModes"]},
		{Name: "Reclaim Policy", Type: "string", Description: spec["persistentVolumeReclaimPolicy"]},
		{Name: "Status", Type: "string", Description: status["phase"]},
		{Name: "Claim", Type: "string", Description: spec["claimRef"]},
		{Name: "StorageClass", Type: "string", Description: "StorageClass of the pv"},
		{Name: "VolumeAttributesClass", Type: "string", Description: "VolumeAttributesClass of the pv"},
		{Name: "Reason", Type: "string", Description: status["reason"]},
		columns.Age(),
		{Name: "VolumeMode", Type: "string", Priority: 1, Description: spec["volumeMode"]},
	}
}

// TableRow prints the volume; the phase shows "Terminating" while it is
// being deleted.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	pv := obj.(*corev1.PersistentVolume)
	claim := ""
	if pv.Spec.ClaimRef != nil {
		claim = pv.Spec.ClaimRef.Namespace + "/" + pv.Spec.ClaimRef.Name
	}
	phase := string(pv.Status.Phase)
	if pv.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	return []interface{}{
		pv.Name, size.String(), storageutil.GetAccessModesAsString(pv.Spec.AccessModes),
		string(pv.Spec.PersistentVolumeReclaimPolicy), phase, claim, storageutil.GetPersistentVolumeClass(pv),
		columns.UnsetIfNil(pv.Spec.VolumeAttributesClassName), pv.Status.Reason, columns.Since(pv.CreationTimestamp),
		columns.UnsetIfNil(pv.Spec.VolumeMode),
	}, nil
}
