package authn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

var serial int64 = 100

func (ca *testCA) issue(t *testing.T, subject pkix.Name, usage x509.ExtKeyUsage, ips ...net.IP) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// result is what the test server reports about a request.
type result struct {
	OK    bool
	Err   string
	Name  string
	Group []string
}

// startTLS serves auth's verdict over TLS configured like the real
// listener (clientAuth) and returns a client factory.
func startTLS(t *testing.T, ca *testCA, auth Authenticator, clientAuth tls.ClientAuthType) (*httptest.Server, func(cert *tls.Certificate) *http.Client) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := auth.Authenticate(r)
		res := result{OK: ok}
		if err != nil {
			res.Err = err.Error()
		}
		if u != nil {
			res.Name, res.Group = u.Name, u.Groups
		}
		_ = json.NewEncoder(w).Encode(res)
	}))
	srv.TLS = &tls.Config{
		ClientAuth:   clientAuth,
		ClientCAs:    ca.pool,
		Certificates: []tls.Certificate{ca.issue(t, pkix.Name{CommonName: "server"}, x509.ExtKeyUsageServerAuth, net.ParseIP("127.0.0.1"))},
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, func(cert *tls.Certificate) *http.Client {
		cfg := &tls.Config{RootCAs: ca.pool}
		if cert != nil {
			// Always present the certificate, even when the server's
			// acceptable-CA list does not name its issuer.
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	}
}

func fetch(t *testing.T, c *http.Client, url string) (result, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	var res result
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	return res, nil
}

func TestX509(t *testing.T) {
	ca := newTestCA(t, "cluster-ca")
	other := newTestCA(t, "other-ca")
	alice := ca.issue(t, pkix.Name{CommonName: "alice", Organization: []string{"dev", "system:masters"}}, x509.ExtKeyUsageClientAuth)
	noCN := ca.issue(t, pkix.Name{Organization: []string{"dev"}}, x509.ExtKeyUsageClientAuth)
	stranger := other.issue(t, pkix.Name{CommonName: "mallory"}, x509.ExtKeyUsageClientAuth)

	t.Run("verified by the listener", func(t *testing.T) {
		srv, client := startTLS(t, ca, NewX509(), tls.VerifyClientCertIfGiven)
		res, err := fetch(t, client(&alice), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		want := result{OK: true, Name: "alice", Group: []string{"dev", "system:masters", SystemAuthenticated}}
		if !reflect.DeepEqual(res, want) {
			t.Errorf("got %+v, want %+v", res, want)
		}

		res, err = fetch(t, client(nil), srv.URL)
		if err != nil || res.OK || res.Err != "" {
			t.Errorf("no certificate: got %+v, %v; want no user and no error", res, err)
		}
		res, err = fetch(t, client(&noCN), srv.URL)
		if err != nil || res.OK || res.Err != "" {
			t.Errorf("no common name: got %+v, %v; want no user and no error", res, err)
		}
		// The listener itself refuses certificates of another CA.
		if _, err := fetch(t, client(&stranger), srv.URL); err == nil {
			t.Errorf("certificate of another CA was accepted by the TLS handshake")
		}
	})

	t.Run("unverified chain without roots is rejected", func(t *testing.T) {
		srv, client := startTLS(t, ca, NewX509(), tls.RequireAnyClientCert)
		res, err := fetch(t, client(&stranger), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if res.OK || res.Err == "" {
			t.Errorf("got %+v, want an error", res)
		}
	})

	t.Run("verified with roots", func(t *testing.T) {
		srv, client := startTLS(t, ca, NewX509WithRoots(ca.pool), tls.RequireAnyClientCert)
		res, err := fetch(t, client(&alice), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK || res.Name != "alice" {
			t.Errorf("alice: got %+v", res)
		}
		res, err = fetch(t, client(&stranger), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if res.OK || res.Err == "" {
			t.Errorf("stranger: got %+v, want an error", res)
		}
	})

	t.Run("plain HTTP", func(t *testing.T) {
		_, ok, err := NewX509().Authenticate(httptest.NewRequest(http.MethodGet, "/", nil))
		if ok || err != nil {
			t.Errorf("got %v %v", ok, err)
		}
	})
}
