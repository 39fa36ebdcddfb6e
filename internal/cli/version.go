package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nauta/nauta/internal/version"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the Nauta version, the Kubernetes API version it serves and build details",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			info := version.Get()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Nauta Version: %s\n", version.Nauta())
			fmt.Fprintf(out, "Kubernetes Version: %s\n", info.GitVersion)
			fmt.Fprintf(out, "Git Commit: %s\n", orUnknown(info.GitCommit))
			fmt.Fprintf(out, "Build Date: %s\n", info.BuildDate)
			fmt.Fprintf(out, "Go Version: %s\n", info.GoVersion)
			fmt.Fprintf(out, "Platform: %s\n", info.Platform)
		},
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
