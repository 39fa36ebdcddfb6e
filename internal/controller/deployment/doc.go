// Package deployment is the Deployment controller: it owns one ReplicaSet
// per distinct pod template (named and selected by the pod-template-hash
// label), rolls out template changes with the RollingUpdate (maxSurge /
// maxUnavailable) or Recreate strategy, scales ReplicaSets proportionally
// when a deployment is resized mid-rollout, keeps the revision annotations
// that `kubectl rollout history/undo` rely on, deletes ReplicaSets beyond
// revisionHistoryLimit, and reports the status fields and the Progressing /
// Available conditions that `kubectl rollout status` reads.
//
// It never creates or deletes pods: that is the ReplicaSet controller's job.
// It talks to the API server only through client-go and reconciles keys
// from its informer caches.
package deployment
