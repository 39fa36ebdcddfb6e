// Package validatingadmissionpolicybinding holds the
// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding resource:
// defaults, validation of the policy name, parameter reference, match
// resources and validation actions, and table columns.
//
// It must not do I/O or check that the policy exists.
package validatingadmissionpolicybinding
