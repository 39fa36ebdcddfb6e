// Package simnode simulates kubelets, like kwok: it registers N Node
// objects that look Ready, keeps one Lease per node fresh in
// kube-node-lease, and plays kubelet for the pods bound to those nodes by
// marking them Running and Ready with fake container statuses and pod IPs
// from the node's pod CIDR. Nothing runs: there are no containers, images
// or networks. Pods whose restartPolicy is Never or OnFailure also stay
// Running forever, since there is no process that could exit. Graceful
// deletion is honoured by removing a deleted pod (grace 0) after
// min(grace period, 1s). Pods with readiness gates are Ready only once
// every gate's condition is True. A simulated node deleted by someone else
// is registered again (unless its heartbeat was stopped), as a kubelet does;
// one shown not Ready (the node lifecycle controller marks a node whose
// lease went stale Unknown) renews its lease and posts Ready at once
// instead of at the next status report.
// StopHeartbeat stops one node's lease renewals and status reports, and
// the status updates and deletion confirmations of its pods, so that
// node-failure handling can be tested.
//
// It is built to be cheap at scale (1,000 nodes, 100,000 pods on 2 cores):
// one pod informer and one node informer, fixed pools of workers, lease
// renewals spread over the heartbeat interval and started as soon as a
// node is registered (registering 5,000 takes longer than a lease lasts),
// heartbeats on a client of their own so that they never wait behind pod
// status writes (or hold them up), merge patches of the status
// subresource, and no goroutine per pod or per node. It talks to the API
// server only through client-go and must not import any other Nauta
// component besides the version.
package simnode
