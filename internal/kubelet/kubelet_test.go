package kubelet

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/agent/containerd"
	"github.com/nauta/nauta/internal/agent/cri"
	"github.com/nauta/nauta/internal/agent/images"
	"github.com/nauta/nauta/internal/agent/kubeletapi/kubeletapitest"
	"github.com/nauta/nauta/internal/server/servertest"
)

// The test network: its own subnet, apart from other tests on the machine.
const (
	testNode    = "kubelet-test-node"
	testPodCIDR = "10.244.251.0/24"
)

// testEnv is one control plane, one containerd and one kubelet.
type testEnv struct {
	t       *testing.T
	ca      kubeletapitest.CA
	rest    *rest.Config
	client  kubernetes.Interface
	cri     *cri.Client
	cfg     Config
	stop    context.CancelFunc
	stopped chan error
}

// envOptions changes the containerd and kubelet a test environment runs.
type envOptions struct {
	// registryMirrors goes to containerd's hosts configuration.
	registryMirrors map[string][]string
	// configure edits the kubelet configuration before it starts.
	configure func(*Config)
}

func startEnv(t *testing.T) *testEnv { return startEnvWith(t, envOptions{}) }

func startEnvWith(t *testing.T, opts envOptions) *testEnv {
	kubeletapitest.RequireRuntime(t)
	restCfg := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(restCfg)

	// A short directory: containerd's socket path must fit a unix address.
	dir, err := os.MkdirTemp("", "nk")
	if err != nil {
		t.Fatal(err)
	}
	cniConf := filepath.Join(dir, "cni")
	// A bridge of this test's own: an agent or another test on the host
	// may hold the default one with another subnet.
	bridge := "nkt" + strconv.Itoa(os.Getpid()%1000000)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	proc, err := containerd.Start(ctx, containerd.Config{
		DataDir: filepath.Join(dir, "agent"), CNIConfDir: cniConf,
		RegistryMirrors: opts.registryMirrors,
		Logger:          servertest.Logger(t, 8),
	})
	if err != nil {
		t.Fatalf("containerd: %v", err)
	}
	crc, err := cri.Dial(ctx, proc.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Remove every pod we ran, then containerd, the bridge and the files.
		cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
		defer ccancel()
		if sbs, err := crc.Runtime.ListPodSandbox(cctx, &runtimeapi.ListPodSandboxRequest{}); err == nil {
			for _, sb := range sbs.Items {
				_, _ = crc.Runtime.StopPodSandbox(cctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.Id})
				_, _ = crc.Runtime.RemovePodSandbox(cctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.Id})
			}
		}
		_ = crc.Close()
		_ = proc.Stop(cctx)
		_ = exec.Command("ip", "link", "del", bridge).Run()
		unmountUnder(dir)
		_ = os.RemoveAll(dir)
	})
	imageDir := filepath.Join(dir, "images")
	if _, err := images.BuildPause(imageDir); err != nil {
		t.Fatal(err)
	}
	if _, err := images.BuildBusybox(imageDir, images.BusyboxImage); err != nil {
		t.Fatal(err)
	}
	if err := images.ImportDir(ctx, proc.Address(), imageDir); err != nil {
		t.Fatal(err)
	}
	ca := kubeletapitest.NewCA(t, "kube-apiserver-kubelet-client")
	caFile := filepath.Join(dir, "client-ca.crt")
	if err := os.WriteFile(caFile, ca.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{
		t: t, rest: restCfg, client: client, cri: crc, ca: ca,
		cfg: Config{
			ClientCAFile:    caFile,
			CNIBridge:       bridge,
			RESTConfig:      restCfg,
			NodeName:        testNode,
			DataDir:         filepath.Join(dir, "kubelet"),
			RuntimeEndpoint: proc.Endpoint(),
			PodCIDR:         testPodCIDR,
			CNIConfDir:      cniConf,
			ServerPort:      freePort(t),
			Registerer:      prometheus.NewRegistry(),
			Logger:          servertest.Logger(t, 0),
		},
	}
	if opts.configure != nil {
		opts.configure(&e.cfg)
	}
	e.startKubelet()
	t.Cleanup(e.stopKubelet)
	return e
}

func (e *testEnv) startKubelet() {
	k, err := New(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	e.stopped = make(chan error, 1)
	go func() { e.stopped <- k.Run(ctx) }()
}

func (e *testEnv) stopKubelet() {
	if e.stop == nil {
		return
	}
	e.stop()
	e.stop = nil
	select {
	case err := <-e.stopped:
		if err != nil {
			e.t.Errorf("kubelet Run: %v", err)
		}
	case <-time.After(time.Minute):
		e.t.Error("kubelet did not stop")
	}
}

// waitPod polls the pod until cond holds.
func (e *testEnv) waitPod(t *testing.T, name string, timeout time.Duration, what string, cond func(*v1.Pod) bool) *v1.Pod {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last *v1.Pod
	for time.Now().Before(deadline) {
		p, err := e.client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			last = p
			if cond(p) {
				return p
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	if last != nil {
		t.Fatalf("pod %s: %s not reached in %v; status: %+v", name, what, timeout, last.Status)
	}
	t.Fatalf("pod %s: %s not reached in %v (pod not readable)", name, what, timeout)
	return nil
}

func busyboxPod(name string, policy v1.RestartPolicy, script string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": name}},
		Spec: v1.PodSpec{
			NodeName:                      testNode,
			RestartPolicy:                 policy,
			TerminationGracePeriodSeconds: ptr.To[int64](2),
			Containers: []v1.Container{{
				Name:            "main",
				Image:           images.BusyboxImage,
				ImagePullPolicy: v1.PullIfNotPresent,
				Command:         []string{"sh", "-c", script},
			}},
		},
	}
}

func (e *testEnv) create(t *testing.T, p *v1.Pod) {
	t.Helper()
	if _, err := e.client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s: %v", p.Name, err)
	}
}

func terminatedMain(p *v1.Pod) *v1.ContainerStateTerminated {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == "main" {
			return cs.State.Terminated
		}
	}
	return nil
}

func TestKubelet(t *testing.T) {
	e := startEnv(t)
	ctx := context.Background()

	t.Run("node registers ready with a lease", func(t *testing.T) {
		deadline := time.Now().Add(time.Minute)
		for {
			n, err := e.client.CoreV1().Nodes().Get(ctx, testNode, metav1.GetOptions{})
			if err == nil && nodeReady(n) {
				checkNode(t, n)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node not ready: %v %+v", err, n)
			}
			time.Sleep(250 * time.Millisecond)
		}
		l, err := e.client.CoordinationV1().Leases(leaseNamespace).Get(ctx, testNode, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("lease: %v", err)
		}
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != testNode || l.Spec.RenewTime == nil {
			t.Fatalf("lease spec = %+v", l.Spec)
		}
		if _, err := os.Stat(filepath.Join(e.cfg.CNIConfDir, cniConfFile)); err != nil {
			t.Fatalf("CNI configuration: %v", err)
		}
	})

	var webContainerID string
	t.Run("busybox httpd runs with a pod IP", func(t *testing.T) {
		web := busyboxPod("web", v1.RestartPolicyAlways,
			"mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 8080 -h /www")
		web.Spec.Containers[0].Ports = []v1.ContainerPort{{ContainerPort: 8080, HostPort: 18081}}
		e.create(t, web)
		p := e.waitPod(t, "web", 90*time.Second, "Running and Ready with an IP", func(p *v1.Pod) bool {
			return p.Status.Phase == v1.PodRunning && p.Status.PodIP != "" && podReady(p)
		})
		if !strings.HasPrefix(p.Status.PodIP, "10.244.251.") {
			t.Fatalf("podIP %s not in %s", p.Status.PodIP, testPodCIDR)
		}
		cs := p.Status.ContainerStatuses[0]
		if !strings.HasPrefix(cs.ContainerID, "containerd://") || cs.ImageID == "" || cs.Started == nil || !*cs.Started {
			t.Fatalf("container status = %+v", cs)
		}
		if p.Status.QOSClass != v1.PodQOSBestEffort || p.Status.StartTime == nil || p.Status.HostIP == "" {
			t.Fatalf("status = %+v", p.Status)
		}
		webContainerID = cs.ContainerID
		body := httpGet(t, "http://"+net.JoinHostPort(p.Status.PodIP, "8080")+"/")
		if strings.TrimSpace(body) != "hello-from-pod" {
			t.Fatalf("httpd answered %q", body)
		}
		body = httpGet(t, "http://"+net.JoinHostPort(p.Status.HostIP, "18081")+"/")
		if strings.TrimSpace(body) != "hello-from-pod" {
			t.Fatalf("httpd answered %q through the host port", body)
		}
		waitEvent(t, e.client, "web", eventStarted)

		// exec through the kubelet API (SPDY, proxied to the runtime).
		execURL, _ := url.Parse("https://" + net.JoinHostPort(p.Status.HostIP, strconv.Itoa(e.cfg.ServerPort)) +
			"/exec/default/web/main?command=cat&command=/www/index.html&stdout=true&stderr=true")
		exe, err := remotecommand.NewSPDYExecutor(e.kubeletRESTConfig(), "POST", execURL)
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr strings.Builder
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		if err := exe.StreamWithContext(sctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr}); err != nil {
			t.Fatalf("exec: %v (stderr %q)", err, stderr.String())
		}
		if stdout.String() != "hello-from-pod\n" {
			t.Fatalf("exec stdout = %q", stdout.String())
		}

		// Port forwarding through the kubelet API.
		pfURL, _ := url.Parse("https://" + net.JoinHostPort(p.Status.HostIP, strconv.Itoa(e.cfg.ServerPort)) +
			"/portForward/default/web")
		rt, upgrader, err := spdy.RoundTripperFor(e.kubeletRESTConfig())
		if err != nil {
			t.Fatal(err)
		}
		dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, "POST", pfURL)
		stopCh, readyCh := make(chan struct{}), make(chan struct{})
		defer close(stopCh)
		fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:8080"}, stopCh, readyCh, io.Discard, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		fwErr := make(chan error, 1)
		go func() { fwErr <- fw.ForwardPorts() }()
		select {
		case <-readyCh:
		case err := <-fwErr:
			t.Fatalf("port forward: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("port forward not ready")
		}
		ports, err := fw.GetPorts()
		if err != nil || len(ports) != 1 {
			t.Fatalf("forwarded ports: %v %v", ports, err)
		}
		body = httpGet(t, "http://127.0.0.1:"+strconv.Itoa(int(ports[0].Local))+"/")
		if strings.TrimSpace(body) != "hello-from-pod" {
			t.Fatalf("httpd answered %q through port forwarding", body)
		}
	})

	t.Run("restartPolicy Never ends Succeeded or Failed with the exit code", func(t *testing.T) {
		ok := busyboxPod("ok", v1.RestartPolicyNever, "echo done; exit 0")
		// What the API defaults ":latest" to; node-local images still run.
		ok.Spec.Containers[0].ImagePullPolicy = v1.PullAlways
		e.create(t, ok)
		fail := busyboxPod("fail", v1.RestartPolicyNever, "echo broken >&2; exit 3")
		fail.Spec.Containers[0].TerminationMessagePolicy = v1.TerminationMessageFallbackToLogsOnError
		e.create(t, fail)
		p := e.waitPod(t, "ok", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if term := terminatedMain(p); term == nil || term.ExitCode != 0 || term.Reason != "Completed" {
			t.Fatalf("ok: terminated = %+v", term)
		}
		p = e.waitPod(t, "fail", time.Minute, "Failed", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
		if term := terminatedMain(p); term == nil || term.ExitCode != 3 || term.Reason != "Error" || term.Message != "broken\n" {
			t.Fatalf("fail: terminated = %+v", term)
		}
		if got := e.kubeletGet(t, p.Status.HostIP, "/containerLogs/default/fail/main?timestamps=false"); got != "broken\n" {
			t.Fatalf("containerLogs = %q", got)
		}
		if got := e.kubeletGet(t, p.Status.HostIP, "/containerLogs/default/ok/main?tailLines=1"); got != "done\n" {
			t.Fatalf("containerLogs = %q", got)
		}
	})

	t.Run("crashing container goes into CrashLoopBackOff", func(t *testing.T) {
		e.create(t, busyboxPod("crash", v1.RestartPolicyAlways, "exit 1"))
		e.waitPod(t, "crash", time.Minute, "CrashLoopBackOff", func(p *v1.Pod) bool {
			if len(p.Status.ContainerStatuses) == 0 {
				return false
			}
			cs := p.Status.ContainerStatuses[0]
			return cs.State.Waiting != nil && cs.State.Waiting.Reason == reasonCrashLoopBackOff &&
				cs.LastTerminationState.Terminated != nil && cs.LastTerminationState.Terminated.ExitCode == 1
		})
		e.waitPod(t, "crash", time.Minute, "restartCount >= 2", func(p *v1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 2
		})
	})

	t.Run("init containers run in order", func(t *testing.T) {
		p := busyboxPod("init", v1.RestartPolicyNever, "cat /data/order > /dev/termination-log")
		p.Spec.Volumes = []v1.Volume{{Name: "data", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}}}
		mount := []v1.VolumeMount{{Name: "data", MountPath: "/data"}}
		p.Spec.Containers[0].VolumeMounts = mount
		for _, n := range []string{"first", "second"} {
			p.Spec.InitContainers = append(p.Spec.InitContainers, v1.Container{
				Name: n, Image: images.BusyboxImage, ImagePullPolicy: v1.PullIfNotPresent,
				Command: []string{"sh", "-c", "sleep 1; echo -n " + n + ", >> /data/order"}, VolumeMounts: mount,
			})
		}
		e.create(t, p)
		p = e.waitPod(t, "init", 90*time.Second, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if term := terminatedMain(p); term == nil || term.Message != "first,second," {
			t.Fatalf("terminated = %+v", term)
		}
		for _, cs := range p.Status.InitContainerStatuses {
			if cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" {
				t.Fatalf("init status = %+v", cs)
			}
		}
	})

	t.Run("sidecar init container runs beside the app", func(t *testing.T) {
		p := busyboxPod("sidecar", v1.RestartPolicyNever, "sleep 1; cat /data/side > /dev/termination-log")
		p.Spec.Volumes = []v1.Volume{{Name: "data", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}}}
		mount := []v1.VolumeMount{{Name: "data", MountPath: "/data"}}
		p.Spec.Containers[0].VolumeMounts = mount
		p.Spec.InitContainers = []v1.Container{{
			Name: "side", Image: images.BusyboxImage, ImagePullPolicy: v1.PullIfNotPresent,
			RestartPolicy: ptr.To(v1.ContainerRestartPolicyAlways),
			Command:       []string{"sh", "-c", "echo up > /data/side; exec sleep 3600"}, VolumeMounts: mount,
		}}
		e.create(t, p)
		e.waitPod(t, "sidecar", time.Minute, "Running with the sidecar running", func(p *v1.Pod) bool {
			return p.Status.Phase == v1.PodRunning && len(p.Status.InitContainerStatuses) == 1 &&
				p.Status.InitContainerStatuses[0].State.Running != nil
		})
		p = e.waitPod(t, "sidecar", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if term := terminatedMain(p); term == nil || term.Message != "up\n" {
			t.Fatalf("terminated = %+v", term)
		}
	})

	t.Run("env from a ConfigMap with $(VAR) expansion", func(t *testing.T) {
		cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"},
			Data: map[string]string{"greeting": "hi", "COLOR": "blue"}}
		if _, err := e.client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p := busyboxPod("env", v1.RestartPolicyNever, "")
		c := &p.Spec.Containers[0]
		c.Command = []string{"sh", "-c", "echo -n $(GREETING)-$CFG_COLOR-$POD_NAME > /dev/termination-log"}
		c.EnvFrom = []v1.EnvFromSource{{Prefix: "CFG_", ConfigMapRef: &v1.ConfigMapEnvSource{
			LocalObjectReference: v1.LocalObjectReference{Name: "settings"}}}}
		c.Env = []v1.EnvVar{
			{Name: "GREETING", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{
				LocalObjectReference: v1.LocalObjectReference{Name: "settings"}, Key: "greeting"}}},
			{Name: "POD_NAME", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		}
		e.create(t, p)
		p = e.waitPod(t, "env", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if term := terminatedMain(p); term == nil || term.Message != "hi-blue-env" {
			t.Fatalf("terminated = %+v", term)
		}

		sec := &v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "default"},
			Data: map[string][]byte{"pw": []byte("s3cret")}}
		if _, err := e.client.CoreV1().Secrets("default").Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		vols := busyboxPod("volumes", v1.RestartPolicyNever,
			"cat /cfg/greeting /sec/pw /proj/name /proj/color > /dev/termination-log")
		vols.Spec.Volumes = []v1.Volume{
			{Name: "cfg", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
				LocalObjectReference: v1.LocalObjectReference{Name: "settings"}}}},
			{Name: "sec", VolumeSource: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "creds"}}},
			{Name: "proj", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{Sources: []v1.VolumeProjection{
				{DownwardAPI: &v1.DownwardAPIProjection{Items: []v1.DownwardAPIVolumeFile{
					{Path: "name", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.name"}}}}},
				{ConfigMap: &v1.ConfigMapProjection{LocalObjectReference: v1.LocalObjectReference{Name: "settings"},
					Items: []v1.KeyToPath{{Key: "COLOR", Path: "color"}}}},
			}}}},
		}
		vols.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{
			{Name: "cfg", MountPath: "/cfg"}, {Name: "sec", MountPath: "/sec"}, {Name: "proj", MountPath: "/proj"}}
		e.create(t, vols)
		vols = e.waitPod(t, "volumes", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if term := terminatedMain(vols); term == nil || term.Message != "his3cretvolumesblue" {
			t.Fatalf("terminated = %+v", term)
		}

		missing := busyboxPod("env-missing", v1.RestartPolicyNever, "true")
		missing.Spec.Containers[0].Env = []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{
			ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "nope"}, Key: "k"}}}}
		e.create(t, missing)
		e.waitPod(t, "env-missing", time.Minute, "CreateContainerConfigError", func(p *v1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
				p.Status.ContainerStatuses[0].State.Waiting.Reason == reasonCreateContainerConfigError
		})
	})

	t.Run("graceful delete removes the pod", func(t *testing.T) {
		p := busyboxPod("sleeper", v1.RestartPolicyAlways, "trap 'exit 0' TERM; while true; do sleep 1; done")
		hostDir := t.TempDir()
		p.Spec.Volumes = []v1.Volume{{Name: "out", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: hostDir}}}}
		p.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "out", MountPath: "/out"}}
		p.Spec.Containers[0].Lifecycle = &v1.Lifecycle{PreStop: &v1.LifecycleHandler{
			Exec: &v1.ExecAction{Command: []string{"sh", "-c", "echo bye > /out/prestop"}}}}
		e.create(t, p)
		p = e.waitPod(t, "sleeper", time.Minute, "Running", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodRunning })
		if err := e.client.CoreV1().Pods("default").Delete(ctx, "sleeper", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			_, err := e.client.CoreV1().Pods("default").Get(ctx, "sleeper", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pod still there: %v", err)
			}
			time.Sleep(250 * time.Millisecond)
		}
		sbs, err := e.cri.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
			Filter: &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: string(p.UID)}}})
		if err != nil || len(sbs.Items) != 0 {
			t.Fatalf("sandboxes left: %v %v", err, sbs)
		}
		if b, err := os.ReadFile(filepath.Join(hostDir, "prestop")); err != nil || string(b) != "bye\n" {
			t.Fatalf("preStop hook output: %q %v", b, err)
		}
	})

	t.Run("a dead sandbox is replaced", func(t *testing.T) {
		e.create(t, busyboxPod("phoenix", v1.RestartPolicyAlways, "trap 'exit 0' TERM; while true; do sleep 1; done"))
		p := e.waitPod(t, "phoenix", time.Minute, "Running", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodRunning })
		sbs, err := e.cri.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
			Filter: &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: string(p.UID)}}})
		if err != nil || len(sbs.Items) != 1 {
			t.Fatalf("sandboxes: %v %v", err, sbs)
		}
		if _, err := e.cri.Runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sbs.Items[0].Id}); err != nil {
			t.Fatal(err)
		}
		e.waitPod(t, "phoenix", time.Minute, "running again in a new sandbox", func(p *v1.Pod) bool {
			return p.Status.Phase == v1.PodRunning && podReady(p) && p.Status.ContainerStatuses[0].RestartCount >= 1
		})
	})

	t.Run("resources, QoS and hostNetwork", func(t *testing.T) {
		p := busyboxPod("limits", v1.RestartPolicyNever,
			"cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us > /dev/termination-log")
		p.Spec.Containers[0].Resources = v1.ResourceRequirements{Limits: v1.ResourceList{
			v1.ResourceCPU: resource.MustParse("200m"), v1.ResourceMemory: resource.MustParse("64Mi")}}
		e.create(t, p)
		p = e.waitPod(t, "limits", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if term := terminatedMain(p); term == nil || term.Message != "67108864\n20000\n" {
			t.Fatalf("terminated = %+v", term)
		}
		if p.Status.QOSClass != v1.PodQOSGuaranteed {
			t.Fatalf("qosClass = %s", p.Status.QOSClass)
		}

		host := busyboxPod("host", v1.RestartPolicyNever, "true")
		host.Spec.HostNetwork = true
		e.create(t, host)
		host = e.waitPod(t, "host", time.Minute, "Succeeded", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
		if host.Status.PodIP != host.Status.HostIP {
			t.Fatalf("hostNetwork podIP %s, hostIP %s", host.Status.PodIP, host.Status.HostIP)
		}
	})

	t.Run("readiness probe drives Ready", func(t *testing.T) {
		p := busyboxPod("ready", v1.RestartPolicyAlways, "sleep 3; touch /tmp/ready; exec sleep 3600")
		p.Spec.Containers[0].ReadinessProbe = &v1.Probe{PeriodSeconds: 1,
			ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"cat", "/tmp/ready"}}}}
		e.create(t, p)
		e.waitPod(t, "ready", time.Minute, "Running but not Ready", func(p *v1.Pod) bool {
			return p.Status.Phase == v1.PodRunning && !podReady(p) && len(p.Status.ContainerStatuses) == 1 &&
				p.Status.ContainerStatuses[0].State.Running != nil
		})
		e.waitPod(t, "ready", time.Minute, "Ready", func(p *v1.Pod) bool {
			return podReady(p) && p.Status.ContainerStatuses[0].Ready
		})
	})

	t.Run("liveness probe failure restarts the container", func(t *testing.T) {
		p := busyboxPod("live", v1.RestartPolicyAlways, "touch /tmp/alive; sleep 2; rm /tmp/alive; exec sleep 3600")
		p.Spec.Containers[0].LivenessProbe = &v1.Probe{PeriodSeconds: 1, FailureThreshold: 1,
			ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"cat", "/tmp/alive"}}}}
		e.create(t, p)
		e.waitPod(t, "live", time.Minute, "restarted", func(p *v1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
		})
	})

	t.Run("image pull policies", func(t *testing.T) {
		never := busyboxPod("never", v1.RestartPolicyAlways, "true")
		never.Spec.Containers[0].Image = "nauta.local/absent:1"
		never.Spec.Containers[0].ImagePullPolicy = v1.PullNever
		e.create(t, never)
		e.waitPod(t, "never", time.Minute, "ErrImageNeverPull", func(p *v1.Pod) bool {
			return waitingReason(p) == reasonErrImageNeverPull
		})
		pull := busyboxPod("pull", v1.RestartPolicyAlways, "true")
		pull.Spec.Containers[0].Image = "127.0.0.1:1/absent:1"
		e.create(t, pull)
		// ErrImagePull turns into ImagePullBackOff at the next sync.
		e.waitPod(t, "pull", time.Minute, "ErrImagePull", func(p *v1.Pod) bool {
			r := waitingReason(p)
			return r == reasonErrImagePull || r == reasonImagePullBackOff
		})
		e.waitPod(t, "pull", time.Minute, "ImagePullBackOff", func(p *v1.Pod) bool {
			return waitingReason(p) == reasonImagePullBackOff
		})
	})

	t.Run("big container logs are rotated", func(t *testing.T) {
		e.create(t, busyboxPod("chatty", v1.RestartPolicyAlways, "yes hello-log-line | head -c 12000000; echo last-line; exec sleep 3600"))
		deadline := time.Now().Add(45 * time.Second)
		for {
			rotated, _ := filepath.Glob(filepath.Join(e.cfg.DataDir, "logs", "default_chatty_*", "main", "0.log.*"))
			if len(rotated) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no rotated log: %v", rotated)
			}
			time.Sleep(500 * time.Millisecond)
		}
		p, err := e.client.CoreV1().Pods("default").Get(ctx, "chatty", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The reopened log keeps receiving lines.
		e.kubeletGet(t, p.Status.HostIP, "/containerLogs/default/chatty/main?tailLines=1")
	})

	t.Run("a restarted kubelet keeps the running containers", func(t *testing.T) {
		if webContainerID == "" {
			t.Fatal("web pod did not run")
		}
		gone, err := e.client.CoreV1().Pods("default").Get(ctx, "ready", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e.stopKubelet()
		// Deleted while the kubelet is away: the restarted kubelet removes
		// its sandbox.
		if err := e.client.CoreV1().Pods("default").Delete(ctx, "ready", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
			t.Fatal(err)
		}
		e.startKubelet()
		time.Sleep(5 * time.Second)
		deadline := time.Now().Add(time.Minute)
		for {
			sbs, err := e.cri.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
				Filter: &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: string(gone.UID)}}})
			if err == nil && len(sbs.Items) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("sandbox of the deleted pod still there: %v %v", err, sbs)
			}
			time.Sleep(500 * time.Millisecond)
		}
		p := e.waitPod(t, "web", time.Minute, "Running and Ready", func(p *v1.Pod) bool {
			return p.Status.Phase == v1.PodRunning && podReady(p)
		})
		cs := p.Status.ContainerStatuses[0]
		if cs.ContainerID != webContainerID || cs.RestartCount != 0 {
			t.Fatalf("after restart: containerID %s (was %s), restartCount %d", cs.ContainerID, webContainerID, cs.RestartCount)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		families, err := e.cfg.Registerer.(*prometheus.Registry).Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				got[f.GetName()] += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
		if got["kubelet_started_containers_total"] < 5 || got["kubelet_started_pods_total"] < 5 || got["kubelet_running_pods"] < 1 {
			t.Fatalf("metrics = %v", got)
		}
	})
}

// waitEvent waits for an event of reason about pod name.
func waitEvent(t *testing.T, client kubernetes.Interface, name, reason string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		list, err := client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{})
		if err == nil {
			for _, ev := range list.Items {
				if ev.InvolvedObject.Name == name && ev.Reason == reason && ev.Source.Component == "kubelet" {
					return
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("no %s event for pod %s", reason, name)
}

// unmountUnder unmounts what containerd may have left mounted under dir
// (sandbox shm mounts of failed sandboxes).
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
			_ = exec.Command("umount", "-l", f[1]).Run()
		}
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// kubeletGet reads path from the kubelet API over TLS.
func (e *testEnv) kubeletGet(t *testing.T, host, path string) string {
	t.Helper()
	resp, err := e.ca.HTTPClient(t).Get("https://" + net.JoinHostPort(host, strconv.Itoa(e.cfg.ServerPort)) + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// kubeletRESTConfig presents the API server's client certificate to the
// kubelet API.
func (e *testEnv) kubeletRESTConfig() *rest.Config {
	return &rest.Config{TLSClientConfig: rest.TLSClientConfig{
		Insecure: true, CertData: e.ca.CertPEM, KeyData: e.ca.KeyPEM,
	}}
}

func waitingReason(p *v1.Pod) string {
	if len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil {
		return p.Status.ContainerStatuses[0].State.Waiting.Reason
	}
	return ""
}

func nodeReady(n *v1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == v1.NodeReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func podReady(p *v1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == v1.PodReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func checkNode(t *testing.T, n *v1.Node) {
	t.Helper()
	if got := n.Status.Capacity.Pods().Value(); got != DefaultMaxPods {
		t.Errorf("pods capacity = %d", got)
	}
	if n.Status.Capacity.Cpu().IsZero() || n.Status.Capacity.Memory().IsZero() || n.Status.Allocatable.StorageEphemeral().IsZero() {
		t.Errorf("capacity = %v allocatable = %v", n.Status.Capacity, n.Status.Allocatable)
	}
	info := n.Status.NodeInfo
	if !strings.HasPrefix(info.ContainerRuntimeVersion, "containerd://") || info.KubeletVersion != "v1.37.2" ||
		info.KernelVersion == "" || info.OSImage == "" {
		t.Errorf("nodeInfo = %+v", info)
	}
	if n.Labels[v1.LabelHostname] != testNode || n.Labels[v1.LabelOSStable] != "linux" {
		t.Errorf("labels = %v", n.Labels)
	}
	if len(n.Status.Images) < 2 {
		t.Errorf("images = %v", n.Status.Images)
	}
	if n.Status.DaemonEndpoints.KubeletEndpoint.Port == 0 {
		t.Errorf("daemonEndpoints = %+v", n.Status.DaemonEndpoints)
	}
	if n.Spec.PodCIDR != testPodCIDR {
		t.Errorf("podCIDR = %q", n.Spec.PodCIDR)
	}
	for _, c := range n.Status.Conditions {
		if c.Type == v1.NodeReady && c.Reason != reasonKubeletReady {
			t.Errorf("Ready reason = %q", c.Reason)
		}
		if c.Type == v1.NodeMemoryPressure && c.Reason != "KubeletHasSufficientMemory" {
			t.Errorf("MemoryPressure = %+v", c)
		}
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	var lastErr error
	for i := 0; i < 40; i++ {
		resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url)
		if err == nil {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				return string(b)
			}
		}
		lastErr = errors.Join(lastErr, err)
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("GET %s: %v", url, lastErr)
	return ""
}
