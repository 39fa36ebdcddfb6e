// Package mutatingwebhookconfiguration holds the admissionregistration.k8s.io/v1
// MutatingWebhookConfiguration resource: webhook defaults (plus the
// reinvocation policy), validation, generation tracking and table columns.
//
// It must not do I/O or call the webhooks.
package mutatingwebhookconfiguration
