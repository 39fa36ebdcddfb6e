package e2e

import (
	"github.com/nauta/nauta/internal/nautabin"

	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cluster is one running `nauta server` and the kubeconfig to reach it.
type cluster struct {
	bin        string
	dataDir    string
	port       int
	kubeconfig string
	cmd        *exec.Cmd
	logPath    string
}

var shared *cluster

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	bin, err := nautabin.Path()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "nauta-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	c, err := startCluster(bin, dir)
	if err != nil {
		return 0, err
	}
	shared = c
	code := m.Run()
	if err := c.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: stopping server:", err)
	}
	if code != 0 {
		if logs, err := os.ReadFile(c.logPath); err == nil {
			fmt.Fprintf(os.Stderr, "---- server log (last 8 KiB) ----\n%s\n", tail(logs, 8<<10))
		}
	}
	return code, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startCluster starts `nauta server --disable-agent` in dir with extra
// server flags.
func startCluster(bin, dir string, extra ...string) (*cluster, error) {
	return startServer(bin, dir, append([]string{"--disable-agent"}, extra...)...)
}

// startServer starts `nauta server` in dir with the given flags.
func startServer(bin, dir string, extra ...string) (*cluster, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c := &cluster{
		bin:        bin,
		dataDir:    filepath.Join(dir, "data"),
		port:       port,
		kubeconfig: filepath.Join(dir, "data", "kubeconfig.yaml"),
		logPath:    filepath.Join(dir, "server.log"),
	}
	logFile, err := os.Create(c.logPath)
	if err != nil {
		return nil, err
	}
	args := []string{"server",
		"--data-dir", c.dataDir,
		"--bind-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(port),
		// Several test clusters (and a developer's own) may run on this
		// host at once: each DNS server takes a free port.
		"--cluster-dns-port", "0",
	}
	c.cmd = exec.Command(bin, append(args, extra...)...)
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting nauta server: %w", err)
	}
	if err := c.waitReady(90 * time.Second); err != nil {
		_ = c.stop()
		logs, _ := os.ReadFile(c.logPath)
		return nil, fmt.Errorf("%w\n---- server log ----\n%s", err, tail(logs, 8<<10))
	}
	return c, nil
}

// waitReady waits for the kubeconfig to exist and /readyz to answer ok.
func (c *cluster) waitReady(timeout time.Duration) error {
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	deadline := time.Now().Add(timeout)
	url := fmt.Sprintf("https://127.0.0.1:%d/readyz", c.port)
	var lastErr error
	for time.Now().Before(deadline) {
		if _, err := os.Stat(c.kubeconfig); err == nil {
			resp, err := client.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
				lastErr = fmt.Errorf("/readyz: %s", resp.Status)
			} else {
				lastErr = err
			}
		} else {
			lastErr = err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("server not ready after %s: %v", timeout, lastErr)
}

func (c *cluster) stop() error {
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		return fmt.Errorf("server did not stop within 20s of SIGINT")
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// kubectlPath finds a kubectl binary by name ("kubectl", "kubectl.1.27").
// A missing binary fails the test: the machine is expected to have them.
func kubectlPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	// The versioned binaries sit beside the kubectl dispatcher.
	if main, err := exec.LookPath("kubectl"); err == nil {
		if real, err := filepath.EvalSymlinks(main); err == nil {
			cand := filepath.Join(filepath.Dir(real), name)
			if _, err := os.Stat(cand); err == nil {
				return cand
			}
		}
	}
	t.Fatalf("%s not found on PATH or beside kubectl: the e2e tests need the real kubectl binaries", name)
	return ""
}

// result is the outcome of one kubectl run.
type result struct {
	stdout, stderr string
	err            error
}

func (r result) String() string {
	return fmt.Sprintf("err=%v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
}

// kubectlWith runs binary with args against the shared cluster.
func kubectlWith(t testing.TB, binary string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"--kubeconfig", shared.kubeconfig}, args...)
	cmd := exec.CommandContext(ctx, binary, full...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+shared.kubeconfig)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return result{stdout: out.String(), stderr: errb.String(), err: err}
}

// kubectl runs the default kubectl (v1.32 on these machines) and fails the
// test when it exits non-zero.
func kubectl(t testing.TB, args ...string) string {
	t.Helper()
	r := kubectlWith(t, kubectlPath(t, "kubectl"), "", args...)
	if r.err != nil {
		t.Fatalf("kubectl %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// kubectlIn runs kubectl with stdin and fails the test on a non-zero exit.
func kubectlIn(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	r := kubectlWith(t, kubectlPath(t, "kubectl"), stdin, args...)
	if r.err != nil {
		t.Fatalf("kubectl %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// kubectlFails runs kubectl expecting a non-zero exit and returns its output.
func kubectlFails(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	r := kubectlWith(t, kubectlPath(t, "kubectl"), stdin, args...)
	if r.err == nil {
		t.Fatalf("kubectl %s succeeded, want failure: %s", strings.Join(args, " "), r)
	}
	return r
}

// eventually retries check until it returns nil or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("condition not met after %s: %v", timeout, err)
}

// mustContain fails unless every want string is in got.
func mustContain(t testing.TB, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Fatalf("output lacks %q:\n%s", w, got)
		}
	}
}

// readLog returns the server's log so far.
func readLog(c *cluster) ([]byte, error) { return os.ReadFile(c.logPath) }
