// Package replicaset is the ReplicaSet controller, and the same code serves
// ReplicationControllers: it keeps spec.replicas active pods for every
// owner, creating them from the pod template in slow-start batches and
// deleting the least valuable ones first, adopts orphan pods that match the
// selector and releases owned pods that stop matching, and reports
// replicas/fullyLabeled/ready/available counts and the ReplicaFailure
// condition in status.
//
// It talks to the API server only through client-go, never trusts informer
// events (keys are reconciled from the caches) and uses expectations so a
// cache that lags behind its own creates and deletes does not cause double
// work. It does not know about Deployments beyond owner references.
package replicaset
