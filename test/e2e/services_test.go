package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/agent/images"
	"github.com/nauta/nauta/internal/nautabin"
)

// netTestImage is busybox plus the udpecho test program.
const netTestImage = "nauta.local/nettest:e2e"

// buildNetTestImage writes the nettest image into the images directory the
// agent imports from at start.
func buildNetTestImage(t *testing.T, imagesDir string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "udpecho")
	build := exec.Command("go", "build", "-o", bin, "./testdata/udpecho")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building udpecho: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	img, err := images.BusyboxImageSpec(netTestImage)
	if err != nil {
		t.Fatal(err)
	}
	img.Files = append(img.Files, images.File{Path: "/bin/udpecho", Mode: 0o755, Data: data})
	if err := os.MkdirAll(imagesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := images.Write(filepath.Join(imagesDir, "nettest.tar"), img); err != nil {
		t.Fatal(err)
	}
}

const servicesManifest = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: httpd
        image: nauta.local/nettest:e2e
        imagePullPolicy: Never
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && touch /www/ready && exec httpd -f -p 8080 -h /www"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
          periodSeconds: 1
          failureThreshold: 1
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: udp}
spec:
  replicas: 1
  selector: {matchLabels: {app: udp}}
  template:
    metadata: {labels: {app: udp}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: echo
        image: nauta.local/nettest:e2e
        imagePullPolicy: Never
        command: ["udpecho", "serve", "9000"]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: http, port: 8081, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: web.default.svc.cluster.local
---
apiVersion: v1
kind: Service
metadata: {name: udp}
spec:
  selector: {app: udp}
  ports: [{name: echo, port: 53, targetPort: 9000, protocol: UDP}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: client
    image: nauta.local/nettest:e2e
    imagePullPolicy: Never
    command: ["sleep", "100000"]
`

// TestServices runs a one-node cluster (real containerd, the proxy on
// nftables, cluster DNS) and checks that Services reach pods by name,
// cluster IP and node port, over TCP and UDP, and that the proxy's rules
// follow readiness, scaling and session affinity and go away on cleanup.
func TestServices(t *testing.T) {
	bin, err := nautabin.Path()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	buildNetTestImage(t, filepath.Join(dir, "data", "agent", "images"))
	c, err := startServer(bin, dir, "--node-name", "svc-node")
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if t.Failed() {
			if logs, err := readLog(c); err == nil {
				t.Logf("---- server log (last 24 KiB) ----\n%s", tail(logs, 24<<10))
			}
		}
		if !stopped {
			if err := c.stop(); err != nil {
				t.Errorf("stopping server: %v", err)
			}
		}
		cleanupProxy(t, bin)
	})
	k := func(args ...string) string {
		t.Helper()
		return kubectl(t, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	}
	kIn := func(stdin string, args ...string) string {
		t.Helper()
		return kubectlIn(t, stdin, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	}
	// inPod runs a shell command in pod and returns its output and error.
	inPod := func(pod, script string) (string, error) {
		r := kubectlWith(t, kubectlPath(t, "kubectl"), "", "--kubeconfig", c.kubeconfig,
			"exec", pod, "--", "sh", "-c", script)
		if r.err != nil {
			return r.stdout + r.stderr, fmt.Errorf("%s: %w", script, r.err)
		}
		return r.stdout, nil
	}

	eventually(t, 120*time.Second, func() error {
		out := k("get", "nodes", "--no-headers")
		if !strings.Contains(out, " Ready ") {
			return fmt.Errorf("node not Ready yet:\n%s", out)
		}
		return nil
	})
	kIn(servicesManifest, "apply", "-f", "-")
	k("rollout", "status", "deployment/web", "--timeout=120s")
	k("rollout", "status", "deployment/udp", "--timeout=120s")
	k("wait", "--for=condition=Ready", "pod/client", "--timeout=120s")

	clusterIP := k("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}")
	if net.ParseIP(clusterIP) == nil || !strings.HasPrefix(clusterIP, "10.43.") {
		t.Fatalf("service web has cluster IP %q, want one from 10.43.0.0/16", clusterIP)
	}
	webPods := strings.Fields(k("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"))
	if len(webPods) != 2 {
		t.Fatalf("web pods: %v", webPods)
	}

	// fetch GETs / from host:port inside pod and returns the body: the
	// serving pod's name. (Debian's static busybox wget crashes without
	// the host's libraries; nc does not.)
	fetch := func(pod, hostPort string) (string, error) {
		host, port, _ := strings.Cut(hostPort, ":")
		if port == "" {
			port = "80"
		}
		out, err := inPod(pod, fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 %s %s`, host, port))
		if err != nil {
			return out, err
		}
		_, body, found := strings.Cut(out, "\r\n\r\n")
		if !found {
			return out, fmt.Errorf("no HTTP response from %s: %q", hostPort, out)
		}
		return strings.TrimSpace(body), nil
	}
	spread := func(pod, url string, n int) (map[string]int, error) {
		seen := map[string]int{}
		for i := 0; i < n; i++ {
			got, err := fetch(pod, url)
			if err != nil {
				return seen, err
			}
			seen[got]++
		}
		return seen, nil
	}

	t.Run("by name, cluster IP and node port", func(t *testing.T) {
		for _, url := range []string{"web", "web.default.svc.cluster.local", clusterIP} {
			eventually(t, 60*time.Second, func() error {
				got, err := fetch("client", url)
				if err != nil {
					return err
				}
				if !strings.HasPrefix(got, "web-") {
					return fmt.Errorf("%s answered %q", url, got)
				}
				return nil
			})
		}
		nodePort := k("get", "service", "web-np", "-o", "jsonpath={.spec.ports[0].nodePort}")
		nodeIP := k("get", "node", "svc-node", "-o", `jsonpath={.status.addresses[?(@.type=="InternalIP")].address}`)
		eventually(t, 30*time.Second, func() error {
			resp, err := (&http.Client{Timeout: 3 * time.Second}).Get("http://" + net.JoinHostPort(nodeIP, nodePort) + "/")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("node port: %s", resp.Status)
			}
			return nil
		})
		// From a pod, too.
		if got, err := fetch("client", net.JoinHostPort(nodeIP, nodePort)); err != nil || !strings.HasPrefix(got, "web-") {
			t.Fatalf("node port from a pod: %q %v", got, err)
		}
	})

	t.Run("load balancer", func(t *testing.T) {
		var ingress string
		eventually(t, 30*time.Second, func() error {
			ingress = k("get", "service", "web-lb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")
			if net.ParseIP(ingress) == nil {
				return fmt.Errorf("web-lb has no ingress address yet (%q)", ingress)
			}
			return nil
		})
		eventually(t, 30*time.Second, func() error {
			resp, err := (&http.Client{Timeout: 3 * time.Second}).Get("http://" + net.JoinHostPort(ingress, "8081") + "/")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("load balancer address: %s", resp.Status)
			}
			return nil
		})
	})

	t.Run("load spreads over endpoints", func(t *testing.T) {
		seen, err := spread("client", clusterIP, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 {
			t.Fatalf("30 requests reached %v, want both pods", seen)
		}
	})

	t.Run("hairpin", func(t *testing.T) {
		// A pod reaching its own Service lands on itself half the time.
		seen, err := spread(webPods[0], clusterIP, 12)
		if err != nil {
			t.Fatal(err)
		}
		if seen[webPods[0]] == 0 {
			t.Fatalf("12 requests from %s through its service never reached itself: %v", webPods[0], seen)
		}
	})

	t.Run("not ready pod drops out", func(t *testing.T) {
		if _, err := inPod(webPods[0], "rm /www/ready"); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() error {
			seen, err := spread("client", clusterIP, 10)
			if err != nil {
				return err
			}
			if len(seen) != 1 || seen[webPods[1]] != 10 {
				return fmt.Errorf("requests reached %v, want only %s", seen, webPods[1])
			}
			return nil
		})
		if _, err := inPod(webPods[0], "touch /www/ready"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("session affinity", func(t *testing.T) {
		k("patch", "service", "web", "-p", `{"spec":{"sessionAffinity":"ClientIP"}}`)
		eventually(t, 30*time.Second, func() error {
			seen, err := spread("client", clusterIP, 10)
			if err != nil {
				return err
			}
			if len(seen) != 1 {
				return fmt.Errorf("with ClientIP affinity requests reached %v", seen)
			}
			return nil
		})
		k("patch", "service", "web", "-p", `{"spec":{"sessionAffinity":"None"}}`)
	})

	t.Run("dns", func(t *testing.T) {
		out, err := inPod("client", "cat /etc/resolv.conf")
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, out, "nameserver 10.43.0.10", "search default.svc.cluster.local svc.cluster.local cluster.local", "ndots:5")
		eventually(t, 30*time.Second, func() error {
			out, err := inPod("client", "nslookup web-headless.default.svc.cluster.local")
			if err != nil {
				return err
			}
			for _, p := range webPods {
				ip := k("get", "pod", p, "-o", "jsonpath={.status.podIP}")
				if !strings.Contains(out, ip) {
					return fmt.Errorf("headless lookup lacks %s (%s):\n%s", p, ip, out)
				}
			}
			return nil
		})
		out, err = inPod("client", "nslookup -type=srv _http._tcp.web-headless.default.svc.cluster.local")
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, out, "8080")
		out, err = inPod("client", "nslookup ext.default.svc.cluster.local")
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, out, "web.default.svc.cluster.local", clusterIP)
	})

	t.Run("udp", func(t *testing.T) {
		eventually(t, 30*time.Second, func() error {
			out, err := inPod("client", "udpecho send udp:53 ping")
			if err != nil {
				return err
			}
			if !strings.Contains(out, ": ping") {
				return fmt.Errorf("udp answer %q", out)
			}
			return nil
		})
	})

	t.Run("no endpoints refuses at once", func(t *testing.T) {
		k("scale", "deployment/web", "--replicas=0")
		eventually(t, 60*time.Second, func() error {
			start := time.Now()
			out, err := inPod("client", "nc -w 10 "+clusterIP+" 80 </dev/null 2>&1; echo rc=$?")
			if err != nil {
				return err
			}
			if !strings.Contains(out, "refused") {
				return fmt.Errorf("wget with no endpoints: %q", out)
			}
			if d := time.Since(start); d > 5*time.Second {
				return fmt.Errorf("refusal took %s", d)
			}
			return nil
		})
	})

	// Containers outlive the agent by design (a restart adopts them):
	// delete the pods first so nothing keeps running after the test.
	kIn(servicesManifest, "delete", "-f", "-", "--wait", "--timeout=120s")
	eventually(t, 120*time.Second, func() error {
		if out := k("get", "pods", "--no-headers", "--ignore-not-found"); strings.TrimSpace(out) != "" {
			return fmt.Errorf("pods left:\n%s", out)
		}
		return nil
	})
	if err := c.stop(); err != nil {
		t.Errorf("stopping server: %v", err)
	}
	stopped = true
	cleanupProxy(t, bin)
	if out, err := exec.Command("nft", "list", "tables").CombinedOutput(); err != nil || strings.Contains(string(out), "nauta") {
		t.Errorf("nft tables after cleanup: %s %v", out, err)
	}
	if out, err := exec.Command("iptables-save", "-t", "nat").CombinedOutput(); err != nil || strings.Contains(string(out), "NAUTA") {
		t.Errorf("iptables nat after cleanup: %s %v", out, err)
	}
}

// cleanupProxy removes the proxy's rules as `nauta agent --cleanup` does.
func cleanupProxy(t *testing.T, bin string) {
	t.Helper()
	if out, err := exec.Command(bin, "agent", "--cleanup").CombinedOutput(); err != nil {
		t.Errorf("nauta agent --cleanup: %v\n%s", err, out)
	}
}
