package kubelet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// eventFailedToRetrievePullSecret is upstream's event when an
// imagePullSecret cannot be read.
const eventFailedToRetrievePullSecret = "FailedToRetrieveImagePullSecret"

// dockerConfigEntry is one registry's credentials in a docker config.
type dockerConfigEntry struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Auth     string `json:"auth"`
}

// registryCredential is a docker config key with its credentials.
type registryCredential struct {
	key  string
	auth *runtimeapi.AuthConfig
}

// dockerConfigEntries reads a kubernetes.io/dockerconfigjson or
// kubernetes.io/dockercfg Secret.
func dockerConfigEntries(s *v1.Secret) (map[string]dockerConfigEntry, error) {
	if b, ok := s.Data[v1.DockerConfigJsonKey]; ok {
		var cfg struct {
			Auths map[string]dockerConfigEntry `json:"auths"`
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			return nil, fmt.Errorf("secret %s: %s: %w", s.Name, v1.DockerConfigJsonKey, err)
		}
		return cfg.Auths, nil
	}
	if b, ok := s.Data[v1.DockerConfigKey]; ok {
		var entries map[string]dockerConfigEntry
		if err := json.Unmarshal(b, &entries); err != nil {
			return nil, fmt.Errorf("secret %s: %s: %w", s.Name, v1.DockerConfigKey, err)
		}
		return entries, nil
	}
	return nil, nil
}

// authConfig turns an entry into CRI credentials; "auth" is base64
// "user:password" when the fields are not given.
func (e dockerConfigEntry) authConfig() *runtimeapi.AuthConfig {
	user, pass := e.Username, e.Password
	if user == "" && pass == "" && e.Auth != "" {
		if b, err := base64.StdEncoding.DecodeString(e.Auth); err == nil {
			user, pass, _ = strings.Cut(string(b), ":")
		}
	}
	return &runtimeapi.AuthConfig{Username: user, Password: pass}
}

// imageRegistryPath splits an image reference into its registry host and
// repository path, normalized as the docker CLI does ("busybox" is
// docker.io/library/busybox).
func imageRegistryPath(image string) (host, repo string) {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	first, rest, found := strings.Cut(image, "/")
	if !found || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		host, repo = "docker.io", image
		if !strings.Contains(image, "/") {
			repo = "library/" + image
		}
	} else {
		host, repo = first, rest
	}
	if i := strings.LastIndex(repo, ":"); i >= 0 && !strings.Contains(repo[i:], "/") {
		repo = repo[:i]
	}
	return normalizeRegistryHost(host), repo
}

func normalizeRegistryHost(h string) string {
	switch h {
	case "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return h
}

// keyMatches tells whether a docker config key ("registry.example.com",
// "https://index.docker.io/v1/", "*.example.com/team") covers the image's
// host and repository: hosts match with globs per dot-separated label,
// and the key's path is a prefix of the repository.
func keyMatches(key, host, repo string) bool {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	keyHost, keyPath, _ := strings.Cut(key, "/")
	keyHost = normalizeRegistryHost(keyHost)
	// As the docker client, a "/v1/" or "/v2/" path means the host.
	for _, api := range []string{"v1/", "v2/"} {
		if strings.HasPrefix(keyPath, api) {
			keyPath = keyPath[len(api):]
		}
	}
	keyPath = strings.Trim(keyPath, "/")
	kl, hl := strings.Split(keyHost, "."), strings.Split(host, ".")
	if len(kl) != len(hl) {
		return false
	}
	for i := range kl {
		if ok, err := path.Match(kl[i], hl[i]); err != nil || !ok {
			return false
		}
	}
	return keyPath == "" || repo == keyPath || strings.HasPrefix(repo, keyPath+"/")
}

// pullCredentials lists the credentials of the pod's imagePullSecrets that
// cover image, the most specific key first. Secrets that cannot be read
// are reported in an event and skipped, as upstream does.
func (k *Kubelet) pullCredentials(ctx context.Context, pod *v1.Pod, image string) []registryCredential {
	host, repo := imageRegistryPath(image)
	var creds []registryCredential
	var missing []string
	for _, ref := range pod.Spec.ImagePullSecrets {
		s, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			missing = append(missing, fmt.Sprintf("%q", pod.Namespace+"/"+ref.Name))
			continue
		}
		entries, err := dockerConfigEntries(s)
		if err != nil {
			k.log.Info("unreadable image pull secret", "pod", podKey(pod), "secret", ref.Name, "err", err)
			continue
		}
		for key, e := range entries {
			if keyMatches(key, host, repo) {
				creds = append(creds, registryCredential{key: key, auth: e.authConfig()})
			}
		}
	}
	if len(missing) > 0 {
		k.event(pod, v1.EventTypeWarning, eventFailedToRetrievePullSecret,
			"Unable to retrieve some image pull secrets (%s); attempting to pull the image may not succeed.", strings.Join(missing, ", "))
	}
	sort.SliceStable(creds, func(i, j int) bool { return len(creds[i].key) > len(creds[j].key) })
	return creds
}
