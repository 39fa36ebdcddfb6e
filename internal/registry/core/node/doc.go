// Package node holds the core/v1 nodes resource: podCIDR/podCIDRs and
// allocatable defaults, taint and pod CIDR validation, the update rules
// (podCIDRs and providerID set once), the spec.unschedulable field
// selector and the NAME STATUS ROLES AGE VERSION table. Node status comes
// from the kubelet through the status subresource. No I/O.
package node
