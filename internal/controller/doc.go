// Package controller holds what every Nauta controller shares: the
// Controller interface the manager runs, the Context a controller is built
// from (clients, the shared informer factory, settings), and the worker loop
// that drains a rate-limited workqueue into a level-based Reconcile(ctx, key),
// and the NamespacedPublisher skeleton of controllers that keep one named
// object in every active namespace.
//
// Controllers live one per sub-folder (controller/namespace, ...) and are
// listed in controller/manager. They talk to the API server only through
// client-go; nothing here may import storage, etcd or the API server packages.
package controller
