package rbacrules

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
)

// ValidateBinding checks a new RoleBinding or ClusterRoleBinding: its
// metadata, a roleRef naming one of kinds, and its subjects.
func ValidateBinding(obj runtime.Object, namespaced bool, ref *rbacv1.RoleRef, kinds []string, subjects []rbacv1.Subject) field.ErrorList {
	allErrs := registry.ValidateObjectMeta(obj, namespaced, NameIsValid)
	allErrs = append(allErrs, ValidateRoleRef(ref, kinds, field.NewPath("roleRef"))...)
	return append(allErrs, ValidateSubjects(subjects, namespaced, field.NewPath("subjects"))...)
}

// DefaultBinding fills the API groups rbac/v1 defaults: the role
// reference's group, and the group of User and Group subjects.
func DefaultBinding(ref *rbacv1.RoleRef, subjects []rbacv1.Subject) {
	if ref.APIGroup == "" {
		ref.APIGroup = rbacv1.GroupName
	}
	for i := range subjects {
		s := &subjects[i]
		if s.APIGroup != "" {
			continue
		}
		switch s.Kind {
		case rbacv1.UserKind, rbacv1.GroupKind:
			s.APIGroup = rbacv1.GroupName
		}
	}
}

// ValidateRoleRef checks a binding's role reference; kinds lists what the
// binding may point at (Role and ClusterRole, or ClusterRole only).
func ValidateRoleRef(ref *rbacv1.RoleRef, kinds []string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if ref.APIGroup != rbacv1.GroupName {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("apiGroup"), ref.APIGroup, []string{rbacv1.GroupName}))
	}
	known := false
	for _, k := range kinds {
		known = known || ref.Kind == k
	}
	if !known {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("kind"), ref.Kind, kinds))
	}
	if ref.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else {
		for _, msg := range NameIsValid(ref.Name, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), ref.Name, msg))
		}
	}
	return allErrs
}

// ValidateRoleRefUpdate rejects any change of the role reference.
func ValidateRoleRefUpdate(ref, old rbacv1.RoleRef) field.ErrorList {
	if ref == old {
		return nil
	}
	return field.ErrorList{field.Invalid(field.NewPath("roleRef"), ref, "cannot change roleRef")}
}

// ValidateSubjects checks binding subjects; service accounts in cluster
// bindings must name their namespace.
func ValidateSubjects(subjects []rbacv1.Subject, namespaced bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, s := range subjects {
		p := fldPath.Index(i)
		if s.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		}
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			if s.Name != "" {
				for _, msg := range validation.IsDNS1123Subdomain(s.Name) {
					allErrs = append(allErrs, field.Invalid(p.Child("name"), s.Name, msg))
				}
			}
			if s.APIGroup != "" {
				allErrs = append(allErrs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{""}))
			}
			if !namespaced && s.Namespace == "" {
				allErrs = append(allErrs, field.Required(p.Child("namespace"), ""))
			}
		case rbacv1.UserKind, rbacv1.GroupKind:
			if s.APIGroup != rbacv1.GroupName {
				allErrs = append(allErrs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{rbacv1.GroupName}))
			}
		default:
			allErrs = append(allErrs, field.NotSupported(p.Child("kind"), s.Kind, []string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}))
		}
	}
	return allErrs
}
