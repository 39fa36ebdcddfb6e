package endpointslice

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
)

// Size limits upstream enforces.
const (
	maxEndpoints      = 1000
	maxAddresses      = 100
	maxPorts          = 20000
	maxTopologyLabels = 16
	maxZoneHints      = 8
)

var (
	addressTypes  = []string{string(discoveryv1.AddressTypeFQDN), string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6)}
	portProtocols = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}
)

// Strategy is the EndpointSlice strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the EndpointSlice strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{TracksGeneration: true}}
}

// Default gives every port a name ("") and protocol (TCP).
func (Strategy) Default(obj runtime.Object) {
	es := obj.(*discoveryv1.EndpointSlice)
	for i := range es.Ports {
		if es.Ports[i].Name == nil {
			es.Ports[i].Name = ptr.To("")
		}
		if es.Ports[i].Protocol == nil {
			es.Ports[i].Protocol = ptr.To(corev1.ProtocolTCP)
		}
	}
}

// Validate checks a new EndpointSlice.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	es := obj.(*discoveryv1.EndpointSlice)
	allErrs := validate(es)
	p := field.NewPath("addressType")
	switch {
	case es.AddressType == "":
		allErrs = append(allErrs, field.Required(p, ""))
	case !contains(addressTypes, string(es.AddressType)):
		allErrs = append(allErrs, field.NotSupported(p, es.AddressType, addressTypes))
	}
	return allErrs
}

// ValidateUpdate: addressType is fixed.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	es := obj.(*discoveryv1.EndpointSlice)
	o := old.(*discoveryv1.EndpointSlice)
	allErrs := registry.ValidateObjectMetaUpdate(es, o)
	allErrs = append(allErrs, validate(es)...)
	return append(allErrs, apivalidation.ValidateImmutableField(es.AddressType, o.AddressType, field.NewPath("addressType"))...)
}

func validate(es *discoveryv1.EndpointSlice) field.ErrorList {
	allErrs := registry.ValidateObjectMeta(es, true, registry.NameIsDNSSubdomain)
	allErrs = append(allErrs, validateEndpoints(es.Endpoints, es.AddressType, field.NewPath("endpoints"))...)
	return append(allErrs, validatePorts(es.Ports, field.NewPath("ports"))...)
}

func validateEndpoints(endpoints []discoveryv1.Endpoint, addrType discoveryv1.AddressType, fldPath *field.Path) field.ErrorList {
	if len(endpoints) > maxEndpoints {
		return field.ErrorList{field.TooMany(fldPath, len(endpoints), maxEndpoints)}
	}
	var allErrs field.ErrorList
	for i, ep := range endpoints {
		p := fldPath.Index(i)
		ap := p.Child("addresses")
		if len(ep.Addresses) == 0 {
			allErrs = append(allErrs, field.Required(ap, "must contain at least 1 address"))
		} else if len(ep.Addresses) > maxAddresses {
			allErrs = append(allErrs, field.TooMany(ap, len(ep.Addresses), maxAddresses))
		}
		for j, addr := range ep.Addresses {
			allErrs = append(allErrs, validateAddress(addr, addrType, ap.Index(j))...)
		}
		if ep.NodeName != nil {
			for _, msg := range validation.IsDNS1123Subdomain(*ep.NodeName) {
				allErrs = append(allErrs, field.Invalid(p.Child("nodeName"), *ep.NodeName, msg))
			}
		}
		tp := p.Child("deprecatedTopology")
		if len(ep.DeprecatedTopology) > maxTopologyLabels {
			allErrs = append(allErrs, field.TooMany(tp, len(ep.DeprecatedTopology), maxTopologyLabels))
		}
		allErrs = append(allErrs, metav1validation.ValidateLabels(ep.DeprecatedTopology, tp)...)
		if _, found := ep.DeprecatedTopology[corev1.LabelTopologyZone]; found {
			allErrs = append(allErrs, field.InternalError(tp.Key(corev1.LabelTopologyZone), fmt.Errorf("reserved key, use zone instead")))
		}
		if ep.Hostname != nil {
			for _, msg := range validation.IsDNS1123Label(*ep.Hostname) {
				allErrs = append(allErrs, field.Invalid(p.Child("hostname"), *ep.Hostname, msg))
			}
		}
		if ep.Hints != nil {
			hp := p.Child("hints", "forZones")
			if len(ep.Hints.ForZones) > maxZoneHints {
				allErrs = append(allErrs, field.TooMany(hp, len(ep.Hints.ForZones), maxZoneHints))
			}
			seen := map[string]bool{}
			for j, z := range ep.Hints.ForZones {
				for _, msg := range content.IsLabelValue(z.Name) {
					allErrs = append(allErrs, field.Invalid(hp.Index(j).Child("name"), z.Name, msg))
				}
				if seen[z.Name] {
					allErrs = append(allErrs, field.Duplicate(hp.Index(j), z.Name))
				}
				seen[z.Name] = true
			}
		}
	}
	return allErrs
}

// validateAddress checks an address against the slice's type; unknown
// types are reported on addressType instead.
func validateAddress(addr string, addrType discoveryv1.AddressType, p *field.Path) field.ErrorList {
	switch addrType {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
		ip, err := netip.ParseAddr(addr)
		want4 := addrType == discoveryv1.AddressTypeIPv4
		switch {
		case err != nil || ip.Zone() != "" || (want4 && !ip.Is4()) || (!want4 && (!ip.Is6() || ip.Is4In6())):
			msg := "must be a valid IPv6 address"
			if want4 {
				msg = "must be a valid IPv4 address"
			}
			return field.ErrorList{field.Invalid(p, addr, msg)}
		case ip.IsUnspecified():
			return field.ErrorList{field.Invalid(p, addr, fmt.Sprintf("may not be unspecified (%v)", addr))}
		case ip.IsLoopback():
			return field.ErrorList{field.Invalid(p, addr, "may not be in the loopback range (127.0.0.0/8, ::1/128)")}
		case ip.IsLinkLocalUnicast():
			return field.ErrorList{field.Invalid(p, addr, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")}
		case ip.IsLinkLocalMulticast():
			return field.ErrorList{field.Invalid(p, addr, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")}
		}
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(p, addr)
	}
	return nil
}

func validatePorts(ports []discoveryv1.EndpointPort, fldPath *field.Path) field.ErrorList {
	if len(ports) > maxPorts {
		return field.ErrorList{field.TooMany(fldPath, len(ports), maxPorts)}
	}
	var allErrs field.ErrorList
	names := map[string]bool{}
	for i, port := range ports {
		p := fldPath.Index(i)
		name := ptr.Deref(port.Name, "")
		if name != "" {
			for _, msg := range validation.IsDNS1123Label(name) {
				allErrs = append(allErrs, field.Invalid(p.Child("name"), name, msg))
			}
		}
		if names[name] {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), name))
		}
		names[name] = true
		switch {
		case port.Protocol == nil:
			allErrs = append(allErrs, field.Required(p.Child("protocol"), ""))
		case !contains(portProtocols, string(*port.Protocol)):
			allErrs = append(allErrs, field.NotSupported(p.Child("protocol"), *port.Protocol, portProtocols))
		}
		if port.Port != nil {
			for _, msg := range validation.IsValidPortNum(int(*port.Port)) {
				allErrs = append(allErrs, field.Invalid(p.Child("port"), *port.Port, msg))
			}
		}
		if port.AppProtocol != nil {
			for _, msg := range content.IsLabelKey(*port.AppProtocol) {
				allErrs = append(allErrs, field.Invalid(p.Child("appProtocol"), *port.AppProtocol, msg))
			}
		}
	}
	return allErrs
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// TableColumns are kubectl's endpoint slice columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	doc := discoveryv1.EndpointSlice{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "AddressType", Type: "string", Description: doc["addressType"]},
		{Name: "Ports", Type: "string", Description: doc["ports"]},
		{Name: "Endpoints", Type: "string", Description: doc["endpoints"]},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one endpoint slice, listing at most three ports and
// three addresses.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	es, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return nil, fmt.Errorf("expected *v1.EndpointSlice, got %T", obj)
	}
	var ports []string
	for _, p := range es.Ports {
		switch {
		case p.Port != nil:
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			ports = append(ports, *p.Name)
		default:
			ports = append(ports, "*")
		}
	}
	var addrs []string
	for _, ep := range es.Endpoints {
		addrs = append(addrs, ep.Addresses...)
	}
	return []interface{}{es.Name, string(es.AddressType), limitList(ports), limitList(addrs), registry.HumanAge(es.CreationTimestamp, time.Now())}, nil
}

// limitList joins up to three items, noting how many more there are;
// "<unset>" when empty.
func limitList(items []string) string {
	const max = 3
	if len(items) == 0 {
		return "<unset>"
	}
	if len(items) <= max {
		return strings.Join(items, ",")
	}
	return fmt.Sprintf("%s + %d more...", strings.Join(items[:max], ","), len(items)-max)
}
