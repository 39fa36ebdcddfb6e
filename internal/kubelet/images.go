package kubelet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// localImagePrefix names images that exist only on the node.
const localImagePrefix = "nauta.local/"

// ensureImage makes c's image present as its pull policy says and returns
// the runtime's image reference.
func (k *Kubelet) ensureImage(ctx context.Context, pod *v1.Pod, c *v1.Container) (string, error) {
	spec := &runtimeapi.ImageSpec{Image: c.Image, UserSpecifiedImage: c.Image}
	policy := c.ImagePullPolicy
	if policy == "" {
		policy = v1.PullIfNotPresent
	}
	// Images of the node-local registry name are built and imported by the
	// agent and can never be pulled: the API defaults ":latest" to Always,
	// which would make them unusable.
	if policy == v1.PullAlways && strings.HasPrefix(c.Image, localImagePrefix) {
		policy = v1.PullIfNotPresent
	}
	if policy != v1.PullAlways {
		st, err := k.images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: spec})
		if err != nil {
			return "", &errWaiting{reason: reasonErrImagePull, message: err.Error()}
		}
		if st.Image != nil {
			return st.Image.Id, nil
		}
		if policy == v1.PullNever {
			k.event(pod, v1.EventTypeWarning, eventErrImageNeverPull,
				"Container image %q is not present with pull policy of Never", c.Image)
			return "", &errWaiting{reason: reasonErrImageNeverPull,
				message: fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)}
		}
	}
	key := string(pod.UID) + "/image/" + c.Image
	now := time.Now()
	if k.pullBackoff.wait(key, now) > 0 {
		k.event(pod, v1.EventTypeNormal, eventBackOff, "Back-off pulling image %q", c.Image)
		return "", &errWaiting{reason: reasonImagePullBackOff, message: fmt.Sprintf("Back-off pulling image %q", c.Image)}
	}
	k.event(pod, v1.EventTypeNormal, eventPulling, "Pulling image %q", c.Image)
	ref, err := k.pullImage(ctx, pod, spec)
	if err != nil {
		k.pullBackoff.next(key, now, 0)
		k.event(pod, v1.EventTypeWarning, eventFailed, "Failed to pull image %q: %v", c.Image, err)
		return "", &errWaiting{reason: reasonErrImagePull,
			message: fmt.Sprintf("Failed to pull image %q: %v", c.Image, err)}
	}
	k.event(pod, v1.EventTypeNormal, eventPulled, "Successfully pulled image %q in %s", c.Image, time.Since(now).Round(time.Millisecond))
	return ref, nil
}

// pullImage pulls spec with each matching imagePullSecret credential in
// turn until one works, or anonymously when none matches.
func (k *Kubelet) pullImage(ctx context.Context, pod *v1.Pod, spec *runtimeapi.ImageSpec) (string, error) {
	creds := k.pullCredentials(ctx, pod, spec.Image)
	if len(creds) == 0 {
		creds = []registryCredential{{}}
	}
	var errs []error
	for _, c := range creds {
		resp, err := k.images.PullImage(ctx, &runtimeapi.PullImageRequest{
			Image: spec, Auth: c.auth, SandboxConfig: k.sandboxConfig(pod, 0),
		})
		if err == nil {
			return resp.ImageRef, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}
