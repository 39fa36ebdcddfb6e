package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// defaultVolumeFileMode is the API's default for defaultMode.
const defaultVolumeFileMode = 0o644

// volumeDir is where a pod volume lives on the host, upstream's layout.
func (k *Kubelet) volumeDir(pod *v1.Pod, plugin, name string) string {
	return filepath.Join(k.podDir(pod.UID), "volumes", "kubernetes.io~"+plugin, name)
}

// setupVolumes prepares emptyDir, hostPath, configMap, secret, projected
// and downwardAPI volumes before the sandbox starts.
// Other volume types are not supported yet and are left unmounted.
func (k *Kubelet) setupVolumes(ctx context.Context, pod *v1.Pod) error {
	for _, vol := range pod.Spec.Volumes {
		switch {
		case vol.EmptyDir != nil:
			if err := k.setupEmptyDir(pod, vol); err != nil {
				return &errVolumeSetup{vol.Name, err}
			}
		case vol.HostPath != nil:
			if err := checkHostPath(vol.HostPath); err != nil {
				return &errVolumeSetup{vol.Name, err}
			}
		default:
			plugin, files, err := k.volumePayload(ctx, pod, vol)
			if err != nil {
				return &errVolumeSetup{vol.Name, err}
			}
			if plugin == "" {
				continue
			}
			if _, err := writeAtomic(k.volumeDir(pod, plugin, vol.Name), files, time.Now()); err != nil {
				return &errVolumeSetup{vol.Name, err}
			}
		}
	}
	return nil
}

// updateVolumes rewrites the configMap, secret, projected and downwardAPI
// volumes of a running pod whose content changed. A failure leaves the
// last content in place, as upstream does.
func (k *Kubelet) updateVolumes(ctx context.Context, w *podWorker, pod *v1.Pod, log *slog.Logger) {
	for _, vol := range pod.Spec.Volumes {
		if vol.ConfigMap == nil && vol.Secret == nil && vol.Projected == nil && vol.DownwardAPI == nil {
			continue
		}
		plugin, files, err := k.volumePayload(ctx, pod, vol)
		if err != nil {
			if w.volumeErrs[vol.Name] != err.Error() {
				log.Info("volume not updated", "volume", vol.Name, "err", err)
			}
			w.volumeErrs[vol.Name] = err.Error()
			continue
		}
		delete(w.volumeErrs, vol.Name)
		digest := payloadDigest(files)
		if w.volumeDigests[vol.Name] == digest {
			continue
		}
		changed, err := writeAtomic(k.volumeDir(pod, plugin, vol.Name), files, time.Now())
		if err != nil {
			log.Warn("writing a volume failed", "volume", vol.Name, "err", err)
			continue
		}
		if changed {
			log.Info("volume updated", "volume", vol.Name)
		}
		w.volumeDigests[vol.Name] = digest
	}
}

// volumePayload computes the files of a configMap, secret, projected or
// downwardAPI volume with the plugin directory they go to; plugin is empty
// for other volume types.
func (k *Kubelet) volumePayload(ctx context.Context, pod *v1.Pod, vol v1.Volume) (string, map[string]volumeFile, error) {
	switch {
	case vol.ConfigMap != nil:
		src := vol.ConfigMap
		files := map[string]volumeFile{}
		cm, err := k.configMap(ctx, pod.Namespace, src.Name)
		if apierrors.IsNotFound(err) && optional(src.Optional) {
			return "configmap", files, nil
		}
		if err != nil {
			return "", nil, fmt.Errorf("configmap volume %q: %w", vol.Name, err)
		}
		err = pickFiles(files, configMapData(cm), src.Items, fileMode(src.DefaultMode), optional(src.Optional), "configmap")
		return "configmap", files, err
	case vol.Secret != nil:
		src := vol.Secret
		files := map[string]volumeFile{}
		s, err := k.secret(ctx, pod.Namespace, src.SecretName)
		if apierrors.IsNotFound(err) && optional(src.Optional) {
			return "secret", files, nil
		}
		if err != nil {
			return "", nil, fmt.Errorf("secret volume %q: %w", vol.Name, err)
		}
		err = pickFiles(files, s.Data, src.Items, fileMode(src.DefaultMode), optional(src.Optional), "secret")
		return "secret", files, err
	case vol.Projected != nil:
		files, err := k.projectedFiles(ctx, pod, vol.Projected, k.volumeDir(pod, "projected", vol.Name))
		if err != nil {
			return "", nil, fmt.Errorf("projected volume %q: %w", vol.Name, err)
		}
		return "projected", files, nil
	case vol.DownwardAPI != nil:
		files := map[string]volumeFile{}
		if err := k.downwardFiles(files, pod, vol.DownwardAPI.Items, fileMode(vol.DownwardAPI.DefaultMode)); err != nil {
			return "", nil, fmt.Errorf("downwardAPI volume %q: %w", vol.Name, err)
		}
		return "downward-api", files, nil
	}
	return "", nil, nil
}

func configMapData(cm *v1.ConfigMap) map[string][]byte {
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for key, v := range cm.Data {
		data[key] = []byte(v)
	}
	for key, v := range cm.BinaryData {
		data[key] = v
	}
	return data
}

// fileMode is a defaultMode or item mode, 0644 when unset.
func fileMode(m *int32) os.FileMode {
	if m == nil {
		return defaultVolumeFileMode
	}
	return os.FileMode(*m) & os.ModePerm
}

// pickFiles adds data (or only items) to files. A missing item key is an
// error unless the source is optional, with upstream's message.
func pickFiles(files map[string]volumeFile, data map[string][]byte, items []v1.KeyToPath, mode os.FileMode, optional bool, kind string) error {
	if len(items) == 0 {
		for key, v := range data {
			files[key] = volumeFile{data: v, mode: mode}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return fmt.Errorf("%s references non-existent %s key: %s", kind, kind, it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = fileMode(it.Mode)
		}
		files[it.Path] = volumeFile{data: v, mode: m}
	}
	return nil
}

// containerMounts maps c's volumeMounts to host paths. A subPath is
// resolved now, symlinks included, so it is bound to the file as it is
// (subPath mounts do not follow volume updates, as upstream) and cannot
// point out of its volume.
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
			p, err := resolveSubPath(host, m.SubPath)
			if err != nil {
				return nil, err
			}
			host = p
		}
		out = append(out, &runtimeapi.Mount{
			ContainerPath: m.MountPath,
			HostPath:      host,
			Readonly:      m.ReadOnly,
		})
	}
	return out, nil
}

// resolveSubPath is base/subPath with symlinks resolved, which must stay
// inside base. A missing path is created as a directory, as upstream does.
func resolveSubPath(base, subPath string) (string, error) {
	p := filepath.Join(base, filepath.Clean("/"+subPath))
	if _, err := os.Lstat(p); os.IsNotExist(err) {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return "", fmt.Errorf("subPath %q: %w", subPath, err)
		}
	}
	realBase, err := filepath.EvalSymlinks(base)
	if err != nil {
		return "", fmt.Errorf("subPath %q: %w", subPath, err)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("subPath %q: %w", subPath, err)
	}
	if real != realBase && !strings.HasPrefix(real, realBase+string(filepath.Separator)) {
		return "", fmt.Errorf("subPath %q points outside the volume", subPath)
	}
	return real, nil
}
