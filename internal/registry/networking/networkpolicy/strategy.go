package networkpolicy

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the NetworkPolicy strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the NetworkPolicy strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{TracksGeneration: true}}
}

// Default sets policyTypes (Ingress, plus Egress when egress rules exist)
// and TCP as the port protocol.
func (Strategy) Default(obj runtime.Object) {
	np := obj.(*networkingv1.NetworkPolicy)
	if len(np.Spec.PolicyTypes) == 0 {
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) != 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	defaultPorts := func(ports []networkingv1.NetworkPolicyPort) {
		for i := range ports {
			if ports[i].Protocol == nil {
				ports[i].Protocol = ptr.To(corev1.ProtocolTCP)
			}
		}
	}
	for i := range np.Spec.Ingress {
		defaultPorts(np.Spec.Ingress[i].Ports)
	}
	for i := range np.Spec.Egress {
		defaultPorts(np.Spec.Egress[i].Ports)
	}
}

// Validate checks a new NetworkPolicy.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	np := obj.(*networkingv1.NetworkPolicy)
	allErrs := registry.ValidateObjectMeta(np, true, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&np.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate checks an update; the whole spec may change.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	np := obj.(*networkingv1.NetworkPolicy)
	allErrs := registry.ValidateObjectMetaUpdate(np, old)
	return append(allErrs, validateSpec(&np.Spec, field.NewPath("spec"))...)
}

func validateSpec(spec *networkingv1.NetworkPolicySpec, fldPath *field.Path) field.ErrorList {
	allErrs := metav1validation.ValidateLabelSelector(&spec.PodSelector, metav1validation.LabelSelectorValidationOptions{}, fldPath.Child("podSelector"))
	for i, rule := range spec.Ingress {
		rp := fldPath.Child("ingress").Index(i)
		for j := range rule.Ports {
			allErrs = append(allErrs, validatePort(&rule.Ports[j], rp.Child("ports").Index(j))...)
		}
		for j := range rule.From {
			allErrs = append(allErrs, validatePeer(&rule.From[j], rp.Child("from").Index(j))...)
		}
	}
	for i, rule := range spec.Egress {
		rp := fldPath.Child("egress").Index(i)
		for j := range rule.Ports {
			allErrs = append(allErrs, validatePort(&rule.Ports[j], rp.Child("ports").Index(j))...)
		}
		for j := range rule.To {
			allErrs = append(allErrs, validatePeer(&rule.To[j], rp.Child("to").Index(j))...)
		}
	}
	tp := fldPath.Child("policyTypes")
	for i, t := range spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			allErrs = append(allErrs, field.NotSupported(tp.Index(i), t, []string{string(networkingv1.PolicyTypeIngress), string(networkingv1.PolicyTypeEgress)}))
		}
	}
	if len(spec.PolicyTypes) > 2 {
		allErrs = append(allErrs, field.Invalid(tp, spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	return allErrs
}

func validatePort(port *networkingv1.NetworkPolicyPort, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if port.Protocol != nil {
		switch *port.Protocol {
		case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("protocol"), *port.Protocol, []string{string(corev1.ProtocolTCP), string(corev1.ProtocolUDP), string(corev1.ProtocolSCTP)}))
		}
	}
	if port.Port == nil {
		if port.EndPort != nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("port"), "must specify port when endPort is specified"))
		}
		return allErrs
	}
	if port.Port.Type == intstr.Int {
		for _, msg := range validation.IsValidPortNum(int(port.Port.IntVal)) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("port"), port.Port.IntVal, msg))
		}
		if port.EndPort != nil {
			if *port.EndPort < port.Port.IntVal {
				allErrs = append(allErrs, field.Invalid(fldPath.Child("endPort"), port.Port.IntVal, "must be greater than or equal to `port`"))
			}
			for _, msg := range validation.IsValidPortNum(int(*port.EndPort)) {
				allErrs = append(allErrs, field.Invalid(fldPath.Child("endPort"), *port.EndPort, msg))
			}
		}
		return allErrs
	}
	if port.EndPort != nil {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
	}
	for _, msg := range validation.IsValidPortName(port.Port.StrVal) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("port"), port.Port.StrVal, msg))
	}
	return allErrs
}

func validatePeer(peer *networkingv1.NetworkPolicyPeer, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	opts := metav1validation.LabelSelectorValidationOptions{}
	peers := 0
	if peer.PodSelector != nil {
		peers++
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(peer.PodSelector, opts, fldPath.Child("podSelector"))...)
	}
	if peer.NamespaceSelector != nil {
		peers++
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(peer.NamespaceSelector, opts, fldPath.Child("namespaceSelector"))...)
	}
	ipBlock := peer.IPBlock != nil
	if ipBlock {
		peers++
		allErrs = append(allErrs, validateIPBlock(peer.IPBlock, fldPath.Child("ipBlock"))...)
	}
	switch {
	case peers == 0:
		allErrs = append(allErrs, field.Required(fldPath, "must specify a peer"))
	case ipBlock && peers > 1:
		allErrs = append(allErrs, field.Forbidden(fldPath, "may not specify both ipBlock and another peer"))
	}
	return allErrs
}

func validateIPBlock(b *networkingv1.IPBlock, fldPath *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(fldPath.Child("cidr"), "")}
	}
	allErrs := validation.IsValidCIDR(fldPath.Child("cidr"), b.CIDR)
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		return allErrs
	}
	for i, e := range b.Except {
		ep := fldPath.Child("except").Index(i)
		errs := validation.IsValidCIDR(ep, e)
		allErrs = append(allErrs, errs...)
		if len(errs) > 0 {
			continue
		}
		except, err := netip.ParsePrefix(e)
		if err != nil {
			continue
		}
		if !cidr.Overlaps(except) || except.Bits() <= cidr.Bits() {
			allErrs = append(allErrs, field.Invalid(ep, e, "must be a strict subset of `cidr`"))
		}
	}
	return allErrs
}

// TableColumns are kubectl's network policy columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Pod-Selector", Type: "string", Description: networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one network policy.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	np, ok := obj.(*networkingv1.NetworkPolicy)
	if !ok {
		return nil, fmt.Errorf("expected *v1.NetworkPolicy, got %T", obj)
	}
	return []interface{}{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), registry.HumanAge(np.CreationTimestamp, time.Now())}, nil
}
