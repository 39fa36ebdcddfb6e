// Package nodeipam is the node IPAM controller: it gives every node a pod
// CIDR (spec.podCIDR and spec.podCIDRs) carved from the cluster CIDR, never
// handing the same range to two nodes. The allocated set is rebuilt from the
// nodes at start and a range is released when its node is deleted. It never
// changes a node's CIDR once set and talks to the API server only through
// client-go.
package nodeipam
