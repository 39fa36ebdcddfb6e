// Package proxy is Nauta's service proxy: the kube-proxy of a node. It
// watches Services and EndpointSlices through client-go and programs the
// kernel so that ClusterIPs, NodePorts, external IPs and LoadBalancer
// ingress IPs reach ready endpoints: nftables (table "ip nauta", the
// default) or iptables (chains prefixed NAUTA- in the nat and filter
// tables).
//
// The package owns only what it created in the kernel: the nauta nftables
// table, the NAUTA- iptables chains and the jumps to them, the stale UDP
// conntrack entries of its Services and the forwarding sysctls it needs. It
// must not touch other tables or chains, and it never reads etcd: the API
// server is its only source.
//
// Choices worth knowing:
//   - NodePorts are served on the node addresses (Config.NodeIPs, else the
//     Node's InternalIP/ExternalIP addresses, else every local address)
//     but never on 127.0.0.0/8, like upstream's nftables mode: localhost
//     NodePorts need route_localnet, which lets the LAN reach them too.
//   - A Service without usable endpoints is rejected in a filter hook that
//     runs before NAT (ICMP port unreachable, which TCP clients see as
//     "connection refused"), so clients fail at once instead of hanging.
//   - nftables keeps per-Service state in map elements; a sync after one
//     Service changed is a few element updates. Periodic full syncs rewrite
//     every chain but trust the elements; the first sync and any sync
//     after a failure replace the whole table in one transaction (which
//     forgets ClientIP affinity, as any restart does).
//   - A Service with externalTrafficPolicy: Local and no endpoint on this
//     node drops external traffic (nftables, like upstream); in iptables
//     mode such traffic is not DNATed and meets the node's closed port.
//   - Stale UDP conntrack entries are deleted with the conntrack tool
//     (package conntrack) when it is installed; otherwise they time out.
//   - IPv4 only for now.
//
// Rule generation is pure (Services and EndpointSlices in, ruleset text
// out) and tested with golden files; the I/O (nft, iptables-restore,
// conntrack, sysctls) goes through a small runner that tests point at a
// throwaway network namespace.
package proxy
