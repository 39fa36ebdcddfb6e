package workload

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Counter names one integer field below a common path.
type Counter struct {
	Name  string
	Value int64
}

// ValidateNonnegative checks every counter is >= 0, in the given order.
func ValidateNonnegative(fldPath *field.Path, counters ...Counter) field.ErrorList {
	var allErrs field.ErrorList
	for _, c := range counters {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(c.Value, fldPath.Child(c.Name))...)
	}
	return allErrs
}

// IsDecremented reports whether an optional counter went down or was
// removed between old and update.
func IsDecremented(update, old *int32) bool {
	if update == nil && old != nil {
		return true
	}
	if update == nil || old == nil {
		return false
	}
	return *update < *old
}

// ValidateCollisionCount rejects a decremented status.collisionCount.
func ValidateCollisionCount(update, old *int32, fldPath *field.Path) field.ErrorList {
	if !IsDecremented(update, old) {
		return nil
	}
	var v int32
	if update != nil {
		v = *update
	}
	return field.ErrorList{field.Invalid(fldPath, v, "cannot be decremented")}
}

// ReplicaCount names one status counter that may not exceed status.replicas.
type ReplicaCount struct {
	Name  string
	Value int32
}

// ValidateAtMostReplicas reports, in the given order, each counter below
// fldPath that is greater than replicas.
func ValidateAtMostReplicas(fldPath *field.Path, replicas int32, counts ...ReplicaCount) field.ErrorList {
	var allErrs field.ErrorList
	for _, c := range counts {
		if c.Value > replicas {
			allErrs = append(allErrs, field.Invalid(fldPath.Child(c.Name), c.Value, "cannot be greater than status.replicas"))
		}
	}
	return allErrs
}
