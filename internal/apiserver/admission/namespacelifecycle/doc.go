// Package namespacelifecycle is the admission step that keeps namespaced
// objects consistent with their namespace's life: nothing is created or
// updated in a namespace that does not exist, nothing new is created in one
// being terminated, and the system namespaces cannot be deleted.
//
// It reads namespaces straight from storage; it never writes anything.
package namespacelifecycle
