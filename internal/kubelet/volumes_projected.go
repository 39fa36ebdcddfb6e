package kubelet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// projectedFiles gathers the files of a projected volume: configMap,
// secret and downwardAPI sources, and a service account token when the API
// server serves TokenRequest (without it the token file is left out). A
// token already in dir is reused until 80% of its lifetime passed, as
// upstream refreshes it.
func (k *Kubelet) projectedFiles(ctx context.Context, pod *v1.Pod, vol *v1.ProjectedVolumeSource, dir string) (map[string]volumeFile, error) {
	files := map[string]volumeFile{}
	mode := fileMode(vol.DefaultMode)
	for _, src := range vol.Sources {
		switch {
		case src.ConfigMap != nil:
			cm, err := k.configMap(ctx, pod.Namespace, src.ConfigMap.Name)
			if apierrors.IsNotFound(err) && optional(src.ConfigMap.Optional) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("configmap %q: %w", src.ConfigMap.Name, err)
			}
			if err := pickFiles(files, configMapData(cm), src.ConfigMap.Items, mode, optional(src.ConfigMap.Optional), "configmap"); err != nil {
				return nil, err
			}
		case src.Secret != nil:
			s, err := k.secret(ctx, pod.Namespace, src.Secret.Name)
			if apierrors.IsNotFound(err) && optional(src.Secret.Optional) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("secret %q: %w", src.Secret.Name, err)
			}
			if err := pickFiles(files, s.Data, src.Secret.Items, mode, optional(src.Secret.Optional), "secret"); err != nil {
				return nil, err
			}
		case src.DownwardAPI != nil:
			if err := k.downwardFiles(files, pod, src.DownwardAPI.Items, mode); err != nil {
				return nil, err
			}
		case src.ServiceAccountToken != nil:
			expiry := int64(3600)
			if e := src.ServiceAccountToken.ExpirationSeconds; e != nil {
				expiry = *e
			}
			existing := filepath.Join(dir, dataDirName, filepath.Clean("/"+src.ServiceAccountToken.Path))
			if info, err := os.Stat(existing); err == nil && time.Since(info.ModTime()) < time.Duration(expiry)*time.Second*8/10 {
				if b, err := os.ReadFile(existing); err == nil && len(b) > 0 {
					files[src.ServiceAccountToken.Path] = volumeFile{data: b, mode: mode}
					continue
				}
			}
			tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
				ExpirationSeconds: &expiry,
				BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
			}}
			if a := src.ServiceAccountToken.Audience; a != "" {
				tr.Spec.Audiences = []string{a}
			}
			sa := pod.Spec.ServiceAccountName
			if sa == "" {
				sa = "default"
			}
			resp, err := k.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, tr, metav1.CreateOptions{})
			if err != nil {
				k.log.Debug("no service account token for the projected volume", "pod", pod.Namespace+"/"+pod.Name, "err", err)
				continue
			}
			files[src.ServiceAccountToken.Path] = volumeFile{data: []byte(resp.Status.Token), mode: mode}
		}
	}
	return files, nil
}

// downwardFiles renders downward API items: single fields as their value,
// labels and annotations as sorted key="value" lines.
func (k *Kubelet) downwardFiles(files map[string]volumeFile, pod *v1.Pod, items []v1.DownwardAPIVolumeFile, mode os.FileMode) error {
	for _, it := range items {
		var value string
		switch {
		case it.FieldRef != nil:
			switch it.FieldRef.FieldPath {
			case "metadata.labels":
				value = formatMap(pod.Labels)
			case "metadata.annotations":
				value = formatMap(pod.Annotations)
			default:
				v, err := k.podField(pod, it.FieldRef.FieldPath, nil)
				if err != nil {
					return err
				}
				value = v
			}
		case it.ResourceFieldRef != nil:
			c := &v1.Container{}
			if len(pod.Spec.Containers) > 0 {
				c = &pod.Spec.Containers[0]
			}
			v, err := k.resourceField(pod, c, it.ResourceFieldRef)
			if err != nil {
				return err
			}
			value = v
		}
		m := mode
		if it.Mode != nil {
			m = fileMode(it.Mode)
		}
		files[it.Path] = volumeFile{data: []byte(value), mode: m}
	}
	return nil
}

func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	lines := make([]string, 0, len(keys))
	for _, key := range keys {
		lines = append(lines, key+"="+strconv.Quote(m[key]))
	}
	return strings.Join(lines, "\n")
}
