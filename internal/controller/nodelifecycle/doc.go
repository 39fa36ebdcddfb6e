// Package nodelifecycle holds two controllers that act on failed nodes.
//
// The node lifecycle controller (ControllerName) watches node heartbeats
// (Leases in kube-node-lease and the Ready condition), marks the conditions
// of a node that stopped heartbeating Unknown, keeps the condition taints
// (not-ready, unreachable, pressure, unschedulable; NoExecute and
// NoSchedule) in step with the node's state and marks the pods of a node
// that is not ready Ready=False. The NoExecute (eviction) taints are paced
// per zone (--node-eviction-rate, slower or none in a partially disrupted
// zone) and not added at all while no node is ready, as upstream does: then
// the control plane, not every node, has most likely lost the network.
//
// The taint eviction controller (TaintEvictionControllerName) deletes pods
// from nodes with NoExecute taints they do not tolerate, at once or after
// their tolerationSeconds. Upstream runs it as a controller of its own so
// it can be turned off separately; so does Nauta.
//
// Both are built to stay cheap at 5,000 nodes: zone health comes from
// per-zone counts kept up to date by node events (not a walk over every
// node per reconcile), and a pod event reconciles its node only when that
// node is not ready (lifecycle) or has a NoExecute taint (eviction).
//
// Neither changes taints it does not own; both talk to the API server only
// through client-go.
package nodelifecycle
