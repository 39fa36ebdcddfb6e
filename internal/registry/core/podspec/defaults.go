package podspec

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Default values the upstream API server fills in.
const (
	DefaultTerminationGracePeriodSeconds int64 = 30
	DefaultSchedulerName                       = "default-scheduler"
	DefaultTerminationMessagePath              = "/dev/termination-log"
	// DefaultVolumeMode is the file mode (0644) of configMap, secret,
	// downwardAPI and projected volume files.
	DefaultVolumeMode int32 = 0o644
	// DefaultTokenExpirationSeconds is the lifetime of a projected service
	// account token when none is asked for.
	DefaultTokenExpirationSeconds int64 = 3600
)

// DefaultPodTemplateSpec fills the defaults of a pod template (the pod spec
// inside a controller). Unlike DefaultPod it does not copy limits into
// requests: upstream does that for pods only.
func DefaultPodTemplateSpec(t *corev1.PodTemplateSpec) {
	if t == nil {
		return
	}
	DefaultPodSpec(&t.Spec)
}

// DefaultPod fills the defaults of a pod: the spec defaults plus requests
// copied from limits where only limits are given.
func DefaultPod(pod *corev1.Pod) {
	if pod == nil {
		return
	}
	DefaultPodSpec(&pod.Spec)
	for i := range pod.Spec.Containers {
		DefaultRequestsFromLimits(&pod.Spec.Containers[i].Resources)
	}
	for i := range pod.Spec.InitContainers {
		DefaultRequestsFromLimits(&pod.Spec.InitContainers[i].Resources)
	}
	if pod.Spec.Resources != nil {
		DefaultRequestsFromLimits(pod.Spec.Resources)
	}
}

// DefaultPodSpec fills the pod spec defaults: restart and DNS policy, grace
// period, scheduler, security context, service links, and the defaults of
// every container, volume and probe inside.
func DefaultPodSpec(spec *corev1.PodSpec) {
	if spec == nil {
		return
	}
	if spec.DNSPolicy == "" {
		spec.DNSPolicy = corev1.DNSClusterFirst
	}
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = corev1.RestartPolicyAlways
	}
	if spec.SecurityContext == nil {
		spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	if spec.TerminationGracePeriodSeconds == nil {
		p := DefaultTerminationGracePeriodSeconds
		spec.TerminationGracePeriodSeconds = &p
	}
	if spec.SchedulerName == "" {
		spec.SchedulerName = DefaultSchedulerName
	}
	if spec.EnableServiceLinks == nil {
		t := true
		spec.EnableServiceLinks = &t
	}
	for i := range spec.Containers {
		DefaultContainer(&spec.Containers[i], spec.HostNetwork)
	}
	for i := range spec.InitContainers {
		DefaultContainer(&spec.InitContainers[i], spec.HostNetwork)
	}
	for i := range spec.EphemeralContainers {
		defaultEphemeralContainer(&spec.EphemeralContainers[i].EphemeralContainerCommon)
	}
	for i := range spec.Volumes {
		DefaultVolume(&spec.Volumes[i])
	}
	if spec.Resources != nil {
		defaultResourceList(spec.Resources.Limits)
		defaultResourceList(spec.Resources.Requests)
	}
}

// DefaultContainer fills a container's defaults: image pull policy from
// the image tag, termination message path and policy, port protocols (and
// host ports under hostNetwork), probe and env defaults.
func DefaultContainer(c *corev1.Container, hostNetwork bool) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = DefaultImagePullPolicy(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = DefaultTerminationMessagePath
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		p := &c.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if hostNetwork && p.HostPort == 0 {
			p.HostPort = p.ContainerPort
		}
	}
	defaultEnv(c.Env)
	defaultResourceList(c.Resources.Limits)
	defaultResourceList(c.Resources.Requests)
	DefaultProbe(c.LivenessProbe)
	DefaultProbe(c.ReadinessProbe)
	DefaultProbe(c.StartupProbe)
	defaultLifecycle(c.Lifecycle)
}

func defaultEphemeralContainer(c *corev1.EphemeralContainerCommon) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = DefaultImagePullPolicy(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = DefaultTerminationMessagePath
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	defaultEnv(c.Env)
	DefaultProbe(c.LivenessProbe)
	DefaultProbe(c.ReadinessProbe)
	DefaultProbe(c.StartupProbe)
	defaultLifecycle(c.Lifecycle)
}

// DefaultImagePullPolicy is Always for images tagged "latest" or not
// tagged at all (and not pinned by digest), IfNotPresent otherwise.
func DefaultImagePullPolicy(image string) corev1.PullPolicy {
	if imageTag(image) == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// imageTag returns the tag of an image reference, "latest" when it has
// neither tag nor digest, and "" when it is pinned by digest only or empty.
func imageTag(image string) string {
	if strings.TrimSpace(image) == "" {
		return ""
	}
	name, digest, hasDigest := strings.Cut(image, "@")
	_ = digest
	tag := ""
	if i := strings.LastIndex(name, ":"); i >= 0 && !strings.Contains(name[i+1:], "/") {
		tag = name[i+1:]
	}
	if tag == "" && !hasDigest {
		return "latest"
	}
	return tag
}

// DefaultProbe fills probe timing defaults and the httpGet path and scheme.
func DefaultProbe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	defaultHTTPGet(p.HTTPGet)
}

func defaultLifecycle(l *corev1.Lifecycle) {
	if l == nil {
		return
	}
	if l.PostStart != nil {
		defaultHTTPGet(l.PostStart.HTTPGet)
	}
	if l.PreStop != nil {
		defaultHTTPGet(l.PreStop.HTTPGet)
	}
}

func defaultHTTPGet(h *corev1.HTTPGetAction) {
	if h == nil {
		return
	}
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Scheme == "" {
		h.Scheme = corev1.URISchemeHTTP
	}
}

func defaultEnv(env []corev1.EnvVar) {
	for i := range env {
		if env[i].ValueFrom != nil {
			defaultFieldRef(env[i].ValueFrom.FieldRef)
		}
	}
}

func defaultFieldRef(f *corev1.ObjectFieldSelector) {
	if f != nil && f.APIVersion == "" {
		f.APIVersion = "v1"
	}
}

// DefaultRequestsFromLimits copies each limit without a matching request
// into the requests, as upstream does for pods.
func DefaultRequestsFromLimits(r *corev1.ResourceRequirements) {
	if len(r.Limits) == 0 {
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; !ok {
			r.Requests[name] = q.DeepCopy()
		}
	}
}

// defaultResourceList rounds quantities up to milli precision, which is all
// the API keeps.
func defaultResourceList(l corev1.ResourceList) {
	for name, q := range l {
		q.RoundUp(resource.Milli)
		l[name] = q
	}
}

// DefaultVolume makes a volume without a source an emptyDir and fills the
// per-source defaults (file modes, hostPath type, token expiry, ...).
func DefaultVolume(v *corev1.Volume) {
	if reflect.DeepEqual(v.VolumeSource, corev1.VolumeSource{}) {
		v.VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	}
	DefaultVolumeSource(&v.VolumeSource)
}

// DefaultVolumeSource fills the per-source defaults of a volume source.
func DefaultVolumeSource(s *corev1.VolumeSource) {
	if s.HostPath != nil && s.HostPath.Type == nil {
		t := corev1.HostPathUnset
		s.HostPath.Type = &t
	}
	if s.Secret != nil && s.Secret.DefaultMode == nil {
		s.Secret.DefaultMode = modePtr(DefaultVolumeMode)
	}
	if s.ConfigMap != nil && s.ConfigMap.DefaultMode == nil {
		s.ConfigMap.DefaultMode = modePtr(DefaultVolumeMode)
	}
	if s.DownwardAPI != nil {
		if s.DownwardAPI.DefaultMode == nil {
			s.DownwardAPI.DefaultMode = modePtr(DefaultVolumeMode)
		}
		for i := range s.DownwardAPI.Items {
			defaultFieldRef(s.DownwardAPI.Items[i].FieldRef)
		}
	}
	if s.Projected != nil {
		if s.Projected.DefaultMode == nil {
			s.Projected.DefaultMode = modePtr(DefaultVolumeMode)
		}
		for i := range s.Projected.Sources {
			src := &s.Projected.Sources[i]
			if src.ServiceAccountToken != nil && src.ServiceAccountToken.ExpirationSeconds == nil {
				e := DefaultTokenExpirationSeconds
				src.ServiceAccountToken.ExpirationSeconds = &e
			}
			if src.DownwardAPI != nil {
				for j := range src.DownwardAPI.Items {
					defaultFieldRef(src.DownwardAPI.Items[j].FieldRef)
				}
			}
		}
	}
	if s.ISCSI != nil && s.ISCSI.ISCSIInterface == "" {
		s.ISCSI.ISCSIInterface = "default"
	}
	if s.RBD != nil {
		if s.RBD.RBDPool == "" {
			s.RBD.RBDPool = "rbd"
		}
		if s.RBD.RadosUser == "" {
			s.RBD.RadosUser = "admin"
		}
		if s.RBD.Keyring == "" {
			s.RBD.Keyring = "/etc/ceph/keyring"
		}
	}
	if s.AzureDisk != nil {
		if s.AzureDisk.CachingMode == nil {
			m := corev1.AzureDataDiskCachingReadWrite
			s.AzureDisk.CachingMode = &m
		}
		if s.AzureDisk.Kind == nil {
			k := corev1.AzureSharedBlobDisk
			s.AzureDisk.Kind = &k
		}
		if s.AzureDisk.FSType == nil {
			fs := "ext4"
			s.AzureDisk.FSType = &fs
		}
		if s.AzureDisk.ReadOnly == nil {
			ro := false
			s.AzureDisk.ReadOnly = &ro
		}
	}
	if s.ScaleIO != nil {
		if s.ScaleIO.StorageMode == "" {
			s.ScaleIO.StorageMode = "ThinProvisioned"
		}
		if s.ScaleIO.FSType == "" {
			s.ScaleIO.FSType = "xfs"
		}
	}
	if s.Image != nil && s.Image.PullPolicy == "" {
		s.Image.PullPolicy = DefaultImagePullPolicy(s.Image.Reference)
	}
	if s.Ephemeral != nil && s.Ephemeral.VolumeClaimTemplate != nil {
		if s.Ephemeral.VolumeClaimTemplate.Spec.VolumeMode == nil {
			m := corev1.PersistentVolumeFilesystem
			s.Ephemeral.VolumeClaimTemplate.Spec.VolumeMode = &m
		}
	}
}

func modePtr(m int32) *int32 { return &m }
