// Package nautabin finds the nauta binary for tests that run it as a
// process: NAUTA_BIN when `make test` set it, otherwise `make build` at the
// module root (the Makefile holds the version link flags). It is test
// support only.
package nautabin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Path returns an absolute path to a nauta binary, running `make build`
// when NAUTA_BIN is unset.
func Path() (string, error) {
	if bin := os.Getenv("NAUTA_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("NAUTA_BIN=%s: %w", bin, err)
		}
		return abs, nil
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	build := exec.Command("make", "-C", root, "build")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("make build (set NAUTA_BIN to use a built binary): %w", err)
	}
	return filepath.Join(root, "bin", "nauta"), nil
}
