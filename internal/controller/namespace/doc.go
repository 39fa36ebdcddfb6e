// Package namespace is the namespace controller: once a Namespace has a
// deletionTimestamp it deletes everything inside it (every namespaced
// resource discovery reports as deletable), reports progress in the
// Namespace's status conditions the way upstream does, and when nothing is
// left removes the "kubernetes" finalizer through the namespaces/finalize
// subresource so the API server can remove the Namespace.
//
// The decisions (what to delete, how long to wait, which conditions to
// show) are pure functions in plan.go and conditions.go; controller.go and
// deletion.go do the I/O, only through client-go.
package namespace
