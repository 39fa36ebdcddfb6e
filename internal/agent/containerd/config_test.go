package containerd

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "no data dir", cfg: Config{}, wantErr: true},
		{name: "minimal", cfg: Config{DataDir: "/var/lib/nauta"}},
		{name: "mirror", cfg: Config{DataDir: "/d", RegistryMirrors: map[string][]string{"docker.io": {"http://127.0.0.1:5000"}}}},
		{name: "mirror not a URL", cfg: Config{DataDir: "/d", RegistryMirrors: map[string][]string{"docker.io": {"127.0.0.1:5000"}}}, wantErr: true},
		{name: "bad host", cfg: Config{DataDir: "/d", RegistryMirrors: map[string][]string{"a/b": {"http://x"}}}, wantErr: true},
		{name: "socket path too long", cfg: Config{DataDir: "/" + strings.Repeat("x", 100)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.withDefaults()
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("error = %v, want ErrInvalidConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.CNIBinDir != DefaultCNIBinDir || got.SandboxImage != DefaultSandboxImage ||
				got.CNIConfDir != filepath.Join(tt.cfg.DataDir, "cni", "net.d") || got.Logger == nil {
				t.Fatalf("defaults not applied: %+v", got)
			}
		})
	}
}

func TestRenderConfig(t *testing.T) {
	cfg, err := Config{DataDir: "/data", RegistryMirrors: map[string][]string{"docker.io": {"http://127.0.0.1:5000/"}}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	got := renderConfig(cfg, newPaths(cfg.DataDir))
	for _, want := range []string{
		"version = 2\n",
		`root = "/data/containerd/root"`,
		`state = "/data/containerd/state"`,
		"[grpc]\n  address = \"/data/containerd/containerd.sock\"",
		`sandbox_image = "nauta.local/pause:3.10"`,
		"restrict_oom_score_adj = true",
		"[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"",
		"SystemdCgroup = false",
		`bin_dir = "/usr/lib/cni"`,
		`conf_dir = "/data/cni/net.d"`,
		`config_path = "/data/containerd/certs.d"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config.toml lacks %q:\n%s", want, got)
		}
	}
	hosts := renderHostsTOML(cfg.RegistryMirrors["docker.io"])
	if !strings.Contains(hosts, "[host.\"http://127.0.0.1:5000\"]\n  capabilities = [\"pull\", \"resolve\"]") {
		t.Errorf("hosts.toml:\n%s", hosts)
	}
}

func TestStartWithoutBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), Config{DataDir: t.TempDir()})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
	const want = "containerd not found: install the Debian package containerd (apt-get install containerd runc)"
	if err.Error() != want {
		t.Fatalf("error = %q, want %q", err, want)
	}
}

// A containerd left running by a killed agent (recorded in the pid file and
// started with this config) is stopped before a new one starts.
func TestStopStale(t *testing.T) {
	cfg, err := Config{DataDir: t.TempDir()}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{cfg: cfg, paths: newPaths(cfg.DataDir), log: cfg.Logger}
	if err := os.MkdirAll(p.paths.base, 0o755); err != nil {
		t.Fatal(err)
	}
	// Its command line carries the config path the way containerd's does.
	stale := exec.Command("sh", "-c", "sleep 60", "containerd --config "+p.paths.config)
	if err := stale.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = stale.Wait(); close(exited) }()
	t.Cleanup(func() { _ = stale.Process.Kill() })
	if err := os.WriteFile(p.paths.pidFile, []byte(strconv.Itoa(stale.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unrelated := exec.Command("sleep", "60")
	if err := unrelated.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unrelated.Process.Kill(); _ = unrelated.Wait() })

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.stopStale(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("stale process still running")
	}

	// A pid file naming some other process leaves it alone.
	if err := os.WriteFile(p.paths.pidFile, []byte(strconv.Itoa(unrelated.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.stopStale(ctx); err != nil {
		t.Fatal(err)
	}
	if err := unrelated.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("unrelated process was signalled: %v", err)
	}
}
