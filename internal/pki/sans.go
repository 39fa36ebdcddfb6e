package pki

import (
	"fmt"
	"net"
	"slices"
	"strings"
)

// SANOptions are the inputs to the serving certificate's subject
// alternative names.
type SANOptions struct {
	// ClusterDomain adds kubernetes.default.svc.<ClusterDomain>.
	ClusterDomain string
	// ServiceIP is the first address of the service range (the
	// "kubernetes" service's ClusterIP).
	ServiceIP net.IP
	// AdvertiseAddress is the address other nodes reach the API server at.
	AdvertiseAddress net.IP
	// Hostname is this machine's host name (may be empty).
	Hostname string
	// HostIPs are the addresses of this machine's interfaces.
	HostIPs []net.IP
	// Extra are the --tls-san values: IP addresses or DNS names.
	Extra []string
}

// ServingSANs returns the DNS names and IP addresses the API server's
// serving certificate must carry, sorted and without duplicates.
func ServingSANs(o SANOptions) (dnsNames []string, ips []net.IP) {
	dnsNames = []string{
		"localhost",
		"kubernetes",
		"kubernetes.default",
		"kubernetes.default.svc",
	}
	if o.ClusterDomain != "" {
		dnsNames = append(dnsNames, "kubernetes.default.svc."+strings.TrimSuffix(o.ClusterDomain, "."))
	}
	if o.Hostname != "" {
		dnsNames = append(dnsNames, strings.ToLower(o.Hostname))
	}
	ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if o.ServiceIP != nil {
		ips = append(ips, o.ServiceIP)
	}
	if o.AdvertiseAddress != nil {
		ips = append(ips, o.AdvertiseAddress)
	}
	ips = append(ips, o.HostIPs...)
	for _, san := range o.Extra {
		san = strings.TrimSpace(san)
		if san == "" {
			continue
		}
		if ip := net.ParseIP(san); ip != nil {
			ips = append(ips, ip)
		} else {
			dnsNames = append(dnsNames, strings.ToLower(san))
		}
	}
	return normalizeDNSNames(dnsNames), normalizeIPs(ips)
}

// HostIPs returns the addresses of this machine's interfaces that a client
// could use: loopback and global unicast, not link-local.
func HostIPs() ([]net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list interface addresses: %w", err)
	}
	var ips []net.IP
	for _, addr := range addrs {
		ipNet, ok := addr.(*net.IPNet)
		if !ok {
			continue
		}
		ip := ipNet.IP
		if ip.IsLoopback() || ip.IsGlobalUnicast() {
			ips = append(ips, ip)
		}
	}
	return normalizeIPs(ips), nil
}

func normalizeDNSNames(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, strings.ToLower(n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// normalizeIPs returns ips in their shortest form (4 bytes for IPv4),
// sorted and without duplicates.
func normalizeIPs(ips []net.IP) []net.IP {
	out := make([]net.IP, 0, len(ips))
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		out = append(out, ip)
	}
	slices.SortFunc(out, func(a, b net.IP) int { return strings.Compare(string(a.To16()), string(b.To16())) })
	return slices.CompactFunc(out, func(a, b net.IP) bool { return a.Equal(b) })
}

// sameSANs reports whether a certificate carries exactly the wanted names.
func sameSANs(gotDNS []string, gotIPs []net.IP, wantDNS []string, wantIPs []net.IP) bool {
	return slices.Equal(normalizeDNSNames(gotDNS), normalizeDNSNames(wantDNS)) &&
		slices.EqualFunc(normalizeIPs(gotIPs), normalizeIPs(wantIPs), func(a, b net.IP) bool { return a.Equal(b) })
}
