package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

type logLevelKey struct{}

// WithLogLevel returns ctx carrying the level of the process logger, which
// --log-level sets.
func WithLogLevel(ctx context.Context, level *slog.LevelVar) context.Context {
	return context.WithValue(ctx, logLevelKey{}, level)
}

func logLevelFrom(ctx context.Context) *slog.LevelVar {
	if v, ok := ctx.Value(logLevelKey{}).(*slog.LevelVar); ok {
		return v
	}
	return new(slog.LevelVar)
}

// NewRootCommand returns the nauta command. Invoked through a link named
// "kubectl", the binary is kubectl.
func NewRootCommand(ctx context.Context) *cobra.Command {
	if invokedAs() == "kubectl" {
		return newKubectlRootCommand()
	}
	var logLevel string
	root := &cobra.Command{
		Use:   "nauta",
		Short: "Nauta: a Kubernetes-compatible orchestrator in one binary",
		Long: `Nauta runs a Kubernetes-compatible cluster from one binary.

  nauta server     run the control plane (API server on etcd)
  nauta kubectl    the kubectl command line, pointed at the local cluster
  nauta version    print version information
  nauta bench      measure a cluster`,
		SilenceUsage:  true,
		SilenceErrors: false,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)
			}
			logLevelFrom(cmd.Context()).Set(level)
			return nil
		},
	}
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "lowest level logged: debug, info, warn or error")
	root.AddCommand(
		newServerCommand(),
		newAgentCommand(),
		newImagesCommand(),
		newKubectlCommand(),
		newVersionCommand(),
		newBenchCommand(),
	)
	root.SetContext(ctx)
	return root
}

// invokedAs is the name the binary was started under, without directory.
func invokedAs() string {
	return filepath.Base(os.Args[0])
}
