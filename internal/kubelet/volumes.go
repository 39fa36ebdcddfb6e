package kubelet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// volumeDir is where a pod volume lives on the host, upstream's layout.
func (k *Kubelet) volumeDir(pod *v1.Pod, plugin, name string) string {
	return filepath.Join(k.podDir(pod.UID), "volumes", "kubernetes.io~"+plugin, name)
}

// setupVolumes prepares emptyDir, hostPath, configMap, secret, projected
// and downwardAPI volumes.
// Other volume types are not supported yet and are left unmounted.
func (k *Kubelet) setupVolumes(ctx context.Context, pod *v1.Pod) error {
	for _, vol := range pod.Spec.Volumes {
		switch {
		case vol.EmptyDir != nil:
			if err := os.MkdirAll(k.volumeDir(pod, "empty-dir", vol.Name), 0o777); err != nil {
				return err
			}
		case vol.HostPath != nil:
			t := v1.HostPathUnset
			if vol.HostPath.Type != nil {
				t = *vol.HostPath.Type
			}
			if t == v1.HostPathDirectoryOrCreate {
				if err := os.MkdirAll(vol.HostPath.Path, 0o755); err != nil {
					return err
				}
			}
		case vol.ConfigMap != nil:
			cm, err := k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, vol.ConfigMap.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional(vol.ConfigMap.Optional) {
				cm, err = &v1.ConfigMap{}, nil
			}
			if err != nil {
				return fmt.Errorf("configmap volume %q: %w", vol.Name, err)
			}
			data := map[string][]byte{}
			for key, v := range cm.Data {
				data[key] = []byte(v)
			}
			for key, v := range cm.BinaryData {
				data[key] = v
			}
			if err := writeVolumeFiles(k.volumeDir(pod, "configmap", vol.Name), data, vol.ConfigMap.Items); err != nil {
				return err
			}
		case vol.Projected != nil:
			files, err := k.projectedFiles(ctx, pod, vol.Projected)
			if err != nil {
				return fmt.Errorf("projected volume %q: %w", vol.Name, err)
			}
			if err := writeVolumeFiles(k.volumeDir(pod, "projected", vol.Name), files, nil); err != nil {
				return err
			}
		case vol.DownwardAPI != nil:
			files := map[string][]byte{}
			if err := k.downwardFiles(files, pod, vol.DownwardAPI.Items); err != nil {
				return fmt.Errorf("downwardAPI volume %q: %w", vol.Name, err)
			}
			if err := writeVolumeFiles(k.volumeDir(pod, "downward-api", vol.Name), files, nil); err != nil {
				return err
			}
		case vol.Secret != nil:
			s, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, vol.Secret.SecretName, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional(vol.Secret.Optional) {
				s, err = &v1.Secret{}, nil
			}
			if err != nil {
				return fmt.Errorf("secret volume %q: %w", vol.Name, err)
			}
			if err := writeVolumeFiles(k.volumeDir(pod, "secret", vol.Name), s.Data, vol.Secret.Items); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeVolumeFiles writes data (or only items) as files under dir.
func writeVolumeFiles(dir string, data map[string][]byte, items []v1.KeyToPath) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{}
	if len(items) == 0 {
		for key, v := range data {
			files[key] = v
		}
	}
	for _, it := range items {
		if v, ok := data[it.Key]; ok {
			files[it.Path] = v
		}
	}
	for p, v := range files {
		if strings.Contains(p, "..") {
			continue
		}
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, v, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// containerMounts maps c's volumeMounts to host paths.
func (k *Kubelet) containerMounts(pod *v1.Pod, c *v1.Container) ([]*runtimeapi.Mount, error) {
	vols := map[string]v1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	var out []*runtimeapi.Mount
	for _, m := range c.VolumeMounts {
		vol, ok := vols[m.Name]
		if !ok {
			return nil, fmt.Errorf("volume %q not found", m.Name)
		}
		var host string
		switch {
		case vol.EmptyDir != nil:
			host = k.volumeDir(pod, "empty-dir", vol.Name)
		case vol.HostPath != nil:
			host = vol.HostPath.Path
		case vol.ConfigMap != nil:
			host = k.volumeDir(pod, "configmap", vol.Name)
		case vol.Secret != nil:
			host = k.volumeDir(pod, "secret", vol.Name)
		case vol.Projected != nil:
			host = k.volumeDir(pod, "projected", vol.Name)
		case vol.DownwardAPI != nil:
			host = k.volumeDir(pod, "downward-api", vol.Name)
		default:
			continue // unsupported volume type: not mounted
		}
		if m.SubPath != "" {
			host = filepath.Join(host, filepath.Clean("/"+m.SubPath))
		}
		out = append(out, &runtimeapi.Mount{
			ContainerPath: m.MountPath,
			HostPath:      host,
			Readonly:      m.ReadOnly,
		})
	}
	return out, nil
}
