package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/nauta/nauta/internal/agent/containerd"
	"github.com/nauta/nauta/internal/agent/images"
	"github.com/nauta/nauta/internal/server"
)

func newImagesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "images",
		Short: "Manage the images of this node's container runtime",
	}
	cmd.AddCommand(newImagesImportCommand())
	return cmd
}

func newImagesImportCommand() *cobra.Command {
	var dataDir, address string
	cmd := &cobra.Command{
		Use:   "import FILE.tar [FILE.tar ...]",
		Short: "Import OCI-layout or docker-archive image tarballs into the node's containerd",
		Long: `Import image tarballs (OCI image layout or docker save archives) into the
containerd the agent runs, in the namespace the kubelet uses, so pods can
use them without a registry. Tarballs copied into DATA_DIR/agent/images are
imported automatically when the agent starts.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if address == "" {
				address = containerd.SocketPath(filepath.Join(dataDir, "agent"))
			}
			if _, err := os.Stat(address); err != nil {
				return fmt.Errorf("no containerd at %s (is the agent running? --data-dir and --address choose it): %w", address, err)
			}
			var errs []error
			for _, file := range args {
				if err := images.Import(cmd.Context(), address, file); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", file, err))
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "imported %s\n", file)
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", server.DefaultDataDir, "data directory of the node (its containerd is under DATA_DIR/agent)")
	cmd.Flags().StringVar(&address, "address", "", "containerd socket (default: the agent's, from --data-dir)")
	return cmd
}
