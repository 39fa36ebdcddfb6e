package ingress

import (
	"fmt"
	"net"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ClassAnnotation is the deprecated way to pick an ingress class.
const ClassAnnotation = "kubernetes.io/ingress.class"

var (
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
	pathTypes            = []string{string(networkingv1.PathTypeExact), string(networkingv1.PathTypeImplementationSpecific), string(networkingv1.PathTypePrefix)}
)

func validateSpec(spec *networkingv1.IngressSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		allErrs = append(allErrs, field.Invalid(fldPath, spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		allErrs = append(allErrs, validateBackend(spec.DefaultBackend, fldPath.Child("defaultBackend"))...)
	}
	for i, rule := range spec.Rules {
		rp := fldPath.Child("rules").Index(i)
		if rule.Host != "" {
			allErrs = append(allErrs, validateHost(rule.Host, rp.Child("host"))...)
		}
		if rule.HTTP != nil {
			allErrs = append(allErrs, validateHTTP(rule.HTTP, rp.Child("http"))...)
		}
	}
	for i, tls := range spec.TLS {
		tp := fldPath.Child("tls").Index(i)
		for j, host := range tls.Hosts {
			msgs := validation.IsDNS1123Subdomain(host)
			if strings.Contains(host, "*") {
				msgs = validation.IsWildcardDNS1123Subdomain(host)
			}
			for _, msg := range msgs {
				allErrs = append(allErrs, field.Invalid(tp.Child("hosts").Index(j), host, msg))
			}
		}
		if tls.SecretName != "" {
			for _, msg := range validation.IsDNS1123Subdomain(tls.SecretName) {
				allErrs = append(allErrs, field.Invalid(tp.Child("secretName"), tls.SecretName, msg))
			}
		}
	}
	if spec.IngressClassName != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*spec.IngressClassName) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("ingressClassName"), *spec.IngressClassName, msg))
		}
	}
	return allErrs
}

func validateHost(host string, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if net.ParseIP(host) != nil {
		allErrs = append(allErrs, field.Invalid(p, host, "must be a DNS name, not an IP address"))
	}
	msgs := validation.IsDNS1123Subdomain(host)
	if strings.Contains(host, "*") {
		msgs = validation.IsWildcardDNS1123Subdomain(host)
	}
	for _, msg := range msgs {
		allErrs = append(allErrs, field.Invalid(p, host, msg))
	}
	return allErrs
}

func validateHTTP(http *networkingv1.HTTPIngressRuleValue, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(http.Paths) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("paths"), ""))
	}
	for i := range http.Paths {
		allErrs = append(allErrs, validatePath(&http.Paths[i], fldPath.Child("paths").Index(i))...)
	}
	return allErrs
}

func validatePath(p *networkingv1.HTTPIngressPath, fldPath *field.Path) field.ErrorList {
	if p.PathType == nil {
		return field.ErrorList{field.Required(fldPath.Child("pathType"), "pathType must be specified")}
	}
	var allErrs field.ErrorList
	pathPath := fldPath.Child("path")
	switch *p.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		if !strings.HasPrefix(p.Path, "/") {
			allErrs = append(allErrs, field.Invalid(pathPath, p.Path, "must be an absolute path"))
		}
		for _, seq := range invalidPathSequences {
			if strings.Contains(p.Path, seq) {
				allErrs = append(allErrs, field.Invalid(pathPath, p.Path, fmt.Sprintf("must not contain '%s'", seq)))
			}
		}
		for _, suffix := range invalidPathSuffixes {
			if strings.HasSuffix(p.Path, suffix) {
				allErrs = append(allErrs, field.Invalid(pathPath, p.Path, fmt.Sprintf("cannot end with '%s'", suffix)))
			}
		}
	case networkingv1.PathTypeImplementationSpecific:
		if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
			allErrs = append(allErrs, field.Invalid(pathPath, p.Path, "must be an absolute path"))
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("pathType"), *p.PathType, pathTypes))
	}
	return append(allErrs, validateBackend(&p.Backend, fldPath.Child("backend"))...)
}

func validateBackend(b *networkingv1.IngressBackend, fldPath *field.Path) field.ErrorList {
	switch {
	case b.Resource != nil && b.Service != nil:
		return field.ErrorList{field.Invalid(fldPath, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return validateResourceBackend(b, fldPath.Child("resource"))
	case b.Service == nil:
		return field.ErrorList{field.Invalid(fldPath, "", "resource or service backend is required")}
	}
	var allErrs field.ErrorList
	svc := b.Service
	if svc.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("service", "name"), ""))
	} else {
		for _, msg := range validation.IsDNS1035Label(svc.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("service", "name"), svc.Name, msg))
		}
	}
	hasName, hasNumber := svc.Port.Name != "", svc.Port.Number != 0
	switch {
	case hasName && hasNumber:
		allErrs = append(allErrs, field.Invalid(fldPath, "", "cannot set both port name & port number"))
	case hasName:
		for _, msg := range validation.IsValidPortName(svc.Port.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("service", "port", "name"), svc.Port.Name, msg))
		}
	case hasNumber:
		for _, msg := range validation.IsValidPortNum(int(svc.Port.Number)) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("service", "port", "number"), svc.Port.Number, msg))
		}
	default:
		allErrs = append(allErrs, field.Required(fldPath, "port name or number is required"))
	}
	return allErrs
}

func validateResourceBackend(b *networkingv1.IngressBackend, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	r := b.Resource
	if r.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	}
	if r.Kind == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("kind"), ""))
	}
	if r.APIGroup != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*r.APIGroup) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("apiGroup"), *r.APIGroup, msg))
		}
	}
	for _, msg := range content.IsPathSegmentName(r.Kind) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("kind"), r.Kind, msg))
	}
	for _, msg := range content.IsPathSegmentName(r.Name) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), r.Name, msg))
	}
	return allErrs
}

func validateStatus(st *networkingv1.IngressStatus, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, in := range st.LoadBalancer.Ingress {
		p := fldPath.Child("loadBalancer", "ingress").Index(i)
		if in.IP != "" && net.ParseIP(in.IP) == nil {
			allErrs = append(allErrs, field.Invalid(p.Child("ip"), in.IP, "must be a valid IP address"))
		}
		if in.Hostname != "" {
			for _, msg := range validation.IsDNS1123Subdomain(in.Hostname) {
				allErrs = append(allErrs, field.Invalid(p.Child("hostname"), in.Hostname, msg))
			}
			if net.ParseIP(in.Hostname) != nil {
				allErrs = append(allErrs, field.Invalid(p.Child("hostname"), in.Hostname, "must be a DNS name, not an IP address"))
			}
		}
	}
	return allErrs
}
