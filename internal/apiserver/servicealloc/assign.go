package servicealloc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var serviceKind = schema.GroupKind{Kind: "Service"}

// assign makes svc hold the cluster IP and node ports it needs, reserving
// the values it asks for and picking the ones it leaves empty. old is the
// stored Service on update and nil on create; values old already holds are
// not reserved again. It returns what it reserved (to free if the write of
// svc fails) and what old held that svc no longer does (to free once the
// write succeeded).
func (a *Allocator) assign(ctx context.Context, svc, old *corev1.Service) (added, dropped claims, err error) {
	return a.assignMode(ctx, svc, old, false)
}

// assignMode is assign; with dryRun it fills svc in from the current
// bitmaps without reserving anything.
func (a *Allocator) assignMode(ctx context.Context, svc, old *corev1.Service, dryRun bool) (added, dropped claims, err error) {
	apply := a.ipBM.apply
	applyPorts := a.ptBM.apply
	if dryRun {
		apply, applyPorts = a.ipBM.try, a.ptBM.try
	}
	oldClaims := a.claimsOf(old)
	var errs field.ErrorList
	if old == nil || !slices.Equal(old.Spec.IPFamilies, svc.Spec.IPFamilies) ||
		!ptrEqual(old.Spec.IPFamilyPolicy, svc.Spec.IPFamilyPolicy) {
		errs = append(errs, a.checkFamilies(svc)...)
	}

	// Cluster IPs.
	specPath := field.NewPath("spec")
	var ipReserve []int
	ipIndex := map[int]int{} // offset -> index in clusterIPs
	for i, s := range svc.Spec.ClusterIPs {
		if s == corev1.ClusterIPNone || svc.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		ip, perr := netip.ParseAddr(s)
		if perr != nil {
			continue // validation reports it
		}
		o, oerr := a.ips.Offset(ip)
		if oerr != nil {
			if old == nil || !slices.Contains(old.Spec.ClusterIPs, s) {
				errs = append(errs, field.Invalid(specPath.Child("clusterIPs").Index(i), s,
					fmt.Sprintf("failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", s, s, a.ips)))
			}
			continue
		}
		ipIndex[o] = i
		if !slices.Contains(oldClaims.ips, o) {
			ipReserve = appendUnique(ipReserve, o)
		}
	}
	needIP := svc.Spec.Type != corev1.ServiceTypeExternalName && len(svc.Spec.ClusterIPs) == 0 &&
		svc.Spec.ClusterIP != corev1.ClusterIPNone

	// Node ports: a port left at 0 shares the node port of another port
	// with the same port number (TCP and UDP on 53), as upstream does.
	var portReserve []int
	portIndex := map[int]*field.Path{}
	byNumber := map[int32]int32{}
	for i, p := range svc.Spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		path := specPath.Child("ports").Index(i).Child("nodePort")
		o, oerr := a.ports.Offset(int(p.NodePort))
		if oerr != nil {
			if !slices.Contains(nodePortsOf(old), p.NodePort) {
				errs = append(errs, field.Invalid(path, p.NodePort,
					fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %s", a.ports)))
			}
			continue
		}
		byNumber[p.Port] = p.NodePort
		portIndex[o] = path
		if !slices.Contains(oldClaims.ports, o) {
			portReserve = appendUnique(portReserve, o)
		}
	}
	var freshPorts []int32 // port numbers that need a fresh node port
	if needsNodePort(svc) {
		for _, p := range svc.Spec.Ports {
			if p.NodePort == 0 && byNumber[p.Port] == 0 && !slices.Contains(freshPorts, p.Port) {
				freshPorts = append(freshPorts, p.Port)
			}
		}
	}
	needHealth := false
	if hc := svc.Spec.HealthCheckNodePort; hc != 0 {
		path := specPath.Child("healthCheckNodePort")
		o, oerr := a.ports.Offset(int(hc))
		switch {
		case oerr != nil && (old == nil || old.Spec.HealthCheckNodePort != hc):
			errs = append(errs, field.Invalid(path, hc,
				fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %s", a.ports)))
		case oerr == nil:
			portIndex[o] = path
			if !slices.Contains(oldClaims.ports, o) {
				portReserve = appendUnique(portReserve, o)
			}
		}
	} else if needsHealthCheckNodePort(svc) {
		needHealth = true
	}
	if len(errs) > 0 {
		return claims{}, claims{}, apierrors.NewInvalid(serviceKind, svc.Name, errs)
	}

	// Reserve cluster IPs, then node ports; undo the IPs if ports fail.
	fresh := 0
	if needIP {
		fresh = 1
	}
	pickedIPs, err := apply(ctx, change{reserve: ipReserve, fresh: fresh})
	if err != nil {
		return claims{}, claims{}, a.ipError(svc, err, ipIndex)
	}
	added.ips = append(append(added.ips, ipReserve...), pickedIPs...)
	nFresh := len(freshPorts)
	if needHealth {
		nFresh++
	}
	pickedPorts, err := applyPorts(ctx, change{reserve: portReserve, fresh: nFresh})
	if err != nil {
		if !dryRun {
			a.release(ctx, added)
		}
		return claims{}, claims{}, a.portError(svc, err, portIndex)
	}
	added.ports = append(append(added.ports, portReserve...), pickedPorts...)

	// Write what was picked into svc.
	if len(pickedIPs) == 1 {
		ip := a.ips.Addr(pickedIPs[0]).String()
		svc.Spec.ClusterIP = ip
		svc.Spec.ClusterIPs = []string{ip}
	}
	for k, number := range freshPorts {
		byNumber[number] = int32(a.ports.Port(pickedPorts[k]))
	}
	if needsNodePort(svc) {
		for i := range svc.Spec.Ports {
			if svc.Spec.Ports[i].NodePort == 0 {
				svc.Spec.Ports[i].NodePort = byNumber[svc.Spec.Ports[i].Port]
			}
		}
	}
	if needHealth {
		svc.Spec.HealthCheckNodePort = int32(a.ports.Port(pickedPorts[len(pickedPorts)-1]))
	}

	now := a.claimsOf(svc)
	dropped = claims{ips: minus(oldClaims.ips, now.ips), ports: minus(oldClaims.ports, now.ports)}
	return added, dropped, nil
}

// checkFamilies rejects families this single-stack cluster cannot serve and
// trims a PreferDualStack request to the cluster's family.
func (a *Allocator) checkFamilies(svc *corev1.Service) field.ErrorList {
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	// Headless Services without a selector may name any family: they get
	// no address from the cluster.
	if svc.Spec.ClusterIP == corev1.ClusterIPNone && len(svc.Spec.Selector) == 0 {
		return nil
	}
	family := corev1.IPv4Protocol
	if a.ips.prefix.Addr().Is6() {
		family = corev1.IPv6Protocol
	}
	specPath := field.NewPath("spec")
	var errs field.ErrorList
	if p := svc.Spec.IPFamilyPolicy; p != nil && *p == corev1.IPFamilyPolicyRequireDualStack {
		errs = append(errs, field.Invalid(specPath.Child("ipFamilyPolicy"), *p,
			"this cluster is not configured for dual-stack services"))
	}
	if p := svc.Spec.IPFamilyPolicy; p != nil && *p == corev1.IPFamilyPolicyPreferDualStack && len(svc.Spec.IPFamilies) > 1 {
		svc.Spec.IPFamilies = svc.Spec.IPFamilies[:1]
	}
	for i, f := range svc.Spec.IPFamilies {
		if f != family {
			errs = append(errs, field.Invalid(specPath.Child("ipFamilies").Index(i), f, "not configured on this cluster"))
		}
	}
	return errs
}

func (a *Allocator) ipError(svc *corev1.Service, err error, index map[int]int) error {
	var held *heldError
	switch {
	case errors.As(err, &held):
		i := index[held.offset]
		ip := a.ips.Addr(held.offset).String()
		return apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(
			field.NewPath("spec", "clusterIPs").Index(i), ip,
			fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", ip))})
	case errors.Is(err, ErrFull):
		return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %w", err))
	}
	return fmt.Errorf("allocating cluster IP: %w", err)
}

func (a *Allocator) portError(svc *corev1.Service, err error, index map[int]*field.Path) error {
	var held *heldError
	switch {
	case errors.As(err, &held):
		path := index[held.offset]
		if path == nil {
			path = field.NewPath("spec", "ports")
		}
		return apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(
			path, a.ports.Port(held.offset), "provided port is already allocated")})
	case errors.Is(err, ErrFull):
		return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %w", err))
	}
	return fmt.Errorf("allocating node port: %w", err)
}

func needsNodePort(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

func needsHealthCheckNodePort(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer &&
		svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

func nodePortsOf(svc *corev1.Service) []int32 {
	if svc == nil {
		return nil
	}
	var out []int32
	for _, p := range svc.Spec.Ports {
		out = append(out, p.NodePort)
	}
	return out
}

func ptrEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
