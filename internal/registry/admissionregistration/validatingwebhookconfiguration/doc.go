// Package validatingwebhookconfiguration holds the admissionregistration.k8s.io/v1
// ValidatingWebhookConfiguration resource: webhook defaults, validation,
// generation tracking and table columns.
//
// It must not do I/O or call the webhooks.
package validatingwebhookconfiguration
