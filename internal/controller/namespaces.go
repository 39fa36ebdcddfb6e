package controller

import v1 "k8s.io/api/core/v1"

// NamespaceActive reports whether controllers may still create objects in
// ns: it is not being deleted. An empty phase counts as active, so objects
// still appear if the API server leaves the phase unset.
func NamespaceActive(ns *v1.Namespace) bool {
	return ns.DeletionTimestamp == nil && ns.Status.Phase != v1.NamespaceTerminating
}
