package certificatesigningrequest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"slices"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/apiserver/authn"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/registry/registrytest"
)

func pemRequest(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "jane"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func pemCertificate(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jane"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func newCSR(t *testing.T) *certificatesv1.CertificateSigningRequest {
	return &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "jane", ResourceVersion: "1"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pemRequest(t),
			SignerName: "kubernetes.io/kube-apiserver-client",
			Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth},
		},
	}
}

func TestPrepareForCreate(t *testing.T) {
	csr := newCSR(t)
	csr.Spec.Username = "spoofed"
	csr.Status.Certificate = []byte("x")
	ctx := request.WithUser(context.Background(), &authn.User{Name: "jane", UID: "42", Groups: []string{"devs"}, Extra: map[string][]string{"scope": {"a"}}})
	NewStrategy().PrepareForCreate(ctx, csr)
	if csr.Spec.Username != "jane" || csr.Spec.UID != "42" || !slices.Equal(csr.Spec.Groups, []string{"devs"}) || csr.Spec.Extra["scope"][0] != "a" || csr.Status.Certificate != nil {
		t.Fatalf("csr = %+v", csr)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*certificatesv1.CertificateSigningRequest)
		want   []string
	}{
		{name: "valid", mutate: func(*certificatesv1.CertificateSigningRequest) {}},
		{name: "garbage request", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.Request = []byte("nope") }, want: []string{"spec.request"}},
		{name: "no usages", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.Usages = nil }, want: []string{"spec.usages"}},
		{name: "bad usage", mutate: func(c *certificatesv1.CertificateSigningRequest) {
			c.Spec.Usages = []certificatesv1.KeyUsage{"everything"}
		}, want: []string{"spec.usages[0]"}},
		{name: "no signer", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.SignerName = "" }, want: []string{"spec.signerName"}},
		{name: "signer without path", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.SignerName = "example.com" }, want: []string{"spec.signerName"}},
		{name: "single label signer", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.SignerName = "example/signer" }, want: []string{"spec.signerName"}},
		{name: "legacy signer", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.SignerName = legacyUnknownSigner }, want: []string{"spec.signerName"}},
		{name: "short expiry", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.ExpirationSeconds = ptr.To[int32](60) }, want: []string{"spec.expirationSeconds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			csr := newCSR(t)
			tc.mutate(csr)
			errs := NewStrategy().Validate(context.Background(), csr)
			if !slices.Equal(registrytest.ErrorFields(errs), tc.want) {
				t.Fatalf("errors = %v, want %v", errs, tc.want)
			}
		})
	}
}

func TestStatusAndApproval(t *testing.T) {
	ctx := context.Background()
	s := NewStrategy()
	old := newCSR(t)

	// /status cannot approve.
	upd := old.DeepCopy()
	upd.Spec.Usages = []certificatesv1.KeyUsage{"server auth"}
	upd.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue}}
	s.PrepareForStatusUpdate(ctx, upd, old)
	if len(upd.Status.Conditions) != 0 || upd.Spec.Usages[0] != certificatesv1.UsageClientAuth {
		t.Fatalf("status update changed decision or spec: %+v", upd)
	}

	// /approval can.
	approved := old.DeepCopy()
	approved.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "KubectlApprove"}}
	PrepareForApproval(approved, old)
	if errs := ValidateApproval(approved, old); len(errs) != 0 {
		t.Fatalf("approval rejected: %v", errs)
	}
	if approved.Status.Conditions[0].LastUpdateTime.IsZero() {
		t.Fatalf("condition time not stamped")
	}
	both := approved.DeepCopy()
	both.Status.Conditions = append(both.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{Type: certificatesv1.CertificateDenied, Status: corev1.ConditionTrue})
	if errs := ValidateApproval(both, approved); len(errs) != 1 || errs[0].Detail != "Approved and Denied conditions are mutually exclusive" {
		t.Fatalf("errors = %v", errs)
	}

	// The signer issues a certificate; it cannot be replaced afterwards.
	issued := approved.DeepCopy()
	issued.Status.Certificate = pemCertificate(t)
	s.PrepareForStatusUpdate(ctx, issued, approved)
	if errs := s.ValidateStatusUpdate(ctx, issued, approved); len(errs) != 0 {
		t.Fatalf("issuing rejected: %v", errs)
	}
	replaced := issued.DeepCopy()
	replaced.Status.Certificate = pemCertificate(t)
	if errs := s.ValidateStatusUpdate(ctx, replaced, issued); !slices.Equal(registrytest.ErrorFields(errs), []string{"status.certificate"}) {
		t.Fatalf("errors = %v", errs)
	}
	bad := approved.DeepCopy()
	bad.Status.Certificate = []byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
	if errs := s.ValidateStatusUpdate(ctx, bad, approved); !slices.Equal(registrytest.ErrorFields(errs), []string{"status.certificate"}) {
		t.Fatalf("errors = %v", errs)
	}

	row, _ := s.TableRow(issued)
	if row[5] != "Approved,Issued" || row[2] != "kubernetes.io/kube-apiserver-client" || row[4] != "<none>" {
		t.Fatalf("row = %v", row)
	}
	_, f, _ := s.Attrs(issued)
	if f["spec.signerName"] != "kubernetes.io/kube-apiserver-client" {
		t.Fatalf("fields = %v", f)
	}
}
