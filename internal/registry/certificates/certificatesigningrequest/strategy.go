package certificatesigningrequest

import (
	"context"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the CertificateSigningRequest strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the CSR strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true, HasStatus: true}}
}

// PrepareForCreate clears status and records who asked: the requester
// fields are never taken from the client.
func (Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	csr.Status = certificatesv1.CertificateSigningRequestStatus{}
	csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups, csr.Spec.Extra = "", "", nil, nil
	u := request.UserFrom(ctx)
	if u == nil {
		return
	}
	csr.Spec.Username = u.Name
	csr.Spec.UID = u.UID
	csr.Spec.Groups = append([]string(nil), u.Groups...)
	if len(u.Extra) > 0 {
		csr.Spec.Extra = make(map[string]certificatesv1.ExtraValue, len(u.Extra))
		for k, v := range u.Extra {
			csr.Spec.Extra[k] = append(certificatesv1.ExtraValue(nil), v...)
		}
	}
}

// PrepareForUpdate keeps spec and status: a main-resource update changes
// metadata only.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	o := old.(*certificatesv1.CertificateSigningRequest)
	csr.Spec = o.Spec
	csr.Status = o.Status
}

// PrepareForStatusUpdate keeps the spec and the approval decision (which
// only /approval may change) and stamps condition times.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	o := old.(*certificatesv1.CertificateSigningRequest)
	csr.Spec = o.Spec
	keepConditions(csr, o, certificatesv1.CertificateApproved)
	keepConditions(csr, o, certificatesv1.CertificateDenied)
	stampConditions(csr, o, time.Now())
}

// PrepareForApproval is the /approval counterpart of PrepareForStatusUpdate:
// only the Approved and Denied conditions change.
func PrepareForApproval(obj, old runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	o := old.(*certificatesv1.CertificateSigningRequest)
	csr.Spec = o.Spec
	conditions := csr.Status.Conditions
	csr.Status = *o.Status.DeepCopy()
	var decisions []certificatesv1.CertificateSigningRequestCondition
	for _, c := range conditions {
		if c.Type == certificatesv1.CertificateApproved || c.Type == certificatesv1.CertificateDenied {
			decisions = append(decisions, c)
		}
	}
	var rest []certificatesv1.CertificateSigningRequestCondition
	for _, c := range csr.Status.Conditions {
		if c.Type != certificatesv1.CertificateApproved && c.Type != certificatesv1.CertificateDenied {
			rest = append(rest, c)
		}
	}
	csr.Status.Conditions = append(rest, decisions...)
	stampConditions(csr, o, time.Now())
}

// ValidateApproval checks an /approval update.
func ValidateApproval(obj, old runtime.Object) field.ErrorList {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	o := old.(*certificatesv1.CertificateSigningRequest)
	allErrs := registry.ValidateObjectMetaUpdate(csr, o)
	allErrs = append(allErrs, validate(csr)...)
	return append(allErrs, validateDecisionKept(csr.Status.Conditions, o.Status.Conditions)...)
}

// keepConditions replaces csr's conditions of type t by old's.
func keepConditions(csr, old *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) {
	var out []certificatesv1.CertificateSigningRequestCondition
	for _, c := range csr.Status.Conditions {
		if c.Type != t {
			out = append(out, c)
		}
	}
	for _, c := range old.Status.Conditions {
		if c.Type == t {
			out = append(out, c)
		}
	}
	csr.Status.Conditions = out
}

// stampConditions fills unset condition times: lastUpdateTime now, and
// lastTransitionTime now unless the status did not change.
func stampConditions(csr, old *certificatesv1.CertificateSigningRequest, now time.Time) {
	t := metav1.NewTime(now)
	for i := range csr.Status.Conditions {
		c := &csr.Status.Conditions[i]
		if c.LastUpdateTime.IsZero() {
			c.LastUpdateTime = t
		}
		if !c.LastTransitionTime.IsZero() {
			continue
		}
		c.LastTransitionTime = t
		for _, oc := range old.Status.Conditions {
			if oc.Type == c.Type && oc.Status == c.Status && !oc.LastTransitionTime.IsZero() {
				c.LastTransitionTime = oc.LastTransitionTime
				break
			}
		}
	}
}

// Validate checks a new CSR.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	allErrs := registry.ValidateObjectMeta(csr, false, registry.NameIsDNSSubdomain)
	return append(allErrs, validate(csr)...)
}

// ValidateUpdate checks a metadata update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	allErrs := registry.ValidateObjectMetaUpdate(csr, old)
	return append(allErrs, validate(csr)...)
}

// ValidateStatusUpdate checks a status update; an issued certificate is
// final.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	o := old.(*certificatesv1.CertificateSigningRequest)
	allErrs := registry.ValidateObjectMetaUpdate(csr, o)
	allErrs = append(allErrs, validate(csr)...)
	allErrs = append(allErrs, validateCertificateUnchanged(csr.Status.Certificate, o.Status.Certificate)...)
	return append(allErrs, validateDecisionKept(csr.Status.Conditions, o.Status.Conditions)...)
}

// Attrs adds spec.signerName to the metadata fields.
func (Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	set := registry.ObjectMetaFields(csr, false)
	set["spec.signerName"] = csr.Spec.SignerName
	return labels.Set(csr.Labels), set, nil
}
