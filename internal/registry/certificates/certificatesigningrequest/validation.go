package certificatesigningrequest

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// legacyUnknownSigner was only accepted by certificates/v1beta1.
const legacyUnknownSigner = "kubernetes.io/legacy-unknown"

// validUsages are the key usages a request may ask for.
var validUsages = []string{
	"any", "cert sign", "client auth", "code signing", "content commitment", "crl sign",
	"data encipherment", "decipher only", "digital signature", "email protection", "encipher only",
	"ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment",
	"microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping",
}

func validate(csr *certificatesv1.CertificateSigningRequest) field.ErrorList {
	specPath := field.NewPath("spec")
	var allErrs field.ErrorList
	if err := checkRequest(csr.Spec.Request); err != nil {
		allErrs = append(allErrs, field.Invalid(specPath.Child("request"), csr.Spec.Request, err.Error()))
	}
	usagesPath := specPath.Child("usages")
	if len(csr.Spec.Usages) == 0 {
		allErrs = append(allErrs, field.Required(usagesPath, ""))
	}
	seen := map[certificatesv1.KeyUsage]bool{}
	for i, u := range csr.Spec.Usages {
		if !slices.Contains(validUsages, string(u)) {
			allErrs = append(allErrs, field.NotSupported(usagesPath.Index(i), u, validUsages))
		}
		if seen[u] {
			allErrs = append(allErrs, field.Duplicate(usagesPath.Index(i), u))
		}
		seen[u] = true
	}
	if csr.Spec.SignerName == legacyUnknownSigner {
		allErrs = append(allErrs, field.Invalid(specPath.Child("signerName"), csr.Spec.SignerName, "the legacy signerName is not allowed via this API version"))
	} else {
		allErrs = append(allErrs, validateSignerName(specPath.Child("signerName"), csr.Spec.SignerName)...)
	}
	if s := csr.Spec.ExpirationSeconds; s != nil && *s < 600 {
		allErrs = append(allErrs, field.Invalid(specPath.Child("expirationSeconds"), *s, "may not specify a duration less than 600 seconds (10 minutes)"))
	}
	allErrs = append(allErrs, validateConditions(csr.Status.Conditions, field.NewPath("status", "conditions"))...)
	if err := checkCertificate(csr.Status.Certificate); err != nil {
		allErrs = append(allErrs, field.Invalid(field.NewPath("status", "certificate"), "<certificate data>", err.Error()))
	}
	return allErrs
}

// checkRequest parses the PEM-encoded PKCS#10 request and its signature.
func checkRequest(data []byte) error {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return err
	}
	return req.CheckSignature()
}

// checkCertificate accepts an empty value or one or more PEM CERTIFICATE
// blocks without headers.
func checkCertificate(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	blocks := 0
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("only CERTIFICATE PEM blocks are allowed, found %q", block.Type)
		}
		if len(block.Headers) != 0 {
			return errors.New("no PEM block headers are permitted")
		}
		blocks++
		certs, err := x509.ParseCertificates(block.Bytes)
		if err != nil {
			return err
		}
		if len(certs) == 0 {
			return errors.New("found CERTIFICATE PEM block containing 0 certificates")
		}
		data = rest
	}
	if blocks == 0 {
		return errors.New("must contain at least one CERTIFICATE PEM block")
	}
	return nil
}

// validateSignerName requires "<domain>/<path>": a domain of at least two
// DNS labels and a path of DNS subdomains.
func validateSignerName(fldPath *field.Path, name string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	domain, rest, found := strings.Cut(name, "/")
	if !found {
		return field.ErrorList{field.Invalid(fldPath, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")}
	}
	var allErrs field.ErrorList
	if len(domain) > validation.DNS1123SubdomainMaxLength {
		allErrs = append(allErrs, field.TooLong(fldPath, domain, validation.DNS1123SubdomainMaxLength))
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if errs := validation.IsDNS1123Label(l); len(errs) > 0 {
			for _, e := range errs {
				allErrs = append(allErrs, field.Invalid(fldPath, domain, fmt.Sprintf("validating label %q: %s", l, e)))
			}
			break
		}
	}
	if len(labels) < 2 {
		allErrs = append(allErrs, field.Invalid(fldPath, domain, "should be a domain with at least two segments separated by dots"))
	}
	for _, seg := range strings.Split(rest, "/") {
		if errs := validation.IsDNS1123Subdomain(seg); len(errs) > 0 {
			for _, e := range errs {
				allErrs = append(allErrs, field.Invalid(fldPath, rest, fmt.Sprintf("validating component %q: %s", seg, e)))
			}
			break
		}
	}
	if max := validation.DNS1123SubdomainMaxLength + validation.DNS1123LabelMaxLength + 1; len(rest) > max {
		allErrs = append(allErrs, field.TooLong(fldPath, rest, max))
	}
	return allErrs
}

func validateConditions(conditions []certificatesv1.CertificateSigningRequestCondition, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := map[certificatesv1.RequestConditionType]bool{}
	approved, denied := false, false
	for i, c := range conditions {
		p := fldPath.Index(i)
		if c.Type == "" {
			allErrs = append(allErrs, field.Required(p.Child("type"), ""))
		}
		switch c.Status {
		case corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown:
		case "":
			allErrs = append(allErrs, field.Required(p.Child("status"), ""))
		default:
			allErrs = append(allErrs, field.NotSupported(p.Child("status"), c.Status, []string{string(corev1.ConditionFalse), string(corev1.ConditionTrue), string(corev1.ConditionUnknown)}))
		}
		switch c.Type {
		case certificatesv1.CertificateApproved, certificatesv1.CertificateDenied:
			approved = approved || c.Type == certificatesv1.CertificateApproved
			denied = denied || c.Type == certificatesv1.CertificateDenied
			if c.Status != corev1.ConditionTrue {
				allErrs = append(allErrs, field.NotSupported(p.Child("status"), c.Status, []string{string(corev1.ConditionTrue)}))
			}
		}
		if seen[c.Type] {
			allErrs = append(allErrs, field.Duplicate(p.Child("type"), c.Type))
		}
		seen[c.Type] = true
	}
	if approved && denied {
		allErrs = append(allErrs, field.Invalid(fldPath, conditions, "Approved and Denied conditions are mutually exclusive"))
	}
	return allErrs
}

// validateCertificateUnchanged: an issued certificate cannot be replaced.
func validateCertificateUnchanged(cert, old []byte) field.ErrorList {
	if len(old) == 0 || bytes.Equal(cert, old) {
		return nil
	}
	return field.ErrorList{field.Invalid(field.NewPath("status", "certificate"), "<certificate data>", "updates may not modify existing certificate content")}
}

// validateDecisionKept: Approved and Denied conditions cannot be removed.
func validateDecisionKept(conditions, old []certificatesv1.CertificateSigningRequestCondition) field.ErrorList {
	var allErrs field.ErrorList
	for _, t := range []certificatesv1.RequestConditionType{certificatesv1.CertificateApproved, certificatesv1.CertificateDenied} {
		if count(old, t) > count(conditions, t) {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("status", "conditions"), fmt.Sprintf("updates may not remove a condition of type %q", t)))
		}
	}
	return allErrs
}

func count(conditions []certificatesv1.CertificateSigningRequestCondition, t certificatesv1.RequestConditionType) int {
	n := 0
	for _, c := range conditions {
		if c.Type == t {
			n++
		}
	}
	return n
}
