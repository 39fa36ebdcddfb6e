// Package workload holds the rules the pod-owning kinds of the apps and batch
// groups share: selector checks against the pod template, the replicated pod
// template rules (restartPolicy Always, no activeDeadlineSeconds), int-or-
// percent validation for rolling updates, status counter checks, the shared
// table columns, and the /scale access of the replicated kinds.
//
// It is pure: no storage, no knowledge of which kind calls it. Kind-specific
// rules stay in each kind's package.
package workload
