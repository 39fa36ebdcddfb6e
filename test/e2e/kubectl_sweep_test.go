package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"testing"
)

// TestScaleSubresourceTable: `kubectl get deployment NAME --subresource=scale`
// prints the Scale's own table, as upstream.
func TestScaleSubresourceTable(t *testing.T) {
	ns := "e2e-scale-table"
	kubectl(t, "create", "namespace", ns)
	defer kubectl(t, "delete", "namespace", ns, "--wait=false")
	kubectl(t, "-n", ns, "create", "deployment", "web", "--image=nginx", "--replicas=3")
	out := kubectl(t, "-n", ns, "get", "deployment", "web", "--subresource=scale")
	mustContain(t, out, "NAME", "DESIRED", "AVAILABLE", "AGE", "web")
}

// TestCertificateApproveDeny: kubectl certificate approve|deny write the
// CSR /approval subresource.
func TestCertificateApproveDeny(t *testing.T) {
	for _, tt := range []struct {
		name, verb, condition string
	}{
		{name: "e2e-csr-approve", verb: "approve", condition: "Approved"},
		{name: "e2e-csr-deny", verb: "deny", condition: "Denied"},
	} {
		t.Run(tt.verb, func(t *testing.T) {
			kubectlIn(t, csrYAML(t, tt.name), "create", "-f", "-")
			defer kubectl(t, "delete", "csr", tt.name)
			mustContain(t, kubectl(t, "certificate", tt.verb, tt.name), tt.name)
			mustContain(t, kubectl(t, "get", "csr", tt.name), tt.condition)
		})
	}
}

func csrYAML(t *testing.T, name string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bob"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	request := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	return fmt.Sprintf(`apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: %s
spec:
  request: %s
  signerName: kubernetes.io/kube-apiserver-client
  usages: ["client auth"]
`, name, request)
}

// TestLogsOfUnscheduledPod: with no node, kubectl logs of a Pending pod
// prints nothing and succeeds, as upstream; a bad container is an error.
func TestLogsOfUnscheduledPod(t *testing.T) {
	ns := "e2e-logs"
	kubectl(t, "create", "namespace", ns)
	defer kubectl(t, "delete", "namespace", ns, "--wait=false")
	kubectl(t, "-n", ns, "run", "p", "--image=nginx")
	if out := kubectl(t, "-n", ns, "logs", "p"); out != "" {
		t.Fatalf("logs of unscheduled pod: %q", out)
	}
	r := kubectlFails(t, "", "-n", ns, "logs", "p", "-c", "nope")
	mustContain(t, r.stderr, "container nope is not valid for pod p")
	r = kubectlFails(t, "", "-n", ns, "logs", "missing")
	mustContain(t, r.stderr, `pods "missing" not found`)
}

// TestExecIntoUnscheduledPod: kubectl exec and attach get upstream's 400
// for a pod without a node, not a 404.
func TestExecIntoUnscheduledPod(t *testing.T) {
	ns := "e2e-exec"
	kubectl(t, "create", "namespace", ns)
	defer kubectl(t, "delete", "namespace", ns, "--wait=false")
	kubectl(t, "-n", ns, "run", "p", "--image=nginx")
	for _, args := range [][]string{
		{"exec", "p", "--", "ls"},
		{"attach", "p"},
	} {
		r := kubectlFails(t, "", append([]string{"-n", ns}, args...)...)
		mustContain(t, r.stderr, "(BadRequest): pod p does not have a host assigned")
	}
}

// TestExplainBindings: bindings are in discovery, so kubectl explain must
// find their schema.
func TestExplainBindings(t *testing.T) {
	mustContain(t, kubectl(t, "explain", "bindings"), "KIND:", "Binding", "target")
}
