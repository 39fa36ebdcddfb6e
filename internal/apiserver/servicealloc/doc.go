// Package servicealloc assigns Service cluster IPs and node ports.
//
// Each range (--service-cluster-ip-range, --service-node-port-range) is a
// bitmap stored in etcd as a core/v1 RangeAllocation under
// /registry/ranges/serviceips and /registry/ranges/servicenodeports, and
// changed only by compare-and-swap, so several API servers never hand out
// the same value. The services storage is wrapped (Wrap) so that every
// create, update and delete of a Service, whatever handler path it comes
// through, reserves what the new object holds and releases what the old one
// held. A repair loop (Run) reconciles the bitmaps with the stored Services:
// it marks values held by Services but missing from a bitmap, and frees
// values no Service holds once it has seen them unused several times in a
// row (an allocation whose Service write is still in flight looks unused
// for a moment). A dry-run create or update (DryRunCreate,
// DryRunUpdate) fills in what the Service would get from the current
// bitmaps without reserving or freeing anything.
//
// It does not serve the IPAddress or ServiceCIDR APIs.
package servicealloc
