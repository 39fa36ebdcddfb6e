package apiserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cgdiscovery "k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// pemPair is a certificate and key in PEM, as kubeconfigs carry them.
type pemPair struct{ cert, key []byte }

type pki struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caPEM  []byte
	serial int64
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nauta-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &pki{caCert: cert, caKey: key, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), serial: 1}
}

func (p *pki) issue(t *testing.T, subject pkix.Name, usage x509.ExtKeyUsage) pemPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemPair{
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
}

// startTLSServer serves s behind a listener configured like
// internal/server's.
func startTLSServer(t *testing.T, s *testServer, p *pki) *httptest.Server {
	t.Helper()
	serving := p.issue(t, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth)
	cert, err := tls.X509KeyPair(serving.cert, serving.key)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.caCert)
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.TLS = &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool, Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func restConfig(srv *httptest.Server, p *pki, client *pemPair, token string) *rest.Config {
	cfg := &rest.Config{Host: srv.URL, BearerToken: token}
	cfg.TLSClientConfig.CAData = p.caPEM
	if client != nil {
		cfg.TLSClientConfig.CertData, cfg.TLSClientConfig.KeyData = client.cert, client.key
	}
	return cfg
}

func TestX509EndToEnd(t *testing.T) {
	p := newPKI(t)
	s := newTestServer(t, nil)
	srv := startTLSServer(t, s, p)
	alice := p.issue(t, pkix.Name{CommonName: "alice", Organization: []string{"system:masters"}}, x509.ExtKeyUsageClientAuth)

	get := func(cfg *rest.Config, path string) (int, string) {
		t.Helper()
		hc, err := rest.HTTPClientFor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	if code, body := get(restConfig(srv, p, &alice, ""), "/api/v1/namespaces/default/pods"); code != 200 || !strings.Contains(body, "as alice") {
		t.Errorf("client certificate: %d %s", code, body)
	}
	if code, body := get(restConfig(srv, p, nil, adminToken), "/api/v1/namespaces/default/pods"); code != 200 || !strings.Contains(body, "as admin") {
		t.Errorf("token: %d %s", code, body)
	}
	if code, _ := get(restConfig(srv, p, nil, ""), "/api/v1/namespaces/default/pods"); code != 401 {
		t.Errorf("no credentials: %d", code)
	}
	if code, body := get(restConfig(srv, p, nil, ""), "/readyz"); code != 200 || body != "ok" {
		t.Errorf("anonymous readyz: %d %s", code, body)
	}
}

func TestClientGoDiscoveryThroughServer(t *testing.T) {
	p := newPKI(t)
	s := newTestServer(t, nil)
	srv := startTLSServer(t, s, p)
	alice := p.issue(t, pkix.Name{CommonName: "alice", Organization: []string{"system:masters"}}, x509.ExtKeyUsageClientAuth)

	for _, legacy := range []bool{false, true} {
		client, err := cgdiscovery.NewDiscoveryClientForConfig(restConfig(srv, p, &alice, ""))
		if err != nil {
			t.Fatal(err)
		}
		client.UseLegacyDiscovery = legacy
		groups, lists, err := client.ServerGroupsAndResources()
		if err != nil {
			t.Fatalf("legacy=%v: %v", legacy, err)
		}
		var names []string
		for _, g := range groups {
			names = append(names, g.Name)
		}
		if strings.Join(names, ",") != ",apps" {
			t.Errorf("legacy=%v: groups %v", legacy, names)
		}
		found := map[string]bool{}
		for _, l := range lists {
			for _, r := range l.APIResources {
				found[l.GroupVersion+" "+r.Name] = true
			}
		}
		for _, want := range []string{"v1 pods", "v1 pods/exec", "v1 namespaces/finalize", "apps/v1 deployments/scale"} {
			if !found[want] {
				t.Errorf("legacy=%v: missing %s", legacy, want)
			}
		}
		sv, err := client.ServerVersion()
		if err != nil || sv.GitVersion != "v1.37.2+nauta" {
			t.Errorf("ServerVersion: %+v %v", sv, err)
		}
	}
}
