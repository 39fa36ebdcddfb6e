package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// probeState is one running container's probe results.
type probeState struct {
	ready, started      bool
	lastRun             map[string]time.Time // by probe kind
	successes, failures map[string]int
}

func newProbeState(c *v1.Container) *probeState {
	return &probeState{
		ready:     c.ReadinessProbe == nil,
		started:   c.StartupProbe == nil,
		lastRun:   map[string]time.Time{},
		successes: map[string]int{},
		failures:  map[string]int{},
	}
}

// probeContainer runs the probes that are due on a running container. A
// liveness (or startup) failure past its threshold stops the container; the
// restart policy then applies.
func (k *Kubelet) probeContainer(ctx context.Context, w *podWorker, pod *v1.Pod, c *v1.Container,
	rc *runtimeContainer, podIPs []string, log *slog.Logger) {
	st, ok := w.probes[rc.id]
	if !ok {
		st = newProbeState(c)
		w.probes[rc.id] = st
	}
	now := time.Now()
	started := rc.startedAt()
	run := func(kind string, p *v1.Probe) (result, decided bool) {
		if p == nil {
			return true, false
		}
		if now.Sub(started) < time.Duration(p.InitialDelaySeconds)*time.Second {
			return false, false
		}
		period := time.Duration(max(p.PeriodSeconds, 1)) * time.Second
		if last, ok := st.lastRun[kind]; ok && now.Sub(last) < period {
			return false, false
		}
		st.lastRun[kind] = now
		timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
		err := k.runAction(ctx, pod, c, rc.id, podIPs, p.ProbeHandler, timeout)
		if err == nil {
			st.successes[kind]++
			st.failures[kind] = 0
			return st.successes[kind] >= int(max(p.SuccessThreshold, 1)), true
		}
		st.failures[kind]++
		st.successes[kind] = 0
		log.Info("probe failed", "probe", kind, "container", c.Name, "err", err)
		k.event(pod, v1.EventTypeWarning, eventUnhealthy, "%s probe failed: %v", probeTitle(kind), err)
		return false, st.failures[kind] >= int(max(p.FailureThreshold, 1))
	}
	if !st.started {
		ok, decided := run("startup", c.StartupProbe)
		switch {
		case ok && decided:
			st.started = true
		case !ok && decided:
			k.killUnhealthy(ctx, pod, rc, "startup")
			return
		default:
			return
		}
	}
	if ok, decided := run("liveness", c.LivenessProbe); !ok && decided {
		k.killUnhealthy(ctx, pod, rc, "liveness")
		return
	}
	if c.ReadinessProbe != nil {
		if ok, decided := run("readiness", c.ReadinessProbe); decided {
			st.ready = ok
		}
	}
}

func (k *Kubelet) killUnhealthy(ctx context.Context, pod *v1.Pod, rc *runtimeContainer, kind string) {
	k.log.Info("container failed its probe; restarting", "pod", pod.Namespace+"/"+pod.Name, "container", rc.name, "probe", kind)
	grace := int64(v1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	_ = k.stopContainer(ctx, pod, rc, grace)
}

// runHandler runs a lifecycle hook.
func (k *Kubelet) runHandler(ctx context.Context, pod *v1.Pod, c *v1.Container, containerID string,
	podIPs []string, h *v1.LifecycleHandler, timeout time.Duration) error {
	switch {
	case h.Exec != nil:
		return k.runAction(ctx, pod, c, containerID, podIPs, v1.ProbeHandler{Exec: h.Exec}, timeout)
	case h.HTTPGet != nil:
		return k.runAction(ctx, pod, c, containerID, podIPs, v1.ProbeHandler{HTTPGet: h.HTTPGet}, timeout)
	case h.TCPSocket != nil:
		return k.runAction(ctx, pod, c, containerID, podIPs, v1.ProbeHandler{TCPSocket: h.TCPSocket}, timeout)
	case h.Sleep != nil:
		select {
		case <-ctx.Done():
		case <-time.After(min(time.Duration(h.Sleep.Seconds)*time.Second, timeout)):
		}
		return nil
	}
	return nil
}

// runAction runs one exec, httpGet, tcpSocket or grpc action; nil means
// success.
func (k *Kubelet) runAction(ctx context.Context, pod *v1.Pod, c *v1.Container, containerID string,
	podIPs []string, h v1.ProbeHandler, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	switch {
	case h.Exec != nil:
		resp, err := k.runtime.ExecSync(ctx, &runtimeapi.ExecSyncRequest{
			ContainerId: containerID, Cmd: h.Exec.Command, Timeout: int64(timeout.Seconds()),
		})
		if err != nil {
			return err
		}
		if resp.ExitCode != 0 {
			return fmt.Errorf("command exited with %d: %s", resp.ExitCode, resp.Stdout)
		}
		return nil
	case h.HTTPGet != nil:
		g := h.HTTPGet
		host := g.Host
		if host == "" && len(podIPs) > 0 {
			host = podIPs[0]
		}
		port, err := resolvePort(g.Port, c)
		if err != nil {
			return err
		}
		scheme := "http"
		if g.Scheme == v1.URISchemeHTTPS {
			scheme = "https"
		}
		u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: g.Path}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		for _, hd := range g.HTTPHeaders {
			req.Header.Add(hd.Name, hd.Value)
		}
		if req.Header.Get("User-Agent") == "" {
			req.Header.Set("User-Agent", probeUserAgent)
		}
		client := &http.Client{Timeout: timeout}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("HTTP probe failed with statuscode: %d", resp.StatusCode)
		}
		return nil
	case h.GRPC != nil:
		if len(podIPs) == 0 {
			return fmt.Errorf("no pod IP for the gRPC probe")
		}
		return grpcProbe(ctx, podIPs[0], h.GRPC, timeout)
	case h.TCPSocket != nil:
		host := h.TCPSocket.Host
		if host == "" && len(podIPs) > 0 {
			host = podIPs[0]
		}
		port, err := resolvePort(h.TCPSocket.Port, c)
		if err != nil {
			return err
		}
		conn, err := (&net.Dialer{Timeout: timeout}).DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return err
		}
		return conn.Close()
	}
	return fmt.Errorf("no probe action")
}

// resolvePort turns a number or a named container port into a number.
func resolvePort(p intstr.IntOrString, c *v1.Container) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("port %q not found in container %s", p.StrVal, c.Name)
}

// probeTitle is "Liveness", "Readiness" or "Startup".
func probeTitle(kind string) string {
	if kind == "" {
		return kind
	}
	return string(kind[0]-'a'+'A') + kind[1:]
}
