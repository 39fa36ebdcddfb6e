package kubeletapi

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// streamFlags reads which streams to open: input, output, error and tty
// ("1"), as the API server sends them; stdin, stdout and stderr are taken
// too, for clients that call the kubelet directly.
func streamFlags(q url.Values) (stdin, stdout, stderr, tty bool) {
	b := func(names ...string) bool {
		for _, n := range names {
			if v, _ := strconv.ParseBool(q.Get(n)); v {
				return true
			}
		}
		return false
	}
	return b("input", "stdin"), b("output", "stdout"), b("error", "stderr"), b("tty")
}

func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cmd := q["command"]
	if len(cmd) == 0 {
		writeError(w, badRequestf("you must specify at least 1 command"))
		return
	}
	stdin, stdout, stderr, tty := streamFlags(q)
	if !stdin && !stdout && !stderr {
		writeError(w, badRequestf("you must specify at least 1 of stdin, stdout, stderr"))
		return
	}
	if tty && stderr {
		// A terminal merges stderr into stdout.
		stderr = false
	}
	id, err := s.streamContainer(r)
	if err != nil {
		writeError(w, err)
		return
	}
	resp, err := s.cfg.Runtime.Runtime.Exec(r.Context(), &runtimeapi.ExecRequest{
		ContainerId: id, Cmd: cmd, Tty: tty, Stdin: stdin, Stdout: stdout, Stderr: stderr,
	})
	if err != nil {
		writeError(w, fmt.Errorf("exec in container %s: %w", r.PathValue("container"), err))
		return
	}
	s.proxyStream(w, r, resp.Url)
}

func (s *Server) serveAttach(w http.ResponseWriter, r *http.Request) {
	stdin, stdout, stderr, tty := streamFlags(r.URL.Query())
	if !stdin && !stdout && !stderr {
		writeError(w, badRequestf("you must specify at least 1 of stdin, stdout, stderr"))
		return
	}
	if tty && stderr {
		stderr = false
	}
	id, err := s.streamContainer(r)
	if err != nil {
		writeError(w, err)
		return
	}
	resp, err := s.cfg.Runtime.Runtime.Attach(r.Context(), &runtimeapi.AttachRequest{
		ContainerId: id, Tty: tty, Stdin: stdin, Stdout: stdout, Stderr: stderr,
	})
	if err != nil {
		writeError(w, fmt.Errorf("attach to container %s: %w", r.PathValue("container"), err))
		return
	}
	s.proxyStream(w, r, resp.Url)
}

func (s *Server) servePortForward(w http.ResponseWriter, r *http.Request) {
	pod, err := s.findPod(r.PathValue("ns"), r.PathValue("pod"), types.UID(r.PathValue("uid")))
	if err != nil {
		writeError(w, err)
		return
	}
	sb, err := s.readySandbox(r.Context(), pod)
	if err != nil {
		writeError(w, err)
		return
	}
	// SPDY clients name each port in its stream's headers; WebSocket
	// clients name them in the query, and the runtime's streaming server
	// takes those from the CRI request.
	var ports []int32
	if wsstream.IsWebSocketRequest(r) {
		if ports, err = webSocketPorts(r.URL.Query()); err != nil {
			writeError(w, err)
			return
		}
	}
	resp, err := s.cfg.Runtime.Runtime.PortForward(r.Context(), &runtimeapi.PortForwardRequest{PodSandboxId: sb.Id, Port: ports})
	if err != nil {
		writeError(w, fmt.Errorf("port forward to pod %s: %w", pod.Name, err))
		return
	}
	s.proxyStream(w, r, resp.Url)
}

// webSocketPorts reads the ports a WebSocket port forward asks for: one or
// more "port" parameters, each a port or a comma-separated list of them.
func webSocketPorts(q url.Values) ([]int32, error) {
	values := q["port"]
	if len(values) == 0 {
		return nil, badRequestf("query parameter %q is required", "port")
	}
	var ports []int32
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
			if err != nil {
				return nil, badRequestf("unable to parse %q as a port: %v", p, err)
			}
			if n == 0 {
				return nil, badRequestf("port %q must be > 0", p)
			}
			ports = append(ports, int32(n))
		}
	}
	return ports, nil
}

// streamContainer resolves {ns}/{pod}[/{uid}]/{container} to the running
// container's ID.
func (s *Server) streamContainer(r *http.Request) (string, error) {
	pod, err := s.findPod(r.PathValue("ns"), r.PathValue("pod"), types.UID(r.PathValue("uid")))
	if err != nil {
		return "", err
	}
	return s.runningContainer(r.Context(), pod, r.PathValue("container"))
}

// proxyStream hands the client's request, upgrade headers and all, to
// the runtime's streaming server at target and copies both directions
// once it switches protocols. The runtime's URL carries the session token
// in its path; the client's query is kept for what the streaming server
// reads from it (WebSocket port forward ports).
func (s *Server) proxyStream(w http.ResponseWriter, r *http.Request, target string) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		writeError(w, fmt.Errorf("runtime returned a bad streaming URL %q", target))
		return
	}
	if u.RawQuery == "" {
		u.RawQuery = r.URL.RawQuery
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = u
			pr.Out.Host = u.Host
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.log.Debug("streaming proxy failed", "target", u.Redacted(), "err", err)
			writeError(w, fmt.Errorf("proxy to the runtime streaming server: %w", err))
		},
	}
	proxy.ServeHTTP(w, r)
}
