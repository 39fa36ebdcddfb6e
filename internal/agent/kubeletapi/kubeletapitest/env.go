package kubeletapitest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/nauta/nauta/internal/agent/containerd"
	"github.com/nauta/nauta/internal/agent/cri"
	"github.com/nauta/nauta/internal/agent/images"
	"github.com/nauta/nauta/internal/agent/kubeletapi"
)

// RequireRuntime fails (never skips) the test when what containerd needs
// is missing.
func RequireRuntime(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("this test runs containerd and needs root (uid %d)", os.Geteuid())
	}
	for _, bin := range []string{"containerd", "ctr", "runc"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: apt-get install containerd runc; CI=%q", bin, os.Getenv("CI"))
		}
	}
	for _, f := range []string{images.BusyboxPath, containerd.DefaultCNIBinDir + "/bridge", containerd.DefaultCNIBinDir + "/host-local",
		containerd.DefaultCNIBinDir + "/portmap", containerd.DefaultCNIBinDir + "/loopback"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s not found: apt-get install busybox-static containernetworking-plugins; CI=%q", f, os.Getenv("CI"))
		}
	}
}

// CA is a throw-away CA and one client certificate it signed.
type CA struct {
	CAPEM, CertPEM, KeyPEM []byte

	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
}

// NewCA makes a CA and a client certificate for cn in the system:masters
// group, the group the API server's kubelet client certificate carries,
// so that the kubelet API authorizes it.
func NewCA(t testing.TB, cn string) CA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	ca := CA{
		CAPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		caCert: caCert,
		caKey:  caKey,
	}
	leaf := ca.Issue(t, cn, "system:masters")
	ca.CertPEM, ca.KeyPEM = leaf.CertPEM, leaf.KeyPEM
	return ca
}

// Issue returns a CA whose client certificate, signed by the same CA, is
// for user cn in groups (the certificate's organizations).
func (ca CA) Issue(t testing.TB, cn string, groups ...string) CA {
	t.Helper()
	if ca.caKey == nil {
		t.Fatal("kubeletapitest: Issue needs a CA made by NewCA")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: groups},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.caCert, &key.PublicKey, ca.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out := ca
	out.CertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out.KeyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	return out
}

// TLSConfig presents the client certificate and trusts any server.
func (ca CA) TLSConfig(t testing.TB) *tls.Config {
	t.Helper()
	cert, err := tls.X509KeyPair(ca.CertPEM, ca.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true}
}

// HTTPClient is an HTTPS client presenting the client certificate.
func (ca CA) HTTPClient(t testing.TB) *http.Client {
	cert, err := tls.X509KeyPair(ca.CertPEM, ca.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true,
	}}}
}

// Network is the pod network of one Env: a bridge and subnet of its own,
// so tests of different packages running at once do not meet.
type Network struct {
	Bridge string // at most 15 characters
	Subnet string
}

func writeCNIConfig(t testing.TB, confDir, ipamDir string, n Network) {
	t.Helper()
	conf := fmt.Sprintf(`{"cniVersion": "1.0.0", "name": "nauta-kubeletapi-test", "plugins": [
  {"type": "bridge", "bridge": %q, "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": %q, "ranges": [[{"subnet": %q}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}`, n.Bridge, ipamDir, n.Subnet)
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "10-nauta-test.conflist"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Env is a containerd with one pod (default/web: a busybox container
// "web" that logs "hello from nauta", "oops" on stderr, then "tick" every
// second, and serves "served-by-httpd\n" at :8080/index.html) and a kubelet
// API in front of it.
type Env struct {
	Server *kubeletapi.Server
	// URL is the kubelet API's https://127.0.0.1:PORT.
	URL string
	// Port is the kubelet API's port.
	Port int
	// CA signed the client certificate the kubelet API accepts.
	CA      CA
	Pod     *corev1.Pod
	Runtime *cri.Client
}

// Start runs containerd, the pod and the kubelet API until the test ends.
func Start(ctx context.Context, t testing.TB, network Network) *Env {
	t.Helper()
	RequireRuntime(t)
	dataDir, err := os.MkdirTemp("", "nta-ka")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dataDir) })
	logger := slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	writeCNIConfig(t, filepath.Join(dataDir, "cni", "net.d"), filepath.Join(dataDir, "cni", "ipam"), network)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", network.Bridge).Run() })
	proc, err := containerd.Start(ctx, containerd.Config{DataDir: dataDir, Logger: logger})
	if err != nil {
		t.Fatalf("containerd: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = proc.Stop(stopCtx)
	})
	client, err := cri.Dial(ctx, proc.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	if err := images.Preload(ctx, proc.Address(), filepath.Join(dataDir, "images")); err != nil {
		t.Fatal(err)
	}

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", UID: "uid-web"},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "web", Image: images.BusyboxImage}}},
	}
	logsDir := filepath.Join(dataDir, "pods")
	podLogDir := filepath.Join(logsDir, "default_web_uid-web")
	if err := os.MkdirAll(podLogDir, 0o755); err != nil {
		t.Fatal(err)
	}
	sbConfig := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID)},
		Hostname:     "web",
		LogDirectory: podLogDir,
		Linux: &runtimeapi.LinuxPodSandboxConfig{SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
			NamespaceOptions: &runtimeapi.NamespaceOption{Pid: runtimeapi.NamespaceMode_POD},
		}},
	}
	run, err := client.Runtime.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: sbConfig})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	t.Cleanup(func() {
		c := context.Background()
		_, _ = client.Runtime.StopPodSandbox(c, &runtimeapi.StopPodSandboxRequest{PodSandboxId: run.PodSandboxId})
		_, _ = client.Runtime.RemovePodSandbox(c, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: run.PodSandboxId})
	})
	created, err := client.Runtime.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId: run.PodSandboxId,
		Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: "web"},
			Image:    &runtimeapi.ImageSpec{Image: images.BusyboxImage},
			Command: []string{"sh", "-c", "echo hello from nauta; sleep 0.2; echo oops >&2; sleep 0.2; mkdir -p /www; echo served-by-httpd > /www/index.html; " +
				"httpd -p 8080 -h /www; while true; do echo tick; sleep 1; done"},
			LogPath: "web/0.log",
		},
		SandboxConfig: sbConfig,
	})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if _, err := client.Runtime.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: created.ContainerId}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}

	ca := NewCA(t, "kube-apiserver-kubelet-client")
	srv, err := kubeletapi.New(kubeletapi.Config{
		Addr:       "127.0.0.1:0",
		NodeName:   "node-1",
		ClientCA:   ca.CAPEM,
		Runtime:    client,
		PodLogsDir: logsDir,
		Pods:       func() []*corev1.Pod { return []*corev1.Pod{pod} },
		Logger:     logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	_, portStr, _ := net.SplitHostPort(srv.Addr())
	port, _ := strconv.Atoi(portStr)
	return &Env{Server: srv, URL: "https://" + srv.Addr(), Port: port, CA: ca, Pod: pod, Runtime: client}
}

// RestConfig reaches the kubelet API directly with the client certificate.
func (e *Env) RestConfig() *rest.Config {
	return &rest.Config{Host: e.URL, TLSClientConfig: rest.TLSClientConfig{
		Insecure: true, CertData: e.CA.CertPEM, KeyData: e.CA.KeyPEM,
	}}
}

// WaitForLog waits until the container logged "tick" at least once.
func (e *Env) WaitForLog(ctx context.Context, t testing.TB) {
	t.Helper()
	c := e.CA.HTTPClient(t)
	for {
		resp, err := c.Get(e.URL + "/containerLogs/default/web/web")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "tick") {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("the test pod never logged")
		case <-time.After(200 * time.Millisecond):
		}
	}
}
