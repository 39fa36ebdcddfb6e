package storageclass

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
)

// Parameter limits upstream enforces.
const (
	maxParameters     = 512
	maxParametersSize = 256 * (1 << 10)
)

// Annotations marking the default class.
const (
	IsDefaultAnnotation     = "storageclass.kubernetes.io/is-default-class"
	BetaIsDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

// Strategy is the StorageClass strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the StorageClass strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true}}
}

// Default sets reclaimPolicy Delete and volumeBindingMode Immediate.
func (Strategy) Default(obj runtime.Object) {
	sc := obj.(*storagev1.StorageClass)
	if sc.ReclaimPolicy == nil {
		sc.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimDelete)
	}
	if sc.VolumeBindingMode == nil {
		sc.VolumeBindingMode = ptr.To(storagev1.VolumeBindingImmediate)
	}
}

// Validate checks a new StorageClass.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	sc := obj.(*storagev1.StorageClass)
	allErrs := registry.ValidateObjectMeta(sc, false, registry.NameIsDNSSubdomain)
	p := field.NewPath("provisioner")
	if sc.Provisioner == "" {
		allErrs = append(allErrs, field.Required(p, sc.Provisioner))
	} else {
		for _, msg := range content.IsLabelKey(strings.ToLower(sc.Provisioner)) {
			allErrs = append(allErrs, field.Invalid(p, sc.Provisioner, msg))
		}
	}
	allErrs = append(allErrs, validateParameters(sc.Parameters, field.NewPath("parameters"))...)
	if sc.ReclaimPolicy != nil && *sc.ReclaimPolicy != "" && *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete && *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimRetain {
		allErrs = append(allErrs, field.NotSupported(field.NewPath("reclaimPolicy"), sc.ReclaimPolicy, []string{string(corev1.PersistentVolumeReclaimDelete), string(corev1.PersistentVolumeReclaimRetain)}))
	}
	mp := field.NewPath("volumeBindingMode")
	switch {
	case sc.VolumeBindingMode == nil:
		allErrs = append(allErrs, field.Required(mp, ""))
	case *sc.VolumeBindingMode != storagev1.VolumeBindingImmediate && *sc.VolumeBindingMode != storagev1.VolumeBindingWaitForFirstConsumer:
		allErrs = append(allErrs, field.NotSupported(mp, sc.VolumeBindingMode, []string{string(storagev1.VolumeBindingImmediate), string(storagev1.VolumeBindingWaitForFirstConsumer)}))
	}
	allErrs = append(allErrs, validateTopologies(sc.AllowedTopologies, field.NewPath("allowedTopologies"))...)
	return allErrs
}

func validateParameters(params map[string]string, fldPath *field.Path) field.ErrorList {
	if len(params) > maxParameters {
		return field.ErrorList{field.TooMany(fldPath, len(params), maxParameters)}
	}
	var allErrs field.ErrorList
	size := 0
	for k, v := range params {
		if k == "" {
			allErrs = append(allErrs, field.Invalid(fldPath, k, "field can not be empty."))
		}
		size += len(k) + len(v)
	}
	if size > maxParametersSize {
		allErrs = append(allErrs, field.TooLong(fldPath, "", maxParametersSize))
	}
	return allErrs
}

func validateTopologies(terms []corev1.TopologySelectorTerm, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, term := range terms {
		tp := fldPath.Index(i)
		if len(term.MatchLabelExpressions) == 0 {
			allErrs = append(allErrs, field.Required(tp.Child("matchLabelExpressions"), "must contain at least one requirement"))
		}
		seen := map[string]bool{}
		for j, req := range term.MatchLabelExpressions {
			rp := tp.Child("matchLabelExpressions").Index(j)
			for _, msg := range content.IsLabelKey(req.Key) {
				allErrs = append(allErrs, field.Invalid(rp.Child("key"), req.Key, msg))
			}
			if seen[req.Key] {
				allErrs = append(allErrs, field.Duplicate(rp.Child("key"), req.Key))
			}
			seen[req.Key] = true
			if len(req.Values) == 0 {
				allErrs = append(allErrs, field.Required(rp.Child("values"), "must specify as least one value"))
			}
			for k, v := range req.Values {
				for _, msg := range content.IsLabelValue(v) {
					allErrs = append(allErrs, field.Invalid(rp.Child("values").Index(k), v, msg))
				}
			}
		}
	}
	return allErrs
}

// ValidateUpdate: provisioner, parameters, reclaim policy and binding mode
// are fixed once created.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	sc := obj.(*storagev1.StorageClass)
	o := old.(*storagev1.StorageClass)
	allErrs := registry.ValidateObjectMetaUpdate(sc, o)
	if !apiequality.Semantic.DeepEqual(sc.Parameters, o.Parameters) {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	if sc.Provisioner != o.Provisioner {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("provisioner"), "updates to provisioner are forbidden."))
	}
	if ptr.Deref(sc.ReclaimPolicy, "") != ptr.Deref(o.ReclaimPolicy, "") {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
	}
	return append(allErrs, apivalidation.ValidateImmutableField(sc.VolumeBindingMode, o.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
}

// IsDefault reports whether the class is marked as the cluster default.
func IsDefault(sc *storagev1.StorageClass) bool {
	return sc.Annotations[IsDefaultAnnotation] == "true" || sc.Annotations[BetaIsDefaultAnnotation] == "true"
}

// TableColumns are kubectl's storage class columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	doc := storagev1.StorageClass{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Provisioner", Type: "string", Description: doc["provisioner"]},
		{Name: "ReclaimPolicy", Type: "string", Description: doc["reclaimPolicy"]},
		{Name: "VolumeBindingMode", Type: "string", Description: doc["volumeBindingMode"]},
		{Name: "AllowVolumeExpansion", Type: "string", Description: doc["allowVolumeExpansion"]},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one storage class.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	sc, ok := obj.(*storagev1.StorageClass)
	if !ok {
		return nil, fmt.Errorf("expected *v1.StorageClass, got %T", obj)
	}
	name := sc.Name
	if IsDefault(sc) {
		name += " (default)"
	}
	return []interface{}{
		name,
		sc.Provisioner,
		string(ptr.Deref(sc.ReclaimPolicy, corev1.PersistentVolumeReclaimDelete)),
		string(ptr.Deref(sc.VolumeBindingMode, storagev1.VolumeBindingImmediate)),
		ptr.Deref(sc.AllowVolumeExpansion, false),
		registry.HumanAge(sc.CreationTimestamp, time.Now()),
	}, nil
}
