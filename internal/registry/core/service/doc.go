// Package service holds the core/v1 services resource: defaults (type,
// session affinity, port protocols and target ports, traffic policies, IP
// families), validation with upstream's paths and messages, the update
// rules that keep allocated cluster IPs and node ports when a client
// resubmits a manifest without them, selectable fields and the table.
//
// It allocates nothing: cluster IPs and node ports are assigned by another
// component; this package only keeps what was assigned.
package service
