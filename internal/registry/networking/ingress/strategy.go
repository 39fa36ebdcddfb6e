package ingress

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the Ingress strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the Ingress strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Validate checks a new Ingress; the class annotation and field are
// mutually exclusive on create.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	in := obj.(*networkingv1.Ingress)
	allErrs := registry.ValidateObjectMeta(in, true, registry.NameIsDNSSubdomain)
	allErrs = append(allErrs, validateSpec(&in.Spec, field.NewPath("spec"))...)
	if v, ok := in.Annotations[ClassAnnotation]; ok && in.Spec.IngressClassName != nil {
		allErrs = append(allErrs, field.Invalid(field.NewPath("annotations").Child(ClassAnnotation), v, "can not be set when the class field is also set"))
	}
	return allErrs
}

// ValidateUpdate checks an update; the whole spec may change.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	in := obj.(*networkingv1.Ingress)
	allErrs := registry.ValidateObjectMetaUpdate(in, old)
	return append(allErrs, validateSpec(&in.Spec, field.NewPath("spec"))...)
}

// ValidateStatusUpdate checks the load balancer addresses.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	in := obj.(*networkingv1.Ingress)
	allErrs := registry.ValidateObjectMetaUpdate(in, old)
	return append(allErrs, validateStatus(&in.Status, field.NewPath("status"))...)
}

// TableColumns are kubectl's ingress columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Class", Type: "string", Description: "The name of the IngressClass resource that should be used for additional configuration"},
		{Name: "Hosts", Type: "string", Description: "Hosts that incoming requests are matched against before the ingress rule"},
		{Name: "Address", Type: "string", Description: "Address is a list containing ingress points for the load-balancer"},
		{Name: "Ports", Type: "string", Description: "Ports of TLS configurations that open"},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow prints one ingress.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	in, ok := obj.(*networkingv1.Ingress)
	if !ok {
		return nil, fmt.Errorf("expected *v1.Ingress, got %T", obj)
	}
	class := "<none>"
	if in.Spec.IngressClassName != nil {
		class = *in.Spec.IngressClassName
	}
	ports := "80"
	if len(in.Spec.TLS) != 0 {
		ports = "80, 443"
	}
	return []interface{}{in.Name, class, formatHosts(in.Spec.Rules), formatAddress(in.Status.LoadBalancer), ports, registry.HumanAge(in.CreationTimestamp, time.Now())}, nil
}

// formatHosts lists up to three rule hosts, "*" when no rule names one.
func formatHosts(rules []networkingv1.IngressRule) string {
	const max = 3
	var list []string
	more := false
	for _, r := range rules {
		if len(list) == max {
			more = true
		}
		if !more && r.Host != "" {
			list = append(list, r.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	out := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", out, len(rules)-max)
	}
	return out
}

// formatAddress lists the distinct load balancer IPs (or hostnames), sorted.
func formatAddress(lb networkingv1.IngressLoadBalancerStatus) string {
	seen := map[string]bool{}
	for _, in := range lb.Ingress {
		switch {
		case in.IP != "":
			seen[in.IP] = true
		case in.Hostname != "":
			seen[in.Hostname] = true
		}
	}
	list := make([]string, 0, len(seen))
	for a := range seen {
		list = append(list, a)
	}
	sort.Strings(list)
	return strings.Join(list, ",")
}
