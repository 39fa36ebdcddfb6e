// Package scheduler is Nauta's kube-scheduler: it watches pods whose
// spec.schedulerName is ours and that have no node, picks a node for each
// through the plugin framework (internal/scheduler/framework, plugins in
// internal/scheduler/plugins) and binds them through pods/binding.
//
// It owns the scheduling queue, the informer-fed cache of nodes and pods
// (with the pods it assumed but has not bound yet), binding, events, the
// PodScheduled condition and preemption. It talks to the API server only
// through client-go and never lists the API per pod: every decision is made
// on an in-memory snapshot. Scheduling cycles run one at a time; binding
// (and the Scheduled event) runs in a goroutine per pod once the pod is
// assumed, as upstream, and a failed binding forgets the assumed pod and
// puts the pod back in the queue. The client speaks protobuf and the
// informer caches drop what scheduling never reads, so that 100,000 pods
// stay affordable.
package scheduler
