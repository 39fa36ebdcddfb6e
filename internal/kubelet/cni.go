package kubelet

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// CNI network written for the runtime: one bridge with host-local IPAM over
// the node's pod CIDR, host ports through portmap, and loopback.
const (
	cniNetworkName = "nauta"
	cniConfFile    = "10-nauta.conflist"
)

// cniConfList renders the conflist for podCIDR on bridge.
func cniConfList(podCIDR, bridge string) ([]byte, error) {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       cniNetworkName,
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      bridge,
				"isGateway":   true,
				"ipMasq":      true,
				"hairpinMode": true,
				"ipam": map[string]any{
					"type":   "host-local",
					"ranges": []any{[]any{map[string]any{"subnet": podCIDR}}},
					"routes": []any{map[string]any{"dst": "0.0.0.0/0"}},
				},
			},
			map[string]any{
				"type":         "portmap",
				"capabilities": map[string]bool{"portMappings": true},
			},
			map[string]any{"type": "loopback"},
		},
	}
	return json.MarshalIndent(conf, "", "  ")
}

// writeCNIConfig writes the conflist atomically into dir.
func writeCNIConfig(dir, podCIDR, bridge string) error {
	b, err := cniConfList(podCIDR, bridge)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cni conf dir: %w", err)
	}
	path := filepath.Join(dir, cniConfFile)
	if old, err := os.ReadFile(path); err == nil && string(old) == string(b) {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("cni conf: %w", err)
	}
	return os.Rename(tmp, path)
}
