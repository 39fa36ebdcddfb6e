package persistentvolumeclaim

import (
	"context"
	"fmt"

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

// Strategy is the persistentvolumeclaims strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the claims strategy (namespaced, status).
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true}}
}

var _ registry.Strategy = Strategy{}

// Default sets volume mode Filesystem.
func (Strategy) Default(obj runtime.Object) {
	podspec.DefaultPersistentVolumeClaimSpec(&obj.(*corev1.PersistentVolumeClaim).Spec)
}

// PrepareForCreate starts the claim in phase Pending.
func (s Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.BaseStrategy.PrepareForCreate(ctx, obj)
	pvc := obj.(*corev1.PersistentVolumeClaim)
	pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
	normalizeDataSources(&pvc.Spec)
}

// normalizeDataSources mirrors dataSource and dataSourceRef into each
// other when only one is given (and dataSourceRef has no namespace), as
// upstream does so old and new clients both see the source.
func normalizeDataSources(spec *corev1.PersistentVolumeClaimSpec) {
	switch {
	case spec.DataSource != nil && spec.DataSourceRef == nil:
		spec.DataSourceRef = &corev1.TypedObjectReference{
			APIGroup: spec.DataSource.APIGroup, Kind: spec.DataSource.Kind, Name: spec.DataSource.Name,
		}
	case spec.DataSourceRef != nil && spec.DataSource == nil &&
		(spec.DataSourceRef.Namespace == nil || *spec.DataSourceRef.Namespace == ""):
		spec.DataSource = &corev1.TypedLocalObjectReference{
			APIGroup: spec.DataSourceRef.APIGroup, Kind: spec.DataSourceRef.Kind, Name: spec.DataSourceRef.Name,
		}
	}
}

// Validate checks a claim.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	allErrs := registry.ValidateObjectMeta(pvc, true, registry.NameIsDNSSubdomain)
	return append(allErrs, podspec.ValidatePersistentVolumeClaimSpec(&pvc.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate allows only a first volumeName, a storage class set from
// nil, and storage request changes of bound claims (never below the old
// request).
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	pvc, oldPVC := obj.(*corev1.PersistentVolumeClaim), old.(*corev1.PersistentVolumeClaim)
	allErrs := registry.ValidateObjectMetaUpdate(pvc, oldPVC)
	allErrs = append(allErrs, s.Validate(ctx, obj)...)
	newSpec, oldSpec := pvc.Spec.DeepCopy(), oldPVC.Spec.DeepCopy()
	if oldSpec.VolumeName == "" {
		oldSpec.VolumeName = newSpec.VolumeName
	}
	if oldSpec.StorageClassName == nil && newSpec.StorageClassName != nil {
		if beta, ok := oldPVC.Annotations[corev1.BetaStorageClassAnnotation]; !ok || beta == *newSpec.StorageClassName {
			oldSpec.StorageClassName = newSpec.StorageClassName
		}
	}
	if pvc.Status.Phase == corev1.ClaimBound {
		if newSpec.Resources.Requests != nil {
			newSpec.Resources.Requests[corev1.ResourceStorage] = oldPVC.Spec.Resources.Requests[corev1.ResourceStorage]
		}
		if newSpec.VolumeAttributesClassName != nil {
			newSpec.VolumeAttributesClassName = oldSpec.VolumeAttributesClassName
		}
	}
	if !apiequality.Semantic.DeepEqual(*newSpec, *oldSpec) {
		diff := cmp.Diff(*oldSpec, *newSpec)
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec"),
			fmt.Sprintf("spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n%v", diff)))
	}
	oldSize := oldPVC.Spec.Resources.Requests[corev1.ResourceStorage]
	newSize := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if newSize.Cmp(oldSize) < 0 {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "resources", "requests", "storage"), "field can not be less than previous value"))
	}
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(pvc.Spec.VolumeMode, oldPVC.Spec.VolumeMode, field.NewPath("volumeMode"))...)
	return allErrs
}

// ValidateStatusUpdate checks reported capacities.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	allErrs := registry.ValidateObjectMetaUpdate(obj, old)
	for r, q := range pvc.Status.Capacity {
		allErrs = append(allErrs, podspec.ValidateNonnegativeQuantity(q, field.NewPath("status", "capacity").Key(string(r)))...)
	}
	return allErrs
}

// TableColumns are kubectl's claim columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	spec, status := corev1.PersistentVolumeClaimSpec{}.SwaggerDoc(), corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Status", Type: "string", Description: status["phase"]},
		{Name: "Volume", Type: "string", Description: spec["volumeName"]},
		{Name: "Capacity", Type: "string", Description: status["capacity"]},
		{Name: "Access Modes", Type: "string", Description: status["accessModes"]},
		{Name: "StorageClass", Type: "string", Description: "StorageClass of the pvc"},
		{Name: "VolumeAttributesClass", Type: "string", Description: "VolumeAttributesClass of the pvc"},
		columns.Age(),
		{Name: "VolumeMode", Type: "string", Priority: 1, Description: spec["volumeMode"]},
	}
}

// TableRow prints capacity and access modes only once the claim is bound
// to a volume.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	phase := string(pvc.Status.Phase)
	if pvc.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	capacity, modes := "", ""
	if pvc.Spec.VolumeName != "" {
		modes = storageutil.GetAccessModesAsString(pvc.Status.AccessModes)
		q := pvc.Status.Capacity[corev1.ResourceStorage]
		capacity = q.String()
	}
	return []interface{}{
		pvc.Name, phase, pvc.Spec.VolumeName, capacity, modes,
		storageutil.GetPersistentVolumeClaimClass(pvc), columns.UnsetIfNil(pvc.Status.CurrentVolumeAttributesClassName),
		columns.Since(pvc.CreationTimestamp), columns.UnsetIfNil(pvc.Spec.VolumeMode),
	}, nil
}
