// Package hookrules holds what the admissionregistration.k8s.io kinds
// share: rule and operation validation, webhook defaults and validation
// (client config, side effects, timeouts, review versions), match
// resources and match conditions.
//
// It must not do I/O or call webhooks. CEL expressions are checked for
// presence only; compiling them is out of scope.
package hookrules
