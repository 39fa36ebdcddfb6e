package cli

import (
	"github.com/nauta/nauta/internal/nautabin"

	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetDefaultKubeconfig(t *testing.T) {
	dataDir := t.TempDir()
	local := filepath.Join(dataDir, "kubeconfig.yaml")
	if err := os.WriteFile(local, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		kubeconfig string // KUBECONFIG before
		dataDir    string // NAUTA_DATA_DIR
		args       []string
		want       string // KUBECONFIG after
	}{
		{"data dir kubeconfig used", "", dataDir, []string{"get", "pods"}, local},
		{"KUBECONFIG wins", "/elsewhere", dataDir, []string{"get", "pods"}, "/elsewhere"},
		{"--kubeconfig wins", "", dataDir, []string{"--kubeconfig", "/x", "get", "pods"}, ""},
		{"--kubeconfig= wins", "", dataDir, []string{"get", "pods", "--kubeconfig=/x"}, ""},
		{"after -- is not a flag", "", dataDir, []string{"exec", "p", "--", "tool", "--kubeconfig=/x"}, local},
		{"missing file ignored", "", filepath.Join(dataDir, "nope"), []string{"get", "pods"}, fallback()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.kubeconfig)
			t.Setenv(DataDirEnv, tt.dataDir)
			setDefaultKubeconfig(tt.args)
			if got := os.Getenv("KUBECONFIG"); got != tt.want {
				t.Errorf("KUBECONFIG = %q, want %q", got, tt.want)
			}
		})
	}
}

// fallback is what KUBECONFIG becomes when NAUTA_DATA_DIR has no
// kubeconfig: the default data dir's, if this machine runs Nauta.
func fallback() string {
	path := filepath.Join(defaultDataDir, "kubeconfig.yaml")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	return ""
}

// nautaBin returns the built binary (make test sets NAUTA_BIN), building
// one when it is unset.
func nautaBin(t *testing.T) string {
	t.Helper()
	bin, err := nautabin.Path()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestBinaryKubectlVersion checks the link-time versions: the embedded
// kubectl must report v1.37.2, as `nauta kubectl` and through a link named
// kubectl.
func TestBinaryKubectlVersion(t *testing.T) {
	bin := nautaBin(t)
	link := filepath.Join(t.TempDir(), "kubectl")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cmd  []string
	}{
		{"subcommand", []string{bin, "kubectl", "version", "--client", "-o", "json"}},
		{"symlink", []string{link, "version", "--client", "-o", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(tt.cmd[0], tt.cmd[1:]...).Output()
			if err != nil {
				t.Fatalf("%v: %v", tt.cmd, err)
			}
			var v struct {
				ClientVersion struct {
					GitVersion string `json:"gitVersion"`
					Major      string `json:"major"`
					Minor      string `json:"minor"`
				} `json:"clientVersion"`
			}
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if v.ClientVersion.GitVersion != "v1.37.2" || v.ClientVersion.Major != "1" || v.ClientVersion.Minor != "37" {
				t.Errorf("client version %+v, want v1.37.2", v.ClientVersion)
			}
		})
	}
}

func TestBinaryVersionAndExitCodes(t *testing.T) {
	bin := nautaBin(t)
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Nauta Version: ", "Kubernetes Version: v1.37.2+nauta", "Go Version: go"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("nauta version output lacks %q:\n%s", want, out)
		}
	}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"unknown command", []string{"frobnicate"}, 1},
		{"bad log level", []string{"--log-level=loud", "version"}, 1},
		{"bad server flag", []string{"server", "--secure-port=https"}, 1},
		{"kubectl error keeps kubectl's exit code", []string{"kubectl", "--kubeconfig=/nonexistent", "get", "pods"}, 1},
		{"kubectl help", []string{"kubectl", "--help"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := exec.Command(bin, tt.args...).Run()
			code := 0
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				code = exitErr.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.want {
				t.Errorf("exit code %d, want %d", code, tt.want)
			}
		})
	}
}
