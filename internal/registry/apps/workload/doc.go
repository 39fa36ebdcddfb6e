// Package workload holds the rules the pod-owning kinds of the apps and batch
// groups share: selector checks against the pod template, the replicated pod
// template rules (restartPolicy Always, no activeDeadlineSeconds), int-or-
// percent validation for rolling updates, and the container/image table
// cells.
//
// It is pure: no storage, no knowledge of which kind calls it. Kind-specific
// rules stay in each kind's package.
package workload
