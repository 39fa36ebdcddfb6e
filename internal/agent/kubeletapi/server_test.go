package kubeletapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/agent/cri"
)

func TestNewValidatesConfig(t *testing.T) {
	pods := func() []*corev1.Pod { return nil }
	rt := &cri.Client{}
	const notPEM = "not a certificate"
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "no runtime", cfg: Config{Pods: pods, ClientCA: []byte(notPEM)}},
		{name: "no pods", cfg: Config{Runtime: rt, ClientCA: []byte(notPEM)}},
		{name: "no client CA", cfg: Config{Runtime: rt, Pods: pods}},
		{name: "client CA not PEM", cfg: Config{Runtime: rt, Pods: pods, ClientCA: []byte(notPEM)}},
		{name: "bad serving pair", cfg: Config{Runtime: rt, Pods: pods, ClientCA: []byte(notPEM), ServingCertPEM: []byte("x"), ServingKeyPEM: []byte("y")}},
		{name: "missing serving files", cfg: Config{Runtime: rt, Pods: pods, ClientCA: []byte(notPEM), ServingCertFile: "/nonexistent.crt", ServingKeyFile: "/nonexistent.key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New: %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestSelfSignedServingCert(t *testing.T) {
	cert, err := selfSignedCert("node-1", "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.Certificate) != 1 || cert.PrivateKey == nil {
		t.Fatalf("certificate = %+v", cert)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("10.1.2.3"); err != nil {
		t.Errorf("node IP: %v", err)
	}
	if err := leaf.VerifyHostname("node-1"); err != nil {
		t.Errorf("node name: %v", err)
	}
}

func TestStreamFlags(t *testing.T) {
	tests := []struct {
		query                      string
		stdin, stdout, stderr, tty bool
	}{
		{query: "input=1&output=1&error=1&tty=1", stdin: true, stdout: true, stderr: true, tty: true},
		{query: "stdin=true&stdout=true", stdin: true, stdout: true},
		{query: "output=0&error=false"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			stdin, stdout, stderr, tty := streamFlags(q)
			if stdin != tt.stdin || stdout != tt.stdout || stderr != tt.stderr || tty != tt.tty {
				t.Fatalf("got %v %v %v %v", stdin, stdout, stderr, tty)
			}
		})
	}
}

func TestAuthenticationAndPlainEndpoints(t *testing.T) {
	ca := testCAPEM(t)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}
	s, err := New(Config{
		Runtime:  &cri.Client{},
		ClientCA: ca,
		Pods:     func() []*corev1.Pod { return []*corev1.Pod{pod} },
		Metrics:  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("# metrics")) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The handler trusts the TLS layer's verification; these stand for
	// chains the ClientCA verified.
	verifiedAs := func(cn string, groups ...string) *tls.ConnectionState {
		leaf := &x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: groups}}
		return &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{leaf}}}
	}
	apiServer := verifiedAs("system:kube-apiserver-kubelet-client")
	tests := []struct {
		name     string
		method   string
		path     string
		tls      *tls.ConnectionState
		wantCode int
		wantBody string
	}{
		{name: "no TLS", path: "/healthz", wantCode: 401, wantBody: "Unauthorized"},
		{name: "no client certificate", path: "/healthz", tls: &tls.ConnectionState{}, wantCode: 401, wantBody: "Unauthorized"},
		{name: "empty chain", path: "/healthz", tls: &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{}}}, wantCode: 401},
		{name: "other user of the CA", path: "/healthz", tls: verifiedAs("jane", "developers"), wantCode: 403,
			wantBody: "Forbidden (user=jane, verb=get, resource=nodes, subresource(s)=[healthz])"},
		{name: "node identity", method: "POST", path: "/exec/ns/p/c", tls: verifiedAs("system:node:n1", "system:nodes"), wantCode: 403,
			wantBody: "Forbidden (user=system:node:n1, verb=create, resource=nodes, subresource(s)=[proxy])"},
		{name: "forbidden logs", path: "/containerLogs/ns/p/c", tls: verifiedAs("jane"), wantCode: 403, wantBody: "subresource(s)=[proxy]"},
		{name: "forbidden stats", path: "/stats/summary", tls: verifiedAs("jane"), wantCode: 403, wantBody: "subresource(s)=[stats]"},
		{name: "cluster admin", path: "/healthz", tls: verifiedAs("system:admin", "system:masters"), wantCode: 200, wantBody: "ok"},
		{name: "healthz", path: "/healthz", tls: apiServer, wantCode: 200, wantBody: "ok"},
		{name: "metrics", path: "/metrics", tls: apiServer, wantCode: 200, wantBody: "# metrics"},
		{name: "pods", path: "/pods", tls: apiServer, wantCode: 200, wantBody: `"kind":"PodList"`},
		{name: "logs of unknown pod", path: "/containerLogs/ns/nope/c", tls: apiServer, wantCode: 404, wantBody: `pod \"ns/nope\" not found`},
		{name: "logs bad option", path: "/containerLogs/ns/p/c?tailLines=x", tls: apiServer, wantCode: 400},
		{name: "unknown path", path: "/nope", tls: apiServer, wantCode: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			req := httptest.NewRequest(method, tt.path, nil)
			req.TLS = tt.tls
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.wantCode || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
		})
	}
}

func TestAuthorizedIdentities(t *testing.T) {
	tests := []struct {
		name          string
		id            clientIdentity
		users, groups []string
		want          bool
	}{
		{name: "api server", id: clientIdentity{user: "system:kube-apiserver-kubelet-client"}, users: DefaultAuthorizedUsers, groups: DefaultAuthorizedGroups, want: true},
		{name: "masters", id: clientIdentity{user: "x", groups: []string{"a", "system:masters"}}, users: DefaultAuthorizedUsers, groups: DefaultAuthorizedGroups, want: true},
		{name: "stranger", id: clientIdentity{user: "x", groups: []string{"system:authenticated"}}, users: DefaultAuthorizedUsers, groups: DefaultAuthorizedGroups},
		{name: "configured user", id: clientIdentity{user: "monitor"}, users: []string{"monitor"}, want: true},
		{name: "nothing configured", id: clientIdentity{user: "system:kube-apiserver-kubelet-client"}, users: []string{}, groups: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := authorized(tt.id, tt.users, tt.groups); got != tt.want {
				t.Fatalf("authorized(%+v) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

// testCAPEM is a self-signed CA certificate in PEM.
func testCAPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestWebSocketPorts(t *testing.T) {
	tests := []struct {
		query   string
		want    []int32
		wantErr string
	}{
		{query: "port=8080", want: []int32{8080}},
		{query: "port=80&port=443", want: []int32{80, 443}},
		{query: "port=80,81", want: []int32{80, 81}},
		{query: "", wantErr: `query parameter "port" is required`},
		{query: "port=http", wantErr: `unable to parse "http" as a port`},
		{query: "port=0", wantErr: `port "0" must be > 0`},
		{query: "port=70000", wantErr: "unable to parse"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := webSocketPorts(q)
			if tt.wantErr != "" {
				var ae *apiError
				if !errors.As(err, &ae) || ae.code != http.StatusBadRequest || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a 400 with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
