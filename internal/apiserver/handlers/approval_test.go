package handlers_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testCSR(t *testing.T, name string) *certificatesv1.CertificateSigningRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bob"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: certificatesv1.KubeAPIServerClientSignerName,
			Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth},
		},
	}
}

// kubectl certificate approve|deny writes the /approval subresource; only
// the Approved and Denied conditions may change there, and a decision is
// final.
func TestCSRApproval(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	csrs := ts.client.CertificatesV1().CertificateSigningRequests()
	condition := func(typ certificatesv1.RequestConditionType) certificatesv1.CertificateSigningRequestCondition {
		return certificatesv1.CertificateSigningRequestCondition{Type: typ, Status: corev1.ConditionTrue, Reason: "KubectlApprove", Message: "by test"}
	}
	tests := []struct {
		name      string
		decisions []certificatesv1.RequestConditionType
		wantErr   bool
	}{
		{name: "approve", decisions: []certificatesv1.RequestConditionType{certificatesv1.CertificateApproved}},
		{name: "deny", decisions: []certificatesv1.RequestConditionType{certificatesv1.CertificateDenied}},
		{name: "approve then deny", decisions: []certificatesv1.RequestConditionType{certificatesv1.CertificateApproved, certificatesv1.CertificateDenied}, wantErr: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			csr, err := csrs.Create(ctx, testCSR(t, "csr-"+string(rune('a'+i))), metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for n, d := range tt.decisions {
				csr.Status.Conditions = append(csr.Status.Conditions, condition(d))
				csr.Spec.Usages = []certificatesv1.KeyUsage{certificatesv1.UsageServerAuth} // ignored by /approval
				got, err := csrs.UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{})
				last := n == len(tt.decisions)-1
				if last && tt.wantErr {
					if err == nil {
						t.Fatalf("second decision accepted: %+v", got.Status)
					}
					return
				}
				if err != nil {
					t.Fatalf("update approval: %v", err)
				}
				if len(got.Status.Conditions) != n+1 || got.Status.Conditions[n].Type != d || got.Spec.Usages[0] != certificatesv1.UsageClientAuth {
					t.Fatalf("after approval: %+v %+v", got.Spec.Usages, got.Status.Conditions)
				}
				csr = got
			}
		})
	}
	// GET of the subresource returns the object; other subresources 404.
	if resp := ts.do("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-a/approval", "", nil); resp.code != 200 {
		t.Fatalf("get approval: %d %s", resp.code, resp.body)
	}
	if resp := ts.do("GET", "/api/v1/namespaces/default/pods/x/approval", "", nil); resp.code != 404 {
		t.Fatalf("pods/approval: %d %s", resp.code, resp.body)
	}
}
