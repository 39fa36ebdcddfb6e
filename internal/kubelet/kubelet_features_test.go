package kubelet

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/agent/images"
	"github.com/nauta/nauta/internal/agent/images/imagestest"
	"github.com/nauta/nauta/internal/agent/kubeletapi/kubeletapitest"
)

// The private registry of the imagePullSecrets test: a host that does not
// exist, reached only through containerd's mirror configuration.
const (
	privateRegistryHost = "registry.nauta.test"
	privateImage        = privateRegistryHost + "/private/busybox:v1"
	registryUser        = "puller"
	registryPassword    = "pa55word"
	testClusterDNS      = "10.43.0.10"
)

func TestKubeletPodFeatures(t *testing.T) {
	kubeletapitest.RequireRuntime(t)
	backend := imagestest.NewRegistry(t)
	registry := newAuthRegistry(t, backend)
	spec, err := images.BusyboxImageSpec(privateImage)
	if err != nil {
		t.Fatal(err)
	}
	// A file of its own gives the image a layer the node does not have.
	spec.Files = append(spec.Files, images.File{Path: "/etc/private", Mode: 0o644, Data: []byte("private\n")})
	tarball := filepath.Join(t.TempDir(), "private.tar")
	if err := images.Write(tarball, spec); err != nil {
		t.Fatal(err)
	}
	backend.Push(t, "private/busybox:v1", tarball)

	hostFiles := t.TempDir()
	resolvConf := filepath.Join(hostFiles, "resolv.conf")
	if err := os.WriteFile(resolvConf, []byte("nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hostsFile := filepath.Join(hostFiles, "hosts")
	if err := os.WriteFile(hostsFile, []byte("127.0.0.1\tlocalhost\n192.0.2.7\tnode-host-entry\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := startEnvWith(t, envOptions{
		registryMirrors: map[string][]string{privateRegistryHost: {registry.server.URL}},
		configure: func(c *Config) {
			c.ClusterDNS = []string{testClusterDNS}
			c.ResolvConf = resolvConf
			c.HostsFile = hostsFile
		},
	})
	ctx := context.Background()
	e.waitNodeReady(t)

	t.Run("resolv.conf, hosts file and host name", func(t *testing.T) {
		script := "cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; hostname; cat /dev/termination-log >/dev/null"
		out := func(name string, mutate func(*v1.Pod)) []string {
			t.Helper()
			p := busyboxPod(name, v1.RestartPolicyNever, "("+script+") > /dev/termination-log")
			mutate(p)
			e.create(t, p)
			p = e.waitPod(t, name, time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
			term := terminatedMain(p)
			parts := strings.Split(term.Message, "---\n")
			if len(parts) != 3 {
				t.Fatalf("%s: output %q", name, term.Message)
			}
			return append(parts, p.Status.PodIP)
		}

		got := out("dns-cluster", func(p *v1.Pod) {
			p.Spec.Hostname = "web"
			p.Spec.Subdomain = "sub"
			p.Spec.HostAliases = []v1.HostAlias{{IP: "10.9.8.7", Hostnames: []string{"alias.one", "alias.two"}}}
			p.Spec.DNSConfig = &v1.PodDNSConfig{Options: []v1.PodDNSConfigOption{{Name: "timeout", Value: ptr.To("2")}}}
		})
		resolv, hosts, hostname, podIP := got[0], got[1], got[2], got[3]
		for _, want := range []string{"nameserver " + testClusterDNS + "\n",
			"search default.svc.cluster.local svc.cluster.local cluster.local corp.example\n"} {
			if !strings.Contains(resolv, want) {
				t.Errorf("resolv.conf lacks %q:\n%s", want, resolv)
			}
		}
		if !strings.Contains(resolv, "ndots:5") || !strings.Contains(resolv, "timeout:2") || strings.Contains(resolv, "192.0.2.53") {
			t.Errorf("resolv.conf:\n%s", resolv)
		}
		wantHosts := managedHosts([]string{podIP}, "web", "sub.default.svc.cluster.local",
			[]v1.HostAlias{{IP: "10.9.8.7", Hostnames: []string{"alias.one", "alias.two"}}})
		if hosts != string(wantHosts) {
			t.Errorf("hosts file:\n%s\nwant:\n%s", hosts, wantHosts)
		}
		if strings.TrimSpace(hostname) != "web" {
			t.Errorf("hostname %q", hostname)
		}

		got = out("dns-fqdn", func(p *v1.Pod) {
			p.Spec.Hostname = "db"
			p.Spec.Subdomain = "sub"
			p.Spec.SetHostnameAsFQDN = ptr.To(true)
		})
		if strings.TrimSpace(got[2]) != "db.sub.default.svc.cluster.local" {
			t.Errorf("FQDN host name %q", got[2])
		}

		got = out("dns-default", func(p *v1.Pod) { p.Spec.DNSPolicy = v1.DNSDefault })
		if !strings.Contains(got[0], "nameserver 192.0.2.53") || !strings.Contains(got[0], "search corp.example") ||
			strings.Contains(got[0], testClusterDNS) {
			t.Errorf("Default resolv.conf:\n%s", got[0])
		}

		got = out("dns-none", func(p *v1.Pod) {
			p.Spec.DNSPolicy = v1.DNSNone
			p.Spec.DNSConfig = &v1.PodDNSConfig{Nameservers: []string{"192.0.2.99"}, Searches: []string{"only.example"}}
		})
		if !strings.Contains(got[0], "nameserver 192.0.2.99") || !strings.Contains(got[0], "search only.example") ||
			strings.Contains(got[0], "ndots") || strings.Contains(got[0], "192.0.2.53") {
			t.Errorf("None resolv.conf:\n%s", got[0])
		}

		got = out("dns-hostnet", func(p *v1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.HostAliases = []v1.HostAlias{{IP: "10.9.8.6", Hostnames: []string{"hostnet.alias"}}}
		})
		if !strings.Contains(got[0], "nameserver 192.0.2.53") || strings.Contains(got[0], testClusterDNS) {
			t.Errorf("hostNetwork ClusterFirst resolv.conf:\n%s", got[0])
		}
		if want := string(hostNetworkHosts([]byte("127.0.0.1\tlocalhost\n192.0.2.7\tnode-host-entry\n"),
			[]v1.HostAlias{{IP: "10.9.8.6", Hostnames: []string{"hostnet.alias"}}})); got[1] != want {
			t.Errorf("hostNetwork hosts file:\n%s\nwant:\n%s", got[1], want)
		}

		got = out("dns-hostnet-cluster", func(p *v1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.DNSPolicy = v1.DNSClusterFirstWithHostNet
		})
		if !strings.Contains(got[0], "nameserver "+testClusterDNS) || !strings.Contains(got[0], "ndots:5") {
			t.Errorf("ClusterFirstWithHostNet resolv.conf:\n%s", got[0])
		}

		// A container mounting its own /etc/hosts keeps it.
		own := filepath.Join(t.TempDir(), "own-hosts")
		if err := os.WriteFile(own, []byte("192.0.2.1 mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got = out("dns-own-hosts", func(p *v1.Pod) {
			p.Spec.Volumes = []v1.Volume{{Name: "h", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: own}}}}
			p.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "h", MountPath: "/etc/hosts"}}
		})
		if got[1] != "192.0.2.1 mine\n" {
			t.Errorf("own hosts file:\n%s", got[1])
		}
	})

	t.Run("a pod reaches itself through its host port (hairpin)", func(t *testing.T) {
		p := busyboxPod("hairpin", v1.RestartPolicyNever,
			"mkdir -p /www && echo self > /www/index.html && httpd -p 8080 -h /www && sleep 1 && "+
				// busybox-static's wget crashes; nc speaks the HTTP.
				"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 $HOST_IP 18095 | tail -n 1 > /dev/termination-log")
		p.Spec.Containers[0].Ports = []v1.ContainerPort{{ContainerPort: 8080, HostPort: 18095}}
		p.Spec.Containers[0].Env = []v1.EnvVar{{Name: "HOST_IP", ValueFrom: &v1.EnvVarSource{
			FieldRef: &v1.ObjectFieldSelector{FieldPath: "status.hostIP"}}}}
		e.create(t, p)
		p = e.waitPod(t, "hairpin", time.Minute, "finished", func(p *v1.Pod) bool {
			return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed
		})
		if term := terminatedMain(p); p.Status.Phase != v1.PodSucceeded || term == nil || term.Message != "self\n" {
			t.Fatalf("phase %s, terminated %+v", p.Status.Phase, term)
		}
		ports, _ := filepath.Glob("/sys/class/net/" + e.cfg.CNIBridge + "/brif/*/hairpin_mode")
		if len(ports) == 0 {
			t.Fatalf("no ports on bridge %s", e.cfg.CNIBridge)
		}
		for _, f := range ports {
			if b, err := os.ReadFile(f); err != nil || strings.TrimSpace(string(b)) != "1" {
				t.Errorf("%s = %q %v", f, b, err)
			}
		}
	})

	t.Run("configMap and secret volumes follow updates", func(t *testing.T) {
		cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "live", Namespace: "default"},
			Data: map[string]string{"color": "red", "size": "small"}}
		if _, err := e.client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		sec := &v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "live", Namespace: "default"},
			Data: map[string][]byte{"token": []byte("one")}}
		if _, err := e.client.CoreV1().Secrets("default").Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p := busyboxPod("live-volumes", v1.RestartPolicyAlways, "exec sleep 3600")
		p.Spec.Volumes = []v1.Volume{
			{Name: "cfg", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
				LocalObjectReference: v1.LocalObjectReference{Name: "live"}, DefaultMode: ptr.To[int32](0o640)}}},
			{Name: "sec", VolumeSource: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "live",
				Items: []v1.KeyToPath{{Key: "token", Path: "dir/token", Mode: ptr.To[int32](0o400)}}}}},
			{Name: "info", VolumeSource: v1.VolumeSource{DownwardAPI: &v1.DownwardAPIVolumeSource{Items: []v1.DownwardAPIVolumeFile{
				{Path: "labels", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
		}
		p.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{
			{Name: "cfg", MountPath: "/cfg"},
			{Name: "sec", MountPath: "/sec"},
			{Name: "cfg", MountPath: "/fixed/color", SubPath: "color"},
			{Name: "info", MountPath: "/info"},
		}
		e.create(t, p)
		p = e.waitPod(t, "live-volumes", time.Minute, "Running", mainRunning)
		if got := e.execIn(t, p, "main", "cat", "/cfg/color", "/cfg/size", "/sec/dir/token", "/fixed/color"); got != "redsmallonered" {
			t.Fatalf("volume contents %q", got)
		}
		if got := e.execIn(t, p, "main", "stat", "-L", "-c", "%a", "/cfg/color", "/sec/dir/token"); got != "640\n400\n" {
			t.Fatalf("file modes %q", got)
		}

		cm.Data = map[string]string{"color": "blue"}
		if _, err := e.client.CoreV1().ConfigMaps("default").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		sec.Data = map[string][]byte{"token": []byte("two")}
		if _, err := e.client.CoreV1().Secrets("default").Update(ctx, sec, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.CoreV1().Pods("default").Patch(ctx, "live-volumes", types.MergePatchType,
			[]byte(`{"metadata":{"labels":{"tier":"gold"}}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		updated := time.Now()
		deadline := updated.Add(30 * time.Second)
		for {
			got := e.execIn(t, p, "main", "sh", "-c", "cat /cfg/color /sec/dir/token; ls /cfg; grep tier /info/labels")
			if got == "bluetwo"+"color\n"+`tier="gold"`+"\n" {
				t.Logf("volumes updated %v after the API update", time.Since(updated).Round(time.Millisecond))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("volumes not updated: %q", got)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if time.Since(updated) > 10*time.Second {
			t.Errorf("volume update took %v", time.Since(updated))
		}
		// A subPath mount keeps what it had, as upstream.
		if got := e.execIn(t, p, "main", "cat", "/fixed/color"); got != "red" {
			t.Fatalf("subPath mount shows %q", got)
		}
		e.deletePodAndWait(t, "live-volumes")
	})

	t.Run("gRPC probe drives readiness", func(t *testing.T) {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		hs := health.NewServer()
		healthpb.RegisterHealthServer(srv, hs)
		go func() { _ = srv.Serve(l) }()
		defer srv.Stop()
		hs.SetServingStatus("nauta.test", healthpb.HealthCheckResponse_NOT_SERVING)
		port := int32(l.Addr().(*net.TCPAddr).Port)

		// A host-network pod: its IP is the node's, where the server listens.
		p := busyboxPod("grpc", v1.RestartPolicyAlways, "exec sleep 3600")
		p.Spec.HostNetwork = true
		p.Spec.Containers[0].ReadinessProbe = &v1.Probe{PeriodSeconds: 1, TimeoutSeconds: 2,
			ProbeHandler: v1.ProbeHandler{GRPC: &v1.GRPCAction{Port: port, Service: ptr.To("nauta.test")}}}
		e.create(t, p)
		e.waitPod(t, "grpc", time.Minute, "Running but not Ready", func(p *v1.Pod) bool {
			return mainRunning(p) && !podReady(p)
		})
		waitEventMessage(t, e, "grpc", eventUnhealthy, `service unhealthy (responded with "NOT_SERVING")`)
		hs.SetServingStatus("nauta.test", healthpb.HealthCheckResponse_SERVING)
		e.waitPod(t, "grpc", 30*time.Second, "Ready", podReady)
		hs.SetServingStatus("nauta.test", healthpb.HealthCheckResponse_NOT_SERVING)
		e.waitPod(t, "grpc", 30*time.Second, "not Ready again", func(p *v1.Pod) bool { return !podReady(p) })
		e.deletePodAndWait(t, "grpc")
	})

	t.Run("memory limit breach is OOMKilled", func(t *testing.T) {
		p := busyboxPod("oom", v1.RestartPolicyNever, "x=0123456789; while true; do x=$x$x; done")
		p.Spec.Containers[0].Resources = v1.ResourceRequirements{Limits: v1.ResourceList{v1.ResourceMemory: resource.MustParse("24Mi")}}
		e.create(t, p)
		p = e.waitPod(t, "oom", 90*time.Second, "Failed", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
		if term := terminatedMain(p); term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
			t.Fatalf("terminated = %+v", term)
		}
	})

	t.Run("memory emptyDir is a sized tmpfs", func(t *testing.T) {
		p := busyboxPod("tmpfs", v1.RestartPolicyNever,
			"grep ' /scratch ' /proc/mounts > /dev/termination-log; "+
				"if dd if=/dev/zero of=/scratch/big bs=1M count=16 2>/dev/null; then echo wrote-all >> /dev/termination-log; else echo full >> /dev/termination-log; fi")
		p.Spec.Volumes = []v1.Volume{{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{
			Medium: v1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("8Mi"))}}}}
		p.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "scratch", MountPath: "/scratch"}}
		e.create(t, p)
		p = e.waitPod(t, "tmpfs", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		term := terminatedMain(p)
		if term == nil || !strings.Contains(term.Message, "tmpfs /scratch tmpfs") || !strings.Contains(term.Message, "size=8192k") ||
			!strings.HasSuffix(term.Message, "full\n") {
			t.Fatalf("terminated = %+v", term)
		}
		e.deletePodAndWait(t, "tmpfs")
		// The kubelet cleans up right after the pod left the API.
		podDir := filepath.Join(e.cfg.DataDir, "pods", string(p.UID))
		deadline := time.Now().Add(10 * time.Second)
		for {
			mps, _ := mountPoints(podDir)
			_, err := os.Stat(podDir)
			if len(mps) == 0 && os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after delete: mounts %v, pod directory: %v", mps, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("disk emptyDir over its sizeLimit evicts the pod", func(t *testing.T) {
		p := busyboxPod("hog", v1.RestartPolicyAlways, "dd if=/dev/zero of=/data/fill bs=1M count=4; exec sleep 3600")
		p.Spec.Volumes = []v1.Volume{{Name: "data", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{
			SizeLimit: ptr.To(resource.MustParse("1Mi"))}}}}
		p.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "data", MountPath: "/data"}}
		e.create(t, p)
		p = e.waitPod(t, "hog", time.Minute, "Failed", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
		if p.Status.Reason != "Evicted" || p.Status.Message != `Usage of EmptyDir volume "data" exceeds the limit "1Mi". ` {
			t.Fatalf("reason %q message %q", p.Status.Reason, p.Status.Message)
		}
		found := false
		for _, c := range p.Status.Conditions {
			if c.Type == v1.DisruptionTarget && c.Status == v1.ConditionTrue && c.Reason == v1.PodReasonTerminationByKubelet {
				found = true
			}
		}
		if !found {
			t.Fatalf("no DisruptionTarget condition: %+v", p.Status.Conditions)
		}
		waitEvent(t, e.client, "hog", reasonEvicted)
		// Stays Failed: nothing restarts an evicted pod.
		time.Sleep(3 * time.Second)
		p, err := e.client.CoreV1().Pods("default").Get(ctx, "hog", metav1.GetOptions{})
		if err != nil || p.Status.Phase != v1.PodFailed {
			t.Fatalf("after eviction: %v %v", err, p.Status.Phase)
		}
		e.deletePodAndWait(t, "hog")
	})

	t.Run("hostPath type checks", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "later")
		p := busyboxPod("hostpath-type", v1.RestartPolicyNever, "ls -d /later > /dev/termination-log")
		p.Spec.Volumes = []v1.Volume{{Name: "later", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{
			Path: dir, Type: ptr.To(v1.HostPathDirectory)}}}}
		p.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "later", MountPath: "/later"}}
		e.create(t, p)
		waitEventMessage(t, e, "hostpath-type", eventFailedMount,
			`MountVolume.SetUp failed for volume "later" : hostPath type check failed: `+dir+` is not a directory`)
		e.waitPod(t, "hostpath-type", 10*time.Second, "ContainerCreating", func(p *v1.Pod) bool {
			return p.Status.Phase == v1.PodPending && waitingReason(p) == reasonContainerCreating
		})
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p = e.waitPod(t, "hostpath-type", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if term := terminatedMain(p); term == nil || term.Message != "/later\n" {
			t.Fatalf("terminated = %+v", term)
		}
	})

	t.Run("pod-level cgroup with the pod's limits", func(t *testing.T) {
		p := busyboxPod("cgroups", v1.RestartPolicyAlways, "exec sleep 3600")
		p.Spec.Containers[0].Resources = v1.ResourceRequirements{Limits: v1.ResourceList{
			v1.ResourceCPU: resource.MustParse("100m"), v1.ResourceMemory: resource.MustParse("32Mi")}}
		second := p.Spec.Containers[0]
		second.Name = "second"
		second.Resources = v1.ResourceRequirements{Limits: v1.ResourceList{
			v1.ResourceCPU: resource.MustParse("200m"), v1.ResourceMemory: resource.MustParse("48Mi")}}
		p.Spec.Containers = append(p.Spec.Containers, second)
		e.create(t, p)
		p = e.waitPod(t, "cgroups", time.Minute, "Running", func(p *v1.Pod) bool {
			return p.Status.Phase == v1.PodRunning && podReady(p)
		})
		podDir := "kubepods/pod" + string(p.UID)
		read := func(hierarchy, file string) string {
			b, err := os.ReadFile(filepath.Join(cgroupRoot, hierarchy, podDir, file))
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(string(b))
		}
		if got := read("memory", "memory.limit_in_bytes"); got != strconv.Itoa(80<<20) {
			t.Errorf("pod memory limit %s", got)
		}
		if got := read("cpu", "cpu.cfs_quota_us"); got != "30000" {
			t.Errorf("pod cpu quota %s", got)
		}
		if got := read("cpu", "cpu.shares"); got != "307" {
			t.Errorf("pod cpu shares %s", got)
		}
		if b, err := os.ReadFile(filepath.Join(cgroupRoot, "cpu", "kubepods", "besteffort", "cpu.shares")); err != nil || strings.TrimSpace(string(b)) != "2" {
			t.Errorf("besteffort cpu.shares %q %v", b, err)
		}
		for _, cs := range p.Status.ContainerStatuses {
			id := strings.TrimPrefix(cs.ContainerID, "containerd://")
			if _, err := os.Stat(filepath.Join(cgroupRoot, "memory", podDir, id)); err != nil {
				t.Errorf("container %s is not under the pod cgroup: %v", cs.Name, err)
			}
		}
		e.deletePodAndWait(t, "cgroups")
		deadline := time.Now().Add(15 * time.Second)
		for {
			left := []string{}
			for _, h := range []string{"memory", "cpu", "pids", "unified"} {
				if _, err := os.Stat(filepath.Join(cgroupRoot, h, podDir)); err == nil {
					left = append(left, h)
				}
			}
			if len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pod cgroup left in %v", left)
			}
			time.Sleep(250 * time.Millisecond)
		}
	})

	t.Run("imagePullSecrets", func(t *testing.T) {
		denied := busyboxPod("private-denied", v1.RestartPolicyNever, "cat /etc/private > /dev/termination-log")
		denied.Spec.Containers[0].Image = privateImage
		e.create(t, denied)
		e.waitPod(t, "private-denied", time.Minute, "ErrImagePull or ImagePullBackOff", func(p *v1.Pod) bool {
			r := waitingReason(p)
			return r == reasonErrImagePull || r == reasonImagePullBackOff
		})
		if _, d := registry.counts(); d == 0 {
			t.Fatal("the registry refused nothing")
		}

		cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{
			privateRegistryHost: map[string]string{"username": registryUser, "password": registryPassword}}})
		secret := &v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "regcred", Namespace: "default"},
			Type: v1.SecretTypeDockerConfigJson, Data: map[string][]byte{v1.DockerConfigJsonKey: cfg}}
		if _, err := e.client.CoreV1().Secrets("default").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		ok := busyboxPod("private-ok", v1.RestartPolicyNever, "cat /etc/private > /dev/termination-log")
		ok.Spec.Containers[0].Image = privateImage
		ok.Spec.ImagePullSecrets = []v1.LocalObjectReference{{Name: "missing"}, {Name: "regcred"}}
		e.create(t, ok)
		p := e.waitPod(t, "private-ok", 90*time.Second, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if term := terminatedMain(p); term == nil || term.Message != "private\n" {
			t.Fatalf("terminated = %+v", term)
		}
		if a, _ := registry.counts(); a == 0 {
			t.Fatal("no authenticated registry request")
		}
		waitEvent(t, e.client, "private-ok", eventFailedToRetrievePullSecret)
		e.deletePodAndWait(t, "private-denied")
	})

	t.Run("no shim outlives its pod across a containerd restart", func(t *testing.T) {
		address := strings.TrimPrefix(e.cfg.RuntimeEndpoint, "unix://")
		before := shimIDs(t, address)
		e.create(t, busyboxPod("restart-run", v1.RestartPolicyAlways, "exec sleep 3600"))
		e.create(t, busyboxPod("restart-crash", v1.RestartPolicyAlways, "sleep 2; exit 1"))
		e.create(t, busyboxPod("restart-done", v1.RestartPolicyNever, "sleep 2"))
		e.waitPod(t, "restart-run", time.Minute, "Running", mainRunning)
		e.waitPod(t, "restart-crash", time.Minute, "Running", mainRunning)
		// Containers exit while containerd is down.
		e.killContainerd(t)
		time.Sleep(3 * time.Second)
		e.waitPod(t, "restart-done", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		e.waitPod(t, "restart-crash", time.Minute, "restarted", func(p *v1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
		})
		for _, name := range []string{"restart-run", "restart-crash", "restart-done"} {
			e.deletePodAndWait(t, name)
		}
		deleted := time.Now()
		for {
			var left []string
			for id := range shimIDs(t, address) {
				if !before[id] {
					left = append(left, id)
				}
			}
			if len(left) == 0 {
				t.Logf("shims gone %v after the last pod left the API", time.Since(deleted).Round(time.Millisecond))
				break
			}
			if time.Since(deleted) > 30*time.Second {
				t.Fatalf("shims left after the pods were deleted: %v", left)
			}
			time.Sleep(500 * time.Millisecond)
		}
	})

	t.Run("no containerd shim outlives its pod", func(t *testing.T) {
		// Shims are started with containerd's socket as -address.
		address := strings.TrimPrefix(e.cfg.RuntimeEndpoint, "unix://")
		pods := map[string]*v1.Pod{
			"shim-run":   busyboxPod("shim-run", v1.RestartPolicyAlways, "exec sleep 3600"),
			"shim-crash": busyboxPod("shim-crash", v1.RestartPolicyAlways, "exit 1"),
			"shim-done":  busyboxPod("shim-done", v1.RestartPolicyNever, "true"),
			"shim-image": busyboxPod("shim-image", v1.RestartPolicyAlways, "true"),
			"shim-early": busyboxPod("shim-early", v1.RestartPolicyAlways, "exec sleep 3600"),
		}
		pods["shim-image"].Spec.Containers[0].Image = "nauta.local/absent:1"
		pods["shim-image"].Spec.Containers[0].ImagePullPolicy = v1.PullNever
		// A sandbox that fails to start, again and again.
		pods["shim-sysctl"] = busyboxPod("shim-sysctl", v1.RestartPolicyAlways, "exec sleep 3600")
		pods["shim-sysctl"].Spec.SecurityContext = &v1.PodSecurityContext{Sysctls: []v1.Sysctl{{Name: "net.ipv4.nauta_no_such_sysctl", Value: "1"}}}
		// A pod whose sandbox dies and is replaced.
		pods["shim-phoenix"] = busyboxPod("shim-phoenix", v1.RestartPolicyAlways, "exec sleep 3600")
		// A container that fails to start.
		pods["shim-badcmd"] = busyboxPod("shim-badcmd", v1.RestartPolicyAlways, "")
		pods["shim-badcmd"].Spec.Containers[0].Command = []string{"/no/such/binary"}
		before := shimIDs(t, address)
		var uids []string
		for _, name := range []string{"shim-run", "shim-crash", "shim-done", "shim-image", "shim-early", "shim-sysctl", "shim-badcmd", "shim-phoenix"} {
			e.create(t, pods[name])
			got, err := e.client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			uids = append(uids, string(got.UID))
		}
		// Deleted while it starts.
		time.Sleep(300 * time.Millisecond)
		e.deletePodAndWait(t, "shim-early")
		e.waitPod(t, "shim-run", time.Minute, "Running", mainRunning)
		e.waitPod(t, "shim-done", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		e.waitPod(t, "shim-crash", time.Minute, "restarted", func(p *v1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
		})
		e.waitPod(t, "shim-image", time.Minute, "ErrImageNeverPull", func(p *v1.Pod) bool { return waitingReason(p) == reasonErrImageNeverPull })
		e.waitPod(t, "shim-badcmd", time.Minute, "a failed start", func(p *v1.Pod) bool {
			r := waitingReason(p)
			return r == reasonRunContainerError || r == reasonCrashLoopBackOff
		})
		waitEvent(t, e.client, "shim-sysctl", eventFailedSandbox)
		phoenix := e.waitPod(t, "shim-phoenix", time.Minute, "Running", mainRunning)
		e.killSandboxProcess(t, phoenix)
		e.waitPod(t, "shim-phoenix", time.Minute, "running in a new sandbox", func(p *v1.Pod) bool {
			return mainRunning(p) && p.Status.ContainerStatuses[0].RestartCount >= 1
		})
		time.Sleep(3 * time.Second) // a few more failed sandbox starts

		// Every sandbox these pods ever had.
		sandboxes := map[string]bool{}
		for _, uid := range uids {
			sbs, err := e.cri.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
				Filter: &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: uid}}})
			if err != nil {
				t.Fatal(err)
			}
			for _, sb := range sbs.Items {
				sandboxes[sb.Id] = true
			}
		}
		running := shimIDs(t, address)
		seen := 0
		for id := range sandboxes {
			if running[id] {
				seen++
			}
		}
		if seen == 0 {
			t.Fatalf("no shim found for the pods' sandboxes %v among %v (address %s)", sandboxes, running, address)
		}
		for _, name := range []string{"shim-run", "shim-crash", "shim-done", "shim-image", "shim-sysctl", "shim-badcmd", "shim-phoenix"} {
			e.deletePodAndWait(t, name)
		}
		deleted := time.Now()
		deadline := deleted.Add(30 * time.Second)
		for {
			var left []string
			for id := range shimIDs(t, address) {
				if sandboxes[id] || !before[id] {
					left = append(left, id)
				}
			}
			if len(left) == 0 {
				t.Logf("shims gone %v after the last pod left the API", time.Since(deleted).Round(time.Millisecond))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("shims left after the pods were deleted: %v", left)
			}
			time.Sleep(500 * time.Millisecond)
		}
		for _, uid := range uids {
			sbs, err := e.cri.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
				Filter: &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: uid}}})
			if err != nil || len(sbs.Items) != 0 {
				t.Fatalf("sandboxes of pod %s left: %v %v", uid, err, sbs)
			}
		}
	})
}
