// Package validatingadmissionpolicy holds the admissionregistration.k8s.io/v1
// ValidatingAdmissionPolicy resource: defaults, structural validation of
// match constraints, validations, audit annotations and variables, the
// spec/status split and table columns.
//
// It must not do I/O or evaluate CEL: expressions are only checked for
// presence, not compiled or type-checked.
package validatingadmissionpolicy
