// Package podgc is the pod garbage collector: every check period it
// force-deletes pods bound to nodes that no longer exist (after a
// quarantine and a live check of the node), terminated pods beyond the
// --terminated-pod-gc-threshold (evicted and oldest first), terminating pods
// on not-ready nodes tainted out-of-service, and terminating pods that were
// never scheduled. Pods not yet in a terminal phase are marked Failed first.
// It talks to the API server only through client-go.
package podgc
