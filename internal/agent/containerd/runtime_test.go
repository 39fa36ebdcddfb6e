package containerd

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/nauta/nauta/internal/agent/cri"
	"github.com/nauta/nauta/internal/agent/images"
	"github.com/nauta/nauta/internal/agent/images/imagestest"
)

// Test network: its own bridge and subnet, so it does not meet other tests'
// networks on the same machine.
const (
	testBridge = "nta-rt0"
	testSubnet = "10.244.250.0/24"
)

// writeTestCNIConfig writes the pod network: bridge with host-local IPAM,
// then portmap. Loopback needs no entry: containerd's CRI brings lo up
// itself with the loopback plugin from bin_dir.
func writeTestCNIConfig(t *testing.T, confDir, ipamDir string) {
	t.Helper()
	conf := fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "nauta-runtime-test",
  "plugins": [
    {
      "type": "bridge",
      "bridge": %q,
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": %q,
        "ranges": [[{"subnet": %q}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
`, testBridge, ipamDir, testSubnet)
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "10-nauta-test.conflist"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// processesUsing lists the pids whose command line mentions s (containerd
// shims carry the socket address in theirs).
func processesUsing(s string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		if bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestRuntimeEndToEnd starts containerd, imports the pause and busybox
// images, runs a pod sandbox on the bridge network and a busybox container
// that echoes, reads its CRI log, removes everything, checks supervision
// restarts a killed containerd, and stops it leaving no process behind.
func TestRuntimeEndToEnd(t *testing.T) {
	requireRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	dataDir := t.TempDir()
	// A loopback registry mirrors a registry host that does not exist, so
	// pulls can only succeed through the hosts.toml mirror config.
	registry := imagestest.NewRegistry(t)
	// A file of its own gives the pushed image a layer the import below
	// does not already put in containerd's content store.
	spec, err := images.BusyboxImageSpec("registry.nauta.test/test/busybox:v1")
	if err != nil {
		t.Fatal(err)
	}
	spec.Files = append(spec.Files, images.File{Path: "/etc/pulled", Mode: 0o644, Data: []byte("yes\n")})
	pushed := filepath.Join(t.TempDir(), "pushed.tar")
	if err := images.Write(pushed, spec); err != nil {
		t.Fatal(err)
	}
	registry.Push(t, "test/busybox:v1", pushed)
	cfg := Config{
		DataDir:         dataDir,
		Logger:          testLogger(t),
		RegistryMirrors: map[string][]string{"registry.nauta.test": {registry.URL()}},
	}
	writeTestCNIConfig(t, filepath.Join(dataDir, "cni", "net.d"), filepath.Join(dataDir, "cni", "ipam"))
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", testBridge).Run() })

	proc, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = proc.Stop(context.Background())
		}
	})
	if !strings.HasPrefix(proc.Endpoint(), "unix://"+dataDir) {
		t.Fatalf("Endpoint() = %q, want a socket under %s", proc.Endpoint(), dataDir)
	}

	client, err := cri.Dial(ctx, proc.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	version, err := client.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if version.RuntimeName != "containerd" || version.RuntimeApiVersion != "v1" {
		t.Fatalf("Version = %+v", version)
	}

	imageDir := filepath.Join(dataDir, "agent", "images")
	if err := images.Preload(ctx, proc.Address(), imageDir); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{images.PauseImage, images.BusyboxImage} {
		st, err := client.Images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
		if err != nil {
			t.Fatalf("ImageStatus(%s): %v", ref, err)
		}
		if st.Image == nil {
			t.Fatalf("image %s not visible through CRI after import", ref)
		}
	}

	pulled, err := client.Images.PullImage(ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: "registry.nauta.test/test/busybox:v1"}})
	if err != nil {
		t.Fatalf("PullImage through the mirror: %v (registry saw %v)", err, registry.Requests())
	}
	if !strings.HasPrefix(pulled.ImageRef, "sha256:") {
		t.Errorf("PullImage ImageRef = %q", pulled.ImageRef)
	}
	served := registry.Requests()
	if !slices.Contains(served, "HEAD /v2/test/busybox/manifests/v1") ||
		!slices.ContainsFunc(served, func(s string) bool { return strings.HasPrefix(s, "GET /v2/test/busybox/blobs/sha256:") }) {
		t.Errorf("image was not pulled from the mirror: %v", served)
	}
	if _, err := client.Images.PullImage(ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: "registry.nauta.test/test/busybox:missing"}}); err == nil {
		t.Error("PullImage of a missing tag succeeded")
	}

	logDir := filepath.Join(dataDir, "pods", "default_echo_uid1")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	sandboxConfig := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "echo", Namespace: "default", Uid: "uid1"},
		Hostname:     "echo",
		LogDirectory: logDir,
		Labels:       map[string]string{"app": "echo"},
		// A shared PID namespace makes pause PID 1 of the pod, the
		// reaper of orphaned processes.
		Linux: &runtimeapi.LinuxPodSandboxConfig{SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
			NamespaceOptions: &runtimeapi.NamespaceOption{Pid: runtimeapi.NamespaceMode_POD},
		}},
	}
	start := time.Now()
	run, err := client.Runtime.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: sandboxConfig})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	t.Logf("sandbox %s ready in %v", run.PodSandboxId, time.Since(start))
	sbStatus, err := client.Runtime.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: run.PodSandboxId})
	if err != nil {
		t.Fatal(err)
	}
	if sbStatus.Status.State != runtimeapi.PodSandboxState_SANDBOX_READY {
		t.Fatalf("sandbox state = %v", sbStatus.Status.State)
	}
	_, subnet, _ := net.ParseCIDR(testSubnet)
	podIP := net.ParseIP(sbStatus.Status.GetNetwork().GetIp())
	if podIP == nil || !subnet.Contains(podIP) {
		t.Fatalf("pod IP %q is not in %s", sbStatus.Status.GetNetwork().GetIp(), testSubnet)
	}

	created, err := client.Runtime.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId: run.PodSandboxId,
		Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: "echo"},
			Image:    &runtimeapi.ImageSpec{Image: images.BusyboxImage},
			// The subshell orphans a short sleep; pause must reap it.
			Command: []string{"sh", "-c", "echo hello from nauta; ip -4 -o addr show eth0; " +
				"(sleep 0.2 &); sleep 2.5; if grep -q ' Z ' /proc/[0-9]*/stat; then echo zombies; else echo no zombies; fi; cat /proc/1/comm"},
			LogPath: "echo/0.log",
		},
		SandboxConfig: sandboxConfig,
	})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if _, err := client.Runtime.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: created.ContainerId}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	var status *runtimeapi.ContainerStatus
	for {
		resp, err := client.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: created.ContainerId})
		if err != nil {
			t.Fatal(err)
		}
		status = resp.Status
		if status.State == runtimeapi.ContainerState_CONTAINER_EXITED {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("container did not exit: %v", status.State)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if status.ExitCode != 0 {
		t.Errorf("exit code = %d (%s)", status.ExitCode, status.Reason)
	}
	logData, err := os.ReadFile(filepath.Join(logDir, "echo", "0.log"))
	if err != nil {
		t.Fatal(err)
	}
	// CRI log lines: "<RFC3339Nano time> stdout F hello from nauta".
	lines := strings.Split(strings.TrimSpace(string(logData)), "\n")
	fields := strings.SplitN(lines[0], " ", 4)
	if len(fields) != 4 || fields[1] != "stdout" || fields[2] != "F" || fields[3] != "hello from nauta" {
		t.Fatalf("unexpected log:\n%s", logData)
	}
	if _, err := time.Parse(time.RFC3339Nano, fields[0]); err != nil {
		t.Errorf("log timestamp %q: %v", fields[0], err)
	}
	if !strings.Contains(string(logData), " stdout F no zombies\n") || !strings.Contains(string(logData), " stdout F pause\n") {
		t.Errorf("pause is not PID 1 reaping orphans:\n%s", logData)
	}
	if !strings.Contains(string(logData), podIP.String()+"/24") {
		t.Errorf("eth0 does not carry the pod IP %s:\n%s", podIP, logData)
	}

	if _, err := client.Runtime.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: created.ContainerId}); err != nil {
		t.Fatalf("RemoveContainer: %v", err)
	}
	if _, err := client.Runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: run.PodSandboxId}); err != nil {
		t.Fatalf("StopPodSandbox: %v", err)
	}
	if _, err := client.Runtime.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: run.PodSandboxId}); err != nil {
		t.Fatalf("RemovePodSandbox: %v", err)
	}
	list, err := client.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Fatalf("%d sandboxes left after removal", len(list.Items))
	}

	// Supervision: a killed containerd comes back on the same endpoint.
	oldPID := proc.pid()
	if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		pid := proc.pid()
		if pid != 0 && pid != oldPID {
			callCtx, callCancel := context.WithTimeout(ctx, time.Second)
			_, err := client.Version(callCtx)
			callCancel()
			if err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("containerd was not restarted after SIGKILL")
		}
		time.Sleep(100 * time.Millisecond)
	}

	if got := proc.Restarts(); got != 1 {
		t.Errorf("Restarts() = %d, want 1", got)
	}

	stopCtx, stopCancel := context.WithTimeout(ctx, 30*time.Second)
	defer stopCancel()
	if err := proc.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	if err := proc.Stop(stopCtx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if pids := processesUsing(proc.paths.base); len(pids) != 0 {
		t.Fatalf("processes left after Stop: %v", pids)
	}
}
