package e2e

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/gorilla/websocket"

	"github.com/nauta/nauta/internal/nautabin"
)

// streamingVersions are the kubectl releases the streaming test drives.
// 1.27-1.29 speak SPDY for exec, attach and port-forward; 1.30 asks for
// WebSocket v5 for exec and attach first; 1.31+ also tunnels port-forward
// SPDY in WebSocket. NAUTA_E2E_KUBECTL_VERSIONS (comma-separated) narrows
// the list for a quick local run.
var streamingVersions = []string{"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"}

// TestKubectlStreaming runs a one-node cluster (real containerd) with one
// set of pods and drives logs, exec, attach, port-forward and cp with
// every kubectl release from 1.27 to 1.33 against it.
func TestKubectlStreaming(t *testing.T) {
	bin, err := nautabin.Path()
	if err != nil {
		t.Fatal(err)
	}
	// No cluster DNS or Service proxy: nothing here needs them, and they
	// would compete for node ports with the package's shared cluster.
	c, err := startServer(bin, t.TempDir(), "--node-name", "e2e-stream", "--disable-cluster-dns", "--disable-proxy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if logs, err := readLog(c); err == nil {
				t.Logf("---- server log (last 16 KiB) ----\n%s", tail(logs, 16<<10))
			}
		}
		if err := c.stop(); err != nil {
			t.Errorf("stopping server: %v", err)
		}
	})
	k := func(args ...string) string {
		t.Helper()
		return kubectl(t, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	}
	workload := filepath.Join("testdata", "streaming", "workload.yaml")
	t.Cleanup(func() {
		// Stopping the server leaves containers running (an agent restart
		// adopts them): remove the pods first.
		r := kubectlWith(t, kubectlPath(t, "kubectl"), "", "--kubeconfig", c.kubeconfig, "delete", "-f", workload, "--ignore-not-found", "--wait", "--timeout=60s")
		if r.err != nil {
			t.Errorf("deleting the workload: %s", r)
			return
		}
		// Pods of a failed `kubectl run --rm` too.
		_ = kubectlWith(t, kubectlPath(t, "kubectl"), "", "--kubeconfig", c.kubeconfig, "delete", "pods", "--all", "--wait=false")
		eventually(t, 90*time.Second, func() error {
			r := kubectlWith(t, kubectlPath(t, "kubectl"), "", "--kubeconfig", c.kubeconfig, "get", "pods", "--no-headers", "--ignore-not-found")
			if r.err != nil || strings.TrimSpace(r.stdout) != "" {
				return fmt.Errorf("pods left: %s", r)
			}
			return nil
		})
	})
	eventually(t, 120*time.Second, func() error {
		out := k("get", "nodes", "--no-headers")
		if !strings.Contains(out, "e2e-stream") || !strings.Contains(out, " Ready ") {
			return fmt.Errorf("node e2e-stream not Ready yet:\n%s", out)
		}
		return nil
	})
	k("apply", "-f", workload)
	k("wait", "--for=condition=Ready", "pod", "-l", "e2e=steady", "--timeout=180s")
	// The restarter exits every few seconds: --previous needs one restart.
	eventually(t, 120*time.Second, func() error {
		n := k("get", "pod", "restarter", "-o", "jsonpath={.status.containerStatuses[0].restartCount}")
		if c, _ := strconv.Atoi(n); c < 1 {
			return fmt.Errorf("restarter restartCount=%q", n)
		}
		return nil
	})
	webPod := strings.TrimPrefix(strings.TrimSpace(k("get", "pod", "-l", "app=web", "-o", "name")), "pod/")
	if webPod == "" || strings.Contains(webPod, "\n") {
		t.Fatalf("want one web pod, got %q", webPod)
	}

	t.Run("node proxy", func(t *testing.T) {
		if out := k("get", "--raw", "/api/v1/nodes/e2e-stream/proxy/healthz"); out != "ok" {
			t.Fatalf("nodes/proxy/healthz: %q", out)
		}
		mustContain(t, k("get", "--raw", "/api/v1/nodes/e2e-stream/proxy/pods"), `"kind":"PodList"`, `"name":"talker-a"`)
		mustContain(t, k("get", "--raw", "/api/v1/nodes/e2e-stream/proxy/stats/summary"), `"nodeName":"e2e-stream"`)
		mustContain(t, k("get", "--raw", "/api/v1/nodes/e2e-stream/proxy/containerLogs/default/talker-a/side"), "side-hello-a")
	})

	t.Run("kubelet API authorization", func(t *testing.T) {
		nodeIP := k("get", "node", "e2e-stream", "-o", `jsonpath={.status.addresses[?(@.type=="InternalIP")].address}`)
		testKubeletAuthorization(t, c.dataDir, nodeIP)
	})

	t.Run("websocket exec without v5", func(t *testing.T) {
		testWebSocketExec(t, c)
	})
	t.Run("websocket port-forward", func(t *testing.T) {
		testWebSocketPortForward(t, c, webPod)
	})

	versions := streamingVersions
	if v := os.Getenv("NAUTA_E2E_KUBECTL_VERSIONS"); v != "" {
		versions = strings.Split(v, ",")
	}
	for _, v := range versions {
		kc := &kubectlRelease{bin: kubectlPath(t, "kubectl."+v), kubeconfig: c.kubeconfig, version: v}
		// One version at a time: 2 cores, and the shell pod's terminal is
		// shared.
		t.Run("kubectl-"+v, func(t *testing.T) {
			t.Run("protocols", kc.testProtocols)
			t.Run("logs", kc.testLogs)
			t.Run("exec", kc.testExec)
			t.Run("exec-tty", kc.testExecTTY)
			t.Run("attach", kc.testAttach)
			t.Run("port-forward", func(t *testing.T) { kc.testPortForward(t, webPod) })
			t.Run("cp", kc.testCp)
		})
	}
}

// kubectlRelease runs one kubectl binary against the streaming cluster.
type kubectlRelease struct {
	bin        string
	kubeconfig string
	version    string
}

// run runs kubectl to completion with stdin and returns its result; the
// exit code is in result.err (an *exec.ExitError).
func (k *kubectlRelease) run(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return result{stdout: out.String(), stderr: errb.String(), err: err}
}

// ok runs kubectl and fails the test unless it exits 0.
func (k *kubectlRelease) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := k.run(t, nil, args...)
	if r.err != nil {
		t.Fatalf("kubectl.%s %s: %s", k.version, strings.Join(args, " "), r)
	}
	return r.stdout
}

// start starts a long-running kubectl (logs -f, attach, port-forward)
// whose output collects in the returned buffer; it is interrupted when
// the test ends.
func (k *kubectlRelease) start(t *testing.T, stdin io.Reader, args ...string) (*exec.Cmd, *streamBuffer) {
	t.Helper()
	cmd := exec.Command(k.bin, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	out := &streamBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopProcess(cmd) })
	return cmd, out
}

// startTTY starts kubectl on a new pseudo-terminal of rows x cols.
func (k *kubectlRelease) startTTY(t *testing.T, rows, cols uint16, args ...string) (*exec.Cmd, *os.File, *streamBuffer) {
	t.Helper()
	cmd := exec.Command(k.bin, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	out := &streamBuffer{}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(out, term) // ends with EIO once kubectl exits
	}()
	t.Cleanup(func() {
		stopProcess(cmd)
		_ = term.Close()
		<-copied
	})
	return cmd, term, out
}

// stopProcess interrupts cmd if it still runs and reaps it.
func stopProcess(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// waitExit waits up to timeout for cmd to end and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, timeout time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			return 0
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		t.Fatalf("wait: %v", err)
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("kubectl did not exit within %s", timeout)
	}
	return -1
}

// streamBuffer collects a process's output for concurrent readers.
type streamBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *streamBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *streamBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitOutput waits until check accepts the output so far.
func waitOutput(t *testing.T, out *streamBuffer, timeout time.Duration, what string, check func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !check(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s still no %s in output:\n%s", timeout, what, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitContains(t *testing.T, out *streamBuffer, timeout time.Duration, want string) {
	t.Helper()
	waitOutput(t, out, timeout, fmt.Sprintf("%q", want), func(s string) bool { return strings.Contains(s, want) })
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

var (
	tickLine      = regexp.MustCompile(`^tick-\d+$`)
	timestampTick = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick-\d+$`)
	ticks         = regexp.MustCompile(`tick-\d+`)
)

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// minor is the kubectl minor version (27 for "1.27").
func (k *kubectlRelease) minor(t *testing.T) int {
	_, m, _ := strings.Cut(k.version, ".")
	n, err := strconv.Atoi(m)
	if err != nil {
		t.Fatalf("kubectl version %q", k.version)
	}
	return n
}

// testProtocols checks, from kubectl's own request log, that each release
// streams over the protocol it prefers rather than a fallback: SPDY
// (POST + upgrade) before 1.30, WebSocket v5 for exec and attach from 1.30,
// and port forwarding tunneled in WebSocket from 1.31.
func (k *kubectlRelease) testProtocols(t *testing.T) {
	upgraded := func(method, sub string) *regexp.Regexp {
		return regexp.MustCompile(method + `[^\n]*/pods/talker-a/` + sub + `[^\n]*101 Switching Protocols`)
	}
	r := k.run(t, nil, "exec", "-v=6", "talker-a", "-c", "main", "--", "true")
	if r.err != nil {
		t.Fatalf("exec -v=6: %s", r)
	}
	if k.minor(t) < 30 {
		if !upgraded("POST", "exec").MatchString(r.stderr) {
			t.Fatalf("exec did not upgrade to SPDY:\n%s", r.stderr)
		}
	} else if !upgraded("GET", "exec").MatchString(r.stderr) || !strings.Contains(r.stderr, "The subprotocol is v5.channel.k8s.io") {
		t.Fatalf("exec did not use WebSocket v5:\n%s", r.stderr)
	}

	la, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	_, out := k.start(t, nil, "port-forward", "-v=6", "--address", "127.0.0.1", "pod/talker-a", fmt.Sprintf("%d:80", la))
	waitContains(t, out, 30*time.Second, fmt.Sprintf("Forwarding from 127.0.0.1:%d", la))
	if k.minor(t) < 31 {
		if !upgraded("POST", "portforward").MatchString(out.String()) {
			t.Fatalf("port-forward did not upgrade to SPDY:\n%s", out.String())
		}
	} else if !upgraded("GET", "portforward").MatchString(out.String()) || !strings.Contains(out.String(), "negotiated protocol: portforward.k8s.io") {
		t.Fatalf("port-forward did not tunnel SPDY in WebSocket:\n%s", out.String())
	}
}

func (k *kubectlRelease) testLogs(t *testing.T) {
	t.Run("tail", func(t *testing.T) {
		got := lines(k.ok(t, "logs", "talker-a", "-c", "main", "--tail=2"))
		if len(got) != 2 || !tickLine.MatchString(got[0]) || !tickLine.MatchString(got[1]) {
			t.Fatalf("--tail=2: %q", got)
		}
		if out := k.ok(t, "logs", "talker-a", "-c", "main", "--tail=0"); out != "" {
			t.Fatalf("--tail=0: %q", out)
		}
		if out := k.ok(t, "logs", "talker-a", "-c", "side", "--limit-bytes=4"); out != "side" {
			t.Fatalf("--limit-bytes=4: %q", out)
		}
	})
	t.Run("whole log and default container", func(t *testing.T) {
		out := k.ok(t, "logs", "talker-a")
		mustContain(t, out, "first-line-talker-a", "to-stderr", "tick-1\n")
	})
	t.Run("timestamps", func(t *testing.T) {
		got := lines(k.ok(t, "logs", "talker-a", "-c", "main", "--timestamps", "--tail=1"))
		if len(got) != 1 || !timestampTick.MatchString(got[0]) {
			t.Fatalf("--timestamps: %q", got)
		}
	})
	t.Run("since", func(t *testing.T) {
		out := k.ok(t, "logs", "talker-a", "-c", "main", "--since=3s")
		if strings.Contains(out, "first-line") || len(ticks.FindAllString(out, -1)) == 0 || len(lines(out)) > 5 {
			t.Fatalf("--since=3s: %q", out)
		}
	})
	t.Run("container", func(t *testing.T) {
		if out := k.ok(t, "logs", "talker-a", "-c", "side"); out != "side-hello-a\n" {
			t.Fatalf("-c side: %q", out)
		}
		r := k.run(t, nil, "logs", "talker-a", "-c", "nope")
		if r.err == nil || !strings.Contains(r.stderr, "container nope is not valid for pod talker-a") {
			t.Fatalf("-c nope: %s", r)
		}
	})
	t.Run("all containers", func(t *testing.T) {
		mustContain(t, k.ok(t, "logs", "talker-a", "--all-containers"), "first-line-talker-a", "side-hello-a")
	})
	t.Run("selector", func(t *testing.T) {
		out := k.ok(t, "logs", "-l", "app=talker", "-c", "main", "--prefix", "--tail=1")
		mustContain(t, out, "[pod/talker-a/main] tick-", "[pod/talker-b/main] tick-")
		// With a selector kubectl asks for the last 10 lines per container.
		out = k.ok(t, "logs", "-l", "app=talker", "--all-containers")
		mustContain(t, out, "side-hello-a", "side-hello-b")
		if n := len(lines(out)); n > 4*10 {
			t.Fatalf("logs -l: %d lines, want at most 10 per container:\n%s", n, out)
		}
	})
	t.Run("previous", func(t *testing.T) {
		mustContain(t, k.ok(t, "logs", "restarter", "--previous"), "run-started", "about-to-exit")
		r := k.run(t, nil, "logs", "talker-a", "-c", "main", "--previous")
		if r.err == nil || !strings.Contains(r.stderr, `previous terminated container "main" in pod "talker-a" not found`) {
			t.Fatalf("--previous without a restart: %s", r)
		}
	})
	t.Run("follow", func(t *testing.T) {
		_, out := k.start(t, nil, "logs", "-f", "talker-a", "-c", "main", "--tail=1")
		// Two more ticks than the tail line: the log is followed.
		waitOutput(t, out, 20*time.Second, "three ticks", func(s string) bool { return len(ticks.FindAllString(s, -1)) >= 3 })
	})
	t.Run("follow selector", func(t *testing.T) {
		_, out := k.start(t, nil, "logs", "-f", "-l", "app=talker", "-c", "main", "--prefix", "--tail=0")
		waitContains(t, out, 20*time.Second, "[pod/talker-a/main] tick-")
		waitContains(t, out, 20*time.Second, "[pod/talker-b/main] tick-")
	})
	t.Run("follow ends with the container", func(t *testing.T) {
		// The restarter runs for about two seconds (or waits in
		// back-off): either way following its log must end by itself.
		cmd, out := k.start(t, nil, "logs", "-f", "restarter")
		if code := waitExit(t, cmd, 30*time.Second); code != 0 {
			t.Fatalf("logs -f restarter exited %d:\n%s", code, out.String())
		}
		mustContain(t, out.String(), "run-started")
	})
}

func (k *kubectlRelease) testExec(t *testing.T) {
	t.Run("exit code", func(t *testing.T) {
		r := k.run(t, nil, "exec", "talker-a", "-c", "main", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
		if exitCode(r.err) != 3 || r.stdout != "out\n" || !strings.Contains(r.stderr, "err\n") {
			t.Fatalf("exec exit 3: %s", r)
		}
		mustContain(t, r.stderr, "command terminated with exit code 3")
	})
	t.Run("stdin", func(t *testing.T) {
		// Larger than one frame, and the command only ends when stdin
		// closes.
		payload := bytes.Repeat([]byte("0123456789abcdef"), 16<<10)
		r := k.run(t, bytes.NewReader(payload), "exec", "-i", "talker-a", "-c", "main", "--", "sh", "-c", "wc -c; echo stdin-closed")
		if r.err != nil || strings.Fields(r.stdout)[0] != strconv.Itoa(len(payload)) || !strings.Contains(r.stdout, "stdin-closed") {
			t.Fatalf("exec -i: %s", r)
		}
		r = k.run(t, strings.NewReader("piped\n"), "exec", "-i", "talker-a", "-c", "main", "--", "sh", "-c", "cat; exit 5")
		if exitCode(r.err) != 5 || r.stdout != "piped\n" {
			t.Fatalf("exec -i exit 5: %s", r)
		}
	})
	t.Run("errors", func(t *testing.T) {
		r := k.run(t, nil, "exec", "talker-a", "-c", "nope", "--", "true")
		if r.err == nil || !strings.Contains(r.stderr, "container nope is not valid for pod talker-a") {
			t.Fatalf("exec -c nope: %s", r)
		}
		r = k.run(t, nil, "exec", "no-such-pod", "--", "true")
		if r.err == nil || !strings.Contains(r.stderr, `pods "no-such-pod" not found`) {
			t.Fatalf("exec in a missing pod: %s", r)
		}
	})
}

func (k *kubectlRelease) testExecTTY(t *testing.T) {
	cmd, term, out := k.startTTY(t, 30, 100, "exec", "-it", "talker-a", "-c", "main", "--", "sh")
	waitContains(t, out, 30*time.Second, "# ")
	if _, err := term.Write([]byte("stty size; echo mark-$((6*7))\r")); err != nil {
		t.Fatal(err)
	}
	waitContains(t, out, 20*time.Second, "30 100")
	waitContains(t, out, 20*time.Second, "mark-42")
	if err := pty.Setsize(term, &pty.Winsize{Rows: 50, Cols: 132}); err != nil {
		t.Fatal(err)
	}
	// kubectl sends the new size when SIGWINCH reaches it; ask until the
	// shell sees it.
	waitOutput(t, out, 20*time.Second, "resized terminal", func(s string) bool {
		if strings.Contains(s, "50 132") {
			return true
		}
		_, _ = term.Write([]byte("stty size\r"))
		time.Sleep(300 * time.Millisecond)
		return false
	})
	if _, err := term.Write([]byte("tty; exit 7\r")); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 20*time.Second); code != 7 {
		t.Fatalf("exec -it exit 7: exit code %d:\n%s", code, out.String())
	}
	mustContain(t, out.String(), "/dev/pts/")
}

func (k *kubectlRelease) testAttach(t *testing.T) {
	t.Run("output", func(t *testing.T) {
		_, out := k.start(t, nil, "attach", "talker-a", "-c", "main")
		waitOutput(t, out, 20*time.Second, "two ticks", func(s string) bool { return len(ticks.FindAllString(s, -1)) >= 2 })
	})
	t.Run("stdin", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		_, out := k.start(t, pr, "attach", "-i", "reader")
		line := "line-from-" + k.version
		// The first line may arrive before the attach is set up; resend
		// until the echo shows up.
		waitOutput(t, out, 30*time.Second, "echo of stdin", func(s string) bool {
			if strings.Contains(s, "got:"+line) {
				return true
			}
			_, _ = pw.Write([]byte(line + "\n"))
			time.Sleep(500 * time.Millisecond)
			return false
		})
	})
	t.Run("exit code", func(t *testing.T) {
		// kubectl run -i attaches, then exits with the container's code.
		name := "run-exit-" + strings.ReplaceAll(k.version, ".", "")
		r := k.run(t, strings.NewReader("hello\n"), "run", name, "--image=nauta.local/busybox:latest", "--image-pull-policy=IfNotPresent",
			"--restart=Never", "-i", "--rm", "--", "sh", "-c", "read x; echo got-$x; exit 3")
		if exitCode(r.err) != 3 || !strings.Contains(r.stdout, "got-hello") {
			t.Fatalf("run -i --rm exit 3: %s", r)
		}
	})
	t.Run("tty", func(t *testing.T) {
		// Every release attaches to the same terminal: a size of its own
		// shows this attach set it.
		rows := uint16(10 + k.minor(t))
		_, term, out := k.startTTY(t, rows, 111, "attach", "-it", "shell")
		marker := strings.ReplaceAll(k.version, ".", "")
		waitOutput(t, out, 30*time.Second, "shell answer", func(s string) bool {
			if strings.Contains(s, "att-"+marker+"-42") {
				return true
			}
			_, _ = term.Write([]byte("echo att-" + marker + "-$((6*7))\r"))
			time.Sleep(500 * time.Millisecond)
			return false
		})
		_, _ = term.Write([]byte("stty size\r"))
		waitContains(t, out, 20*time.Second, fmt.Sprintf("%d 111", rows))
	})
}

func (k *kubectlRelease) testPortForward(t *testing.T, webPod string) {
	targets := []struct {
		target       string
		portA, portB string
	}{
		{target: "pod/" + webPod, portA: "8080", portB: "8081"},
		{target: "deploy/web", portA: "8080", portB: "http-b"},
		{target: "svc/web", portA: "80", portB: "81"},
	}
	for _, tt := range targets {
		t.Run(strings.Split(tt.target, "/")[0], func(t *testing.T) {
			la, err := freePort()
			if err != nil {
				t.Fatal(err)
			}
			lb, err := freePort()
			if err != nil {
				t.Fatal(err)
			}
			_, out := k.start(t, nil, "port-forward", "--address", "127.0.0.1", tt.target,
				fmt.Sprintf("%d:%s", la, tt.portA), fmt.Sprintf("%d:%s", lb, tt.portB))
			waitContains(t, out, 30*time.Second, fmt.Sprintf("Forwarding from 127.0.0.1:%d", la))
			waitContains(t, out, 30*time.Second, fmt.Sprintf("Forwarding from 127.0.0.1:%d", lb))
			client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			type answer struct {
				url, body string
				err       error
			}
			var urls []string
			for range 4 {
				urls = append(urls, fmt.Sprintf("http://127.0.0.1:%d/", la), fmt.Sprintf("http://127.0.0.1:%d/", lb))
			}
			answers := make(chan answer, len(urls))
			for _, u := range urls {
				go func() {
					resp, err := client.Get(u)
					if err != nil {
						answers <- answer{url: u, err: err}
						return
					}
					defer resp.Body.Close()
					b, err := io.ReadAll(resp.Body)
					answers <- answer{url: u, body: string(b), err: err}
				}()
			}
			for range urls {
				a := <-answers
				want := "port-a\n"
				if strings.Contains(a.url, fmt.Sprintf(":%d/", lb)) {
					want = "port-b\n"
				}
				if a.err != nil || a.body != want {
					t.Errorf("GET %s through port-forward: %q, %v (want %q)\n%s", a.url, a.body, a.err, want, out.String())
				}
			}
		})
	}
}

func (k *kubectlRelease) testCp(t *testing.T) {
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 200<<10)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "sub", "note.txt"), []byte("copied-by-"+k.version+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	remote := "/tmp/cp-" + k.version
	k.ok(t, "cp", src, "talker-a:"+remote, "-c", "main")
	got := k.ok(t, "exec", "talker-a", "-c", "main", "--", "sh", "-c", "wc -c < "+remote+"/big.bin; cat "+remote+"/sub/note.txt")
	if want := fmt.Sprintf("%d\ncopied-by-%s\n", len(big), k.version); got != want {
		t.Fatalf("after cp to the pod: %q, want %q", got, want)
	}
	back := filepath.Join(t.TempDir(), "back")
	k.ok(t, "cp", "talker-a:"+remote, back, "-c", "main")
	b, err := os.ReadFile(filepath.Join(back, "big.bin"))
	if err != nil || !bytes.Equal(b, big) {
		t.Fatalf("big.bin copied back: %d bytes, %v; want the %d bytes sent", len(b), err, len(big))
	}
	note, err := os.ReadFile(filepath.Join(back, "sub", "note.txt"))
	if err != nil || string(note) != "copied-by-"+k.version+"\n" {
		t.Fatalf("sub/note.txt copied back: %q, %v", note, err)
	}
}

// testKubeletAuthorization calls the node's kubelet API (:10250) directly:
// no client certificate gets 401, a certificate of the cluster CA for an
// ordinary user gets 403, and the cluster admin and the API server's own
// kubelet client certificate are served.
func testKubeletAuthorization(t *testing.T, dataDir, nodeIP string) {
	tlsDir := filepath.Join(dataDir, "tls")
	caPair, err := tls.LoadX509KeyPair(filepath.Join(tlsDir, "ca.crt"), filepath.Join(tlsDir, "ca.key"))
	if err != nil {
		t.Fatalf("cluster CA: %v", err)
	}
	caCert, err := x509.ParseCertificate(caPair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	signer, ok := caPair.PrivateKey.(crypto.Signer)
	if !ok {
		t.Fatalf("CA key is %T", caPair.PrivateKey)
	}
	apiServer, err := tls.LoadX509KeyPair(filepath.Join(tlsDir, "apiserver-kubelet-client.crt"), filepath.Join(tlsDir, "apiserver-kubelet-client.key"))
	if err != nil {
		t.Fatalf("API server kubelet client certificate: %v", err)
	}
	admin, err := tls.LoadX509KeyPair(filepath.Join(tlsDir, "admin.crt"), filepath.Join(tlsDir, "admin.key"))
	if err != nil {
		t.Fatalf("admin certificate: %v", err)
	}
	tests := []struct {
		name     string
		cert     *tls.Certificate
		wantCode int
		wantBody string
	}{
		{name: "no certificate", wantCode: http.StatusUnauthorized, wantBody: "Unauthorized"},
		{name: "ordinary user of the cluster CA", cert: issueClientCert(t, caCert, signer, "jane", "developers"), wantCode: http.StatusForbidden,
			wantBody: "Forbidden (user=jane, verb=get, resource=nodes, subresource(s)=[healthz])"},
		{name: "node identity", cert: issueClientCert(t, caCert, signer, "system:node:other", "system:nodes"), wantCode: http.StatusForbidden},
		{name: "cluster admin", cert: &admin, wantCode: http.StatusOK, wantBody: "ok"},
		{name: "API server", cert: &apiServer, wantCode: http.StatusOK, wantBody: "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &tls.Config{InsecureSkipVerify: true}
			if tt.cert != nil {
				cfg.Certificates = []tls.Certificate{*tt.cert}
			}
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
			resp, err := client.Get("https://" + net.JoinHostPort(nodeIP, "10250") + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("GET /healthz: %d %q, want %d with %q", resp.StatusCode, body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

// issueClientCert signs a client certificate for user in groups with the
// cluster CA.
func issueClientCert(t *testing.T, ca *x509.Certificate, caKey crypto.Signer, user string, groups ...string) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: user, Organization: groups},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// testWebSocketExec runs exec over the older WebSocket protocols other
// clients (client libraries, web consoles) speak, which pass through to
// the runtime's streaming server: the output arrives on its channel and
// the exit code on the error channel.
func testWebSocketExec(t *testing.T, c *cluster) {
	admin := adminCert(t, c)
	u := fmt.Sprintf("wss://127.0.0.1:%d/api/v1/namespaces/default/pods/talker-a/exec?container=main&stdout=true&stderr=true"+
		"&command=sh&command=-c&command=%s", c.port, url.QueryEscape("echo ws-out; echo ws-err >&2; exit 6"))
	tests := []struct {
		protocol string
		decode   func([]byte) (byte, []byte)
		wantErr  string
	}{
		{protocol: "v4.channel.k8s.io", decode: rawFrame, wantErr: `"reason":"NonZeroExitCode"`},
		{protocol: "channel.k8s.io", decode: rawFrame, wantErr: "exit code 6"},
		{protocol: "base64.channel.k8s.io", decode: base64Frame, wantErr: "exit code 6"},
	}
	for _, tt := range tests {
		t.Run(tt.protocol, func(t *testing.T) {
			d := websocket.Dialer{
				TLSClientConfig:  &tls.Config{Certificates: []tls.Certificate{admin}, InsecureSkipVerify: true},
				Subprotocols:     []string{tt.protocol},
				HandshakeTimeout: 10 * time.Second,
			}
			conn, resp, err := d.Dial(u, nil)
			if err != nil {
				t.Fatalf("dial: %v (%v)", err, resp)
			}
			defer conn.Close()
			if conn.Subprotocol() != tt.protocol {
				t.Fatalf("negotiated %q", conn.Subprotocol())
			}
			_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			got := map[byte]string{}
			for {
				_, msg, err := conn.ReadMessage()
				if err != nil {
					break
				}
				if ch, data := tt.decode(msg); len(data) > 0 {
					got[ch] += string(data)
				}
			}
			if got[1] != "ws-out\n" || got[2] != "ws-err\n" || !strings.Contains(got[3], tt.wantErr) {
				t.Fatalf("channels: %q", got)
			}
		})
	}
}

func rawFrame(msg []byte) (byte, []byte) {
	if len(msg) == 0 {
		return 0, nil
	}
	return msg[0], msg[1:]
}

func base64Frame(msg []byte) (byte, []byte) {
	if len(msg) == 0 {
		return 0, nil
	}
	data, err := base64.StdEncoding.DecodeString(string(msg[1:]))
	if err != nil {
		return 0, nil
	}
	return msg[0] - '0', data
}

func adminCert(t *testing.T, c *cluster) tls.Certificate {
	t.Helper()
	admin, err := tls.LoadX509KeyPair(filepath.Join(c.dataDir, "tls", "admin.crt"), filepath.Join(c.dataDir, "tls", "admin.key"))
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

// testWebSocketPortForward forwards one connection over the plain
// WebSocket port forwarding protocol (no SPDY inside): every port has a
// data and an error channel, each opened by a frame naming the port, and
// the data channel carries the bytes.
func testWebSocketPortForward(t *testing.T, c *cluster, webPod string) {
	d := websocket.Dialer{
		TLSClientConfig:  &tls.Config{Certificates: []tls.Certificate{adminCert(t, c)}, InsecureSkipVerify: true},
		Subprotocols:     []string{"v4.channel.k8s.io"},
		HandshakeTimeout: 10 * time.Second,
	}
	u := fmt.Sprintf("wss://127.0.0.1:%d/api/v1/namespaces/default/pods/%s/portforward?ports=8081", c.port, webPod)
	conn, resp, err := d.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	// The two opening frames name the port, little-endian after the
	// channel byte.
	for i := range 2 {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("opening frame %d: %v", i, err)
		}
		if len(msg) != 3 || msg[1] != 8081&0xff || msg[2] != 8081>>8 {
			t.Fatalf("opening frame %d: %q", i, msg)
		}
	}
	if err := conn.WriteMessage(websocket.BinaryMessage, append([]byte{0}, "GET / HTTP/1.0\r\n\r\n"...)); err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	for !strings.Contains(body.String(), "port-b") {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("reading the answer: %v; so far %q", err, body.String())
		}
		if len(msg) > 0 && msg[0] == 0 {
			body.Write(msg[1:])
		}
		if len(msg) > 1 && msg[0] == 1 {
			t.Fatalf("error channel: %q", msg[1:])
		}
	}
	mustContain(t, body.String(), " 200 OK")
}
