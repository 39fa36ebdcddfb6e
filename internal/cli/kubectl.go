package cli

import (
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
	componentcli "k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// DataDirEnv names a data directory whose kubeconfig.yaml `nauta kubectl`
// uses when no kubeconfig is given.
const DataDirEnv = "NAUTA_DATA_DIR"

// defaultDataDir mirrors server.DefaultDataDir without importing the
// server (and its dependency tree) into kubectl's path.
const defaultDataDir = "/var/lib/nauta"

// newKubectlCommand is `nauta kubectl ...`: upstream kubectl with the
// arguments passed through untouched.
func newKubectlCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "kubectl",
		Short:              "Run kubectl against the cluster (uses DATA_DIR/kubeconfig.yaml by default)",
		DisableFlagParsing: true,
		// kubectl prints its own errors and picks its exit code.
		SilenceErrors: true,
		Run: func(_ *cobra.Command, args []string) {
			runKubectl(args)
		},
	}
}

// newKubectlRootCommand is the whole binary when it was started through a
// link named kubectl.
func newKubectlRootCommand() *cobra.Command {
	cmd := newKubectlCommand()
	cmd.Run = func(_ *cobra.Command, _ []string) { runKubectl(os.Args[1:]) }
	return cmd
}

// runKubectl runs kubectl with args and does not return on failure:
// kubectl exits with its own status (e.g. kubectl exec passes on the
// remote command's).
func runKubectl(args []string) {
	// kubectl owns the terminal: Ctrl-C must stop it the way it stops
	// kubectl, not cancel the server context main installed.
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	setDefaultKubeconfig(args)
	// kubectl reads os.Args itself (plugins, kuberc aliases), so it sees
	// exactly the command line a kubectl binary would.
	os.Args = append([]string{"kubectl"}, args...)
	cmd := kubectlcmd.NewDefaultKubectlCommand()
	if err := componentcli.RunNoErrOutput(cmd); err != nil {
		cmdutil.CheckErr(err)
	}
}

// setDefaultKubeconfig points kubectl at the local cluster's admin
// kubeconfig when the user named none and it is readable, like k3s does.
func setDefaultKubeconfig(args []string) {
	if os.Getenv("KUBECONFIG") != "" {
		return
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--kubeconfig" || strings.HasPrefix(a, "--kubeconfig=") {
			return
		}
	}
	var candidates []string
	if dir := os.Getenv(DataDirEnv); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "kubeconfig.yaml"))
	}
	candidates = append(candidates, filepath.Join(defaultDataDir, "kubeconfig.yaml"))
	for _, path := range candidates {
		if unix.Access(path, unix.R_OK) == nil {
			os.Setenv("KUBECONFIG", path)
			return
		}
	}
}
