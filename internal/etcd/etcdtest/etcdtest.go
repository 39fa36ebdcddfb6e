package etcdtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/nauta/nauta/internal/etcd"
)

// Embedded starts an embedded etcd in a temporary directory and returns a
// client of it. Both are stopped when the test ends.
func Embedded(t testing.TB) *clientv3.Client {
	t.Helper()
	e, err := etcd.NewEmbedded(etcd.EmbeddedConfig{Dir: filepath.Join(t.TempDir(), "etcd")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("embedded etcd: %v", err)
		}
	})
	select {
	case <-e.Ready():
		return e.Client()
	case err := <-done:
		done <- err // for the cleanup
		t.Fatalf("embedded etcd did not start: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("embedded etcd not ready within a minute")
	}
	return nil
}

// Binary returns the path of the etcd server binary. When it is missing the
// test fails: make deps installs Debian's etcd-server.
func Binary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/etcd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("etcd"); err == nil {
		return p
	}
	t.Fatal("etcd binary not found (apt-get install etcd-server, or run make deps)")
	return ""
}

// TLSFiles makes the external etcd serve TLS and require client
// certificates signed by CAFile.
type TLSFiles struct {
	CAFile, CertFile, KeyFile string
}

// External starts the etcd binary on free loopback ports in a temporary
// directory, with progress notifications every second (etcd 3.4 lacks
// on-demand progress requests), and returns its client URL. tlsFiles may be
// nil for plain HTTP. The process is killed when the test ends.
func External(t testing.TB, tlsFiles *TLSFiles) string {
	t.Helper()
	bin := Binary(t)
	var lastErr error
	for range 3 { // a free port can be taken between probe and bind
		url, err := startExternal(t, bin, tlsFiles)
		if err == nil {
			return url
		}
		lastErr = err
	}
	t.Fatalf("external etcd: %v", lastErr)
	return ""
}

func startExternal(t testing.TB, bin string, tlsFiles *TLSFiles) (string, error) {
	clientPort, peerPort := freePort(t), freePort(t)
	scheme := "http"
	if tlsFiles != nil {
		scheme = "https"
	}
	clientURL := fmt.Sprintf("%s://127.0.0.1:%d", scheme, clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	dir := t.TempDir()
	args := []string{
		"--name", "test",
		"--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "test=" + peerURL,
		"--experimental-watch-progress-notify-interval=1s",
		"--log-level", "warn",
	}
	if tlsFiles != nil {
		args = append(args,
			"--cert-file", tlsFiles.CertFile,
			"--key-file", tlsFiles.KeyFile,
			"--trusted-ca-file", tlsFiles.CAFile,
			"--client-cert-auth")
	}
	cmd := exec.Command(bin, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}

	// Ready when the client port accepts connections.
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort)), time.Second)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case err := <-exited:
			exited <- err
			stop()
			return "", fmt.Errorf("etcd exited: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("etcd not listening after 30s:\n%s", out.String())
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("external etcd output:\n%s", out.String())
		}
	})
	return clientURL, nil
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a child's output written from its copy goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
