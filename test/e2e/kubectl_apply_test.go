package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// appManifest is a multi-document YAML as users write it.
func appManifest(ns string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: %[1]s
data:
  greeting: hello
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
  namespace: %[1]s
stringData:
  password: s3cret
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: %[1]s
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: httpd
        image: busybox:1.36
        command: ["httpd", "-f", "-p", "8080"]
        ports:
        - containerPort: 8080
          name: http
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: %[1]s
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: http
`, ns)
}

func TestApplyMultiDocument(t *testing.T) {
	ns := "e2e-apply"
	out := kubectlIn(t, appManifest(ns), "apply", "-f", "-")
	mustContain(t, out,
		"namespace/"+ns+" created",
		"configmap/web-config created",
		"secret/web-secret created",
		"deployment.apps/web created",
		"service/web created",
	)
	// A second apply with no changes reports "unchanged".
	out = kubectlIn(t, appManifest(ns), "apply", "-f", "-")
	mustContain(t, out, "configmap/web-config unchanged", "deployment.apps/web unchanged")

	// A change through apply shows as "configured" and lands.
	changed := strings.Replace(appManifest(ns), "greeting: hello", "greeting: hi", 1)
	out = kubectlIn(t, changed, "apply", "-f", "-")
	mustContain(t, out, "configmap/web-config configured")
	got := kubectl(t, "-n", ns, "get", "configmap", "web-config", "-o", "jsonpath={.data.greeting}")
	if got != "hi" {
		t.Fatalf("greeting = %q, want hi", got)
	}

	t.Run("defaults shown by get -o yaml", func(t *testing.T) {
		out := kubectl(t, "-n", ns, "get", "deployment", "web", "-o", "yaml")
		mustContain(t, out,
			"revisionHistoryLimit: 10",
			"progressDeadlineSeconds: 600",
			"type: RollingUpdate",
			"maxSurge: 25%",
			"imagePullPolicy: IfNotPresent",
			"terminationMessagePath: /dev/termination-log",
			"restartPolicy: Always",
			"dnsPolicy: ClusterFirst",
			"schedulerName: default-scheduler",
			"generation: 1",
		)
		svc := kubectl(t, "-n", ns, "get", "service", "web", "-o", "yaml")
		mustContain(t, svc, "type: ClusterIP", "sessionAffinity: None", "- IPv4")
	})

	t.Run("secret stringData becomes data", func(t *testing.T) {
		got := kubectl(t, "-n", ns, "get", "secret", "web-secret", "-o", "jsonpath={.data.password}")
		if got != "czNjcmV0" {
			t.Fatalf("data.password = %q, want base64 of s3cret", got)
		}
	})

	t.Run("output formats", func(t *testing.T) {
		out := kubectl(t, "-n", ns, "get", "deployments")
		mustContain(t, out, "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "web")
		out = kubectl(t, "-n", ns, "get", "deployments", "-o", "wide")
		mustContain(t, out, "CONTAINERS", "IMAGES", "SELECTOR", "busybox:1.36", "app=web")
		out = kubectl(t, "-n", ns, "get", "deployment", "web", "-o", "json")
		var obj map[string]any
		if err := json.Unmarshal([]byte(out), &obj); err != nil {
			t.Fatalf("-o json is not JSON: %v\n%s", err, out)
		}
		if obj["kind"] != "Deployment" || obj["apiVersion"] != "apps/v1" {
			t.Fatalf("kind/apiVersion = %v/%v", obj["kind"], obj["apiVersion"])
		}
		out = kubectl(t, "-n", ns, "get", "svc", "-o", "wide")
		mustContain(t, out, "TYPE", "CLUSTER-IP", "PORT(S)", "SELECTOR", "ClusterIP", "app=web")
		out = kubectl(t, "get", "namespaces")
		mustContain(t, out, "STATUS", ns, "Active", "default", "kube-system")
		out = kubectl(t, "-n", ns, "get", "all")
		mustContain(t, out, "deployment.apps/web", "service/web")
	})

	t.Run("describe", func(t *testing.T) {
		out := kubectl(t, "-n", ns, "describe", "deployment", "web")
		mustContain(t, out, "Name:", "web", "Namespace:", ns, "Selector:", "app=web", "StrategyType:", "RollingUpdate", "Pod Template:")
		out = kubectl(t, "-n", ns, "describe", "configmap", "web-config")
		mustContain(t, out, "greeting")
	})

	t.Run("delete --wait", func(t *testing.T) {
		kubectl(t, "delete", "namespace", ns, "--wait", "--timeout=60s")
		r := kubectlWith(t, kubectlPath(t, "kubectl"), "", "get", "namespace", ns)
		if r.err == nil || !strings.Contains(r.stderr, "NotFound") {
			t.Fatalf("namespace still there after delete --wait: %s", r)
		}
	})
}

func TestServerSideDryRunAndDiff(t *testing.T) {
	ns := "e2e-dryrun"
	kubectl(t, "create", "namespace", ns)
	defer kubectl(t, "delete", "namespace", ns, "--wait=false")
	cm := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: %s\ndata:\n  k: v1\n", ns)

	out := kubectlIn(t, cm, "apply", "--dry-run=server", "-f", "-")
	mustContain(t, out, "configmap/c created (server dry run)")
	r := kubectlWith(t, kubectlPath(t, "kubectl"), "", "-n", ns, "get", "configmap", "c")
	if r.err == nil {
		t.Fatalf("dry-run apply stored the object: %s", r)
	}

	kubectlIn(t, cm, "apply", "-f", "-")
	// diff exits 0 when nothing changes and 1 when something does.
	r = kubectlWith(t, kubectlPath(t, "kubectl"), cm, "diff", "-f", "-")
	if r.err != nil {
		t.Fatalf("diff of an unchanged object failed: %s", r)
	}
	r = kubectlWith(t, kubectlPath(t, "kubectl"), strings.Replace(cm, "k: v1", "k: v2", 1), "diff", "-f", "-")
	if r.err == nil || !strings.Contains(r.stdout, "-  k: v1") || !strings.Contains(r.stdout, "+  k: v2") {
		t.Fatalf("diff did not show the change: %s", r)
	}
}

func TestGetWatchSeesChange(t *testing.T) {
	ns := "e2e-watch"
	kubectl(t, "create", "namespace", ns)
	defer kubectl(t, "delete", "namespace", ns, "--wait=false")
	kubectl(t, "-n", ns, "create", "configmap", "w", "--from-literal=a=1")

	done := make(chan result, 1)
	go func() {
		done <- kubectlWith(t, kubectlPath(t, "kubectl"), "", "-n", ns, "get", "configmaps", "-w", "--request-timeout=8s", "-o", "name")
	}()
	time.Sleep(2 * time.Second)
	kubectl(t, "-n", ns, "create", "configmap", "w2", "--from-literal=b=2")
	r := <-done
	if !strings.Contains(r.stdout, "configmap/w2") {
		t.Fatalf("get -w did not see the new configmap: %s", r)
	}
}
