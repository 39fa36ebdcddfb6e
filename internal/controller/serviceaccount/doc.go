// Package serviceaccount is the service account controller: every active
// namespace gets a ServiceAccount named "default", re-created when deleted.
// It creates nothing in terminating namespaces and never touches existing
// service accounts. It talks to the API server only through client-go.
package serviceaccount
