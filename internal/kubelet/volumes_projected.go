package kubelet

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// projectedFiles gathers the files of a projected volume: configMap,
// secret and downwardAPI sources, and a service account token when the API
// server serves TokenRequest (without it the token file is left out).
func (k *Kubelet) projectedFiles(ctx context.Context, pod *v1.Pod, vol *v1.ProjectedVolumeSource) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, src := range vol.Sources {
		switch {
		case src.ConfigMap != nil:
			cm, err := k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, src.ConfigMap.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional(src.ConfigMap.Optional) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("configmap %q: %w", src.ConfigMap.Name, err)
			}
			data := map[string][]byte{}
			for key, v := range cm.Data {
				data[key] = []byte(v)
			}
			for key, v := range cm.BinaryData {
				data[key] = v
			}
			pick(files, data, src.ConfigMap.Items)
		case src.Secret != nil:
			s, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, src.Secret.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional(src.Secret.Optional) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("secret %q: %w", src.Secret.Name, err)
			}
			pick(files, s.Data, src.Secret.Items)
		case src.DownwardAPI != nil:
			if err := k.downwardFiles(files, pod, src.DownwardAPI.Items); err != nil {
				return nil, err
			}
		case src.ServiceAccountToken != nil:
			tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
				Audiences:         nil,
				ExpirationSeconds: src.ServiceAccountToken.ExpirationSeconds,
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
			files[src.ServiceAccountToken.Path] = []byte(resp.Status.Token)
		}
	}
	return files, nil
}

func pick(files, data map[string][]byte, items []v1.KeyToPath) {
	if len(items) == 0 {
		for key, v := range data {
			files[key] = v
		}
		return
	}
	for _, it := range items {
		if v, ok := data[it.Key]; ok {
			files[it.Path] = v
		}
	}
}

// downwardFiles renders downward API items: single fields as their value,
// labels and annotations as sorted key="value" lines.
func (k *Kubelet) downwardFiles(files map[string][]byte, pod *v1.Pod, items []v1.DownwardAPIVolumeFile) error {
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
		files[it.Path] = []byte(value)
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
