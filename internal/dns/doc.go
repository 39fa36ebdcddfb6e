// Package dns is Nauta's cluster DNS server: it answers the names of the
// Kubernetes DNS-based service discovery specification under the cluster
// domain (Services, headless endpoints, SRV for named ports, pod A records,
// ExternalName CNAMEs, PTR) from client-go informers on Services,
// EndpointSlices and Namespaces, and forwards every other name to upstream
// resolvers (UDP, TCP when truncated, answers cached up to 30 s). Answers
// follow CoreDNS's kubernetes plugin as kubeadm configures it (pods
// "insecure" mode, TTL 5 s, NXDOMAIN versus NODATA, SOA in negative
// answers), and the coredns_* request counters keep their names.
//
// The record index is rebuilt per Service on informer events, so a query is
// one map read; nothing here polls the API server.
//
// The Publisher keeps the kube-system/kube-dns Service (no selector), one
// EndpointSlice per DNS server and the legacy Endpoints object pointing at
// the servers. Each server renews a Lease; the others remove the endpoint of
// a server whose Lease expired.
//
// This package must not talk to etcd, must not allocate Service addresses
// (the API server does) and must not program the kernel (internal/proxy
// carries traffic from the kube-dns ClusterIP to the addresses published
// here).
package dns
