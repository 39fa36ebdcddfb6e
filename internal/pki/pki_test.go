package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func testConfig(t *testing.T, dir string, extra ...string) Config {
	t.Helper()
	dns, ips := ServingSANs(SANOptions{
		ClusterDomain: "cluster.local",
		ServiceIP:     net.ParseIP("10.43.0.1"),
		Extra:         extra,
	})
	return Config{Dir: dir, ServingDNSNames: dns, ServingIPs: ips}
}

func TestEnsureCreatesEverything(t *testing.T) {
	dir := t.TempDir()
	b, err := Ensure(testConfig(t, dir))
	if err != nil {
		t.Fatal(err)
	}

	if !b.CA.IsCA || b.CA.Subject.CommonName != CAName {
		t.Errorf("CA: IsCA=%v CN=%q", b.CA.IsCA, b.CA.Subject.CommonName)
	}
	pub, ok := b.CA.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("CA key is %T, want ECDSA P-256", b.CA.PublicKey)
	}
	if life := b.CA.NotAfter.Sub(b.CA.NotBefore); life < 9*365*24*time.Hour {
		t.Errorf("CA lifetime %v, want about 10 years", life)
	}
	if b.Admin.Cert.Subject.CommonName != AdminUser || !slices.Equal(b.Admin.Cert.Subject.Organization, []string{SystemMastersGroup}) {
		t.Errorf("admin subject %v", b.Admin.Cert.Subject)
	}
	if b.KubeletClient.Cert.Subject.CommonName != APIServerKubeletClient {
		t.Errorf("kubelet client subject %v", b.KubeletClient.Cert.Subject)
	}

	for _, name := range []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"} {
		if err := b.Serving.Cert.VerifyHostname(name); err != nil {
			t.Errorf("serving cert does not cover %s: %v", name, err)
		}
	}
	for _, ip := range []string{"127.0.0.1", "::1", "10.43.0.1"} {
		if err := b.Serving.Cert.VerifyHostname(ip); err != nil {
			t.Errorf("serving cert does not cover %s: %v", ip, err)
		}
	}
	for _, kp := range []KeyPair{b.Serving, b.Admin, b.KubeletClient} {
		if _, err := kp.Cert.Verify(x509.VerifyOptions{Roots: b.CAPool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("%s does not chain to the CA: %v", kp.CertFile, err)
		}
	}

	modes := map[string]os.FileMode{
		CACertFile: certFileMode, CAKeyFile: keyFileMode,
		ServingCertFile: certFileMode, ServingKeyFile: keyFileMode,
		AdminCertFile: certFileMode, AdminKeyFile: keyFileMode,
		KubeletClientCertFile: certFileMode, KubeletClientKeyFile: keyFileMode,
	}
	for name, want := range modes {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s mode %v, want %v", name, got, want)
		}
	}
}

func TestEnsureReusesAndReissues(t *testing.T) {
	tests := []struct {
		name        string
		second      func(t *testing.T, dir string) Config
		wantServing bool // serving certificate re-issued
		wantAdmin   bool // admin certificate re-issued
	}{
		{
			name:   "same config reuses everything",
			second: func(t *testing.T, dir string) Config { return testConfig(t, dir) },
		},
		{
			name:        "new tls-san re-issues the serving certificate only",
			second:      func(t *testing.T, dir string) Config { return testConfig(t, dir, "api.example.com", "192.0.2.10") },
			wantServing: true,
		},
		{
			name: "near expiry re-issues the leaves",
			second: func(t *testing.T, dir string) Config {
				cfg := testConfig(t, dir)
				cfg.Now = func() time.Time { return time.Now().Add(300 * 24 * time.Hour) }
				return cfg
			},
			wantServing: true,
			wantAdmin:   true,
		},
		{
			name: "deleted admin key re-issues the admin certificate",
			second: func(t *testing.T, dir string) Config {
				if err := os.Remove(filepath.Join(dir, AdminKeyFile)); err != nil {
					t.Fatal(err)
				}
				return testConfig(t, dir)
			},
			wantAdmin: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first, err := Ensure(testConfig(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			second, err := Ensure(tt.second(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			if !first.CA.Equal(second.CA) {
				t.Error("CA was replaced")
			}
			if got := !first.Serving.Cert.Equal(second.Serving.Cert); got != tt.wantServing {
				t.Errorf("serving re-issued = %v, want %v", got, tt.wantServing)
			}
			if got := !first.Admin.Cert.Equal(second.Admin.Cert); got != tt.wantAdmin {
				t.Errorf("admin re-issued = %v, want %v", got, tt.wantAdmin)
			}
			if tt.wantServing {
				if err := second.Serving.Cert.CheckSignatureFrom(first.CA); err != nil {
					t.Errorf("re-issued serving certificate not signed by the old CA: %v", err)
				}
			}
			// A third run with the second config changes nothing.
			third, err := Ensure(tt.second(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			if !third.Serving.Cert.Equal(second.Serving.Cert) {
				t.Error("serving certificate re-issued although nothing changed")
			}
		})
	}
}

func TestEnsureNewSANCovered(t *testing.T) {
	dir := t.TempDir()
	if _, err := Ensure(testConfig(t, dir)); err != nil {
		t.Fatal(err)
	}
	b, err := Ensure(testConfig(t, dir, "api.example.com", "192.0.2.10"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api.example.com", "192.0.2.10"} {
		if err := b.Serving.Cert.VerifyHostname(name); err != nil {
			t.Errorf("serving cert does not cover %s: %v", name, err)
		}
	}
}

func TestEnsureRefusesBrokenCA(t *testing.T) {
	tests := []struct {
		name   string
		damage func(dir string) error
	}{
		{"key removed", func(dir string) error { return os.Remove(filepath.Join(dir, CAKeyFile)) }},
		{"cert removed", func(dir string) error { return os.Remove(filepath.Join(dir, CACertFile)) }},
		{"cert garbage", func(dir string) error { return os.WriteFile(filepath.Join(dir, CACertFile), []byte("junk"), 0o644) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Ensure(testConfig(t, dir)); err != nil {
				t.Fatal(err)
			}
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			_, err := Ensure(testConfig(t, dir))
			if !errors.Is(err, ErrCAInvalid) {
				t.Fatalf("err = %v, want ErrCAInvalid", err)
			}
		})
	}
}

func TestEnsureConfigErrors(t *testing.T) {
	if _, err := Ensure(Config{}); err == nil {
		t.Error("empty Dir accepted")
	}
	if _, err := Ensure(Config{Dir: t.TempDir()}); err == nil {
		t.Error("no SANs accepted")
	}
}

func TestServingSANs(t *testing.T) {
	dns, ips := ServingSANs(SANOptions{
		ClusterDomain:    "example.org.",
		ServiceIP:        net.ParseIP("10.43.0.1"),
		AdvertiseAddress: net.ParseIP("192.0.2.1"),
		Hostname:         "Node-1",
		HostIPs:          []net.IP{net.ParseIP("192.0.2.1"), net.ParseIP("2001:db8::1")},
		Extra:            []string{"API.example.com", " 198.51.100.7 ", ""},
	})
	wantDNS := []string{"api.example.com", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.example.org", "localhost", "node-1"}
	if !slices.Equal(dns, wantDNS) {
		t.Errorf("dns = %v, want %v", dns, wantDNS)
	}
	var gotIPs []string
	for _, ip := range ips {
		gotIPs = append(gotIPs, ip.String())
	}
	for _, want := range []string{"127.0.0.1", "::1", "10.43.0.1", "192.0.2.1", "2001:db8::1", "198.51.100.7"} {
		if !slices.Contains(gotIPs, want) {
			t.Errorf("ips %v lack %s", gotIPs, want)
		}
	}
	if len(gotIPs) != 6 {
		t.Errorf("ips %v have duplicates", gotIPs)
	}
}

// TestTLSHandshake serves with the serving certificate, requires a client
// certificate signed by the CA, and connects with the admin certificate.
func TestTLSHandshake(t *testing.T) {
	b, err := Ensure(testConfig(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	serving, err := b.Serving.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	admin, err := b.Admin.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serving},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    b.CAPool,
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
				RootCAs:      b.CAPool,
				Certificates: []tls.Certificate{admin},
				ServerName:   host,
			}}}
			resp, err := client.Get("https://" + ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != AdminUser {
				t.Errorf("server saw %q, want %q", body, AdminUser)
			}
		})
	}
}
