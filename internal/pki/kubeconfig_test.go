package pki

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestWriteKubeconfig(t *testing.T) {
	dir := t.TempDir()
	b, err := Ensure(testConfig(t, filepath.Join(dir, "tls")))
	if err != nil {
		t.Fatal(err)
	}
	serving, err := b.Serving.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{serving},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    b.CAPool,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	path := filepath.Join(dir, "kubeconfig.yaml")
	// Write twice: the second write replaces the file and keeps it private.
	for range 2 {
		if err := WriteKubeconfig(path, Kubeconfig(srv.URL, b.CAPEM, b.Admin)); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig mode %v, want 0600", st.Mode().Perm())
	}

	loaded, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.CurrentContext != KubeconfigName {
		t.Errorf("current context %q", loaded.CurrentContext)
	}
	restCfg, err := clientcmd.NewDefaultClientConfig(*loaded, nil).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	if restCfg.Host != srv.URL {
		t.Errorf("host %q, want %q", restCfg.Host, srv.URL)
	}
	client, err := rest.HTTPClientFor(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != AdminUser {
		t.Errorf("server saw %q, want %q", body, AdminUser)
	}
}
