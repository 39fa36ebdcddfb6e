package e2e

import (
	"fmt"
	"strings"
	"testing"
)

func deploymentYAML(ns, name string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  replicas: %[3]d
  selector:
    matchLabels:
      app: %[2]s
  template:
    metadata:
      labels:
        app: %[2]s
    spec:
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]
`, ns, name, replicas)
}

func TestLabelAnnotatePatchReplaceScale(t *testing.T) {
	ns := "e2e-mutate"
	kubectl(t, "create", "namespace", ns)
	defer kubectl(t, "delete", "namespace", ns, "--wait=false")
	kubectlIn(t, deploymentYAML(ns, "d", 1), "create", "-f", "-")

	t.Run("label and annotate", func(t *testing.T) {
		mustContain(t, kubectl(t, "-n", ns, "label", "deployment", "d", "tier=backend"), "deployment.apps/d labeled")
		mustContain(t, kubectl(t, "-n", ns, "annotate", "deployment", "d", "owner=team-a"), "deployment.apps/d annotated")
		mustContain(t, kubectl(t, "-n", ns, "get", "deployments", "-l", "tier=backend", "-o", "name"), "deployment.apps/d")
		if got := kubectl(t, "-n", ns, "get", "deployments", "-l", "tier=frontend", "-o", "name"); got != "" {
			t.Fatalf("selector tier=frontend matched %q", got)
		}
		got := kubectl(t, "-n", ns, "get", "deployment", "d", "-o", "jsonpath={.metadata.annotations.owner}")
		if got != "team-a" {
			t.Fatalf("annotation owner = %q", got)
		}
		// Changing an existing label needs --overwrite, as upstream.
		r := kubectlWith(t, kubectlPath(t, "kubectl"), "", "-n", ns, "label", "deployment", "d", "tier=frontend")
		if r.err == nil || !strings.Contains(r.stderr, "already has a value") {
			t.Fatalf("relabel without --overwrite: %s", r)
		}
		kubectl(t, "-n", ns, "label", "deployment", "d", "tier-")
	})

	t.Run("patch strategic merge", func(t *testing.T) {
		before := kubectl(t, "-n", ns, "get", "deployment", "d", "-o", "jsonpath={.metadata.generation}")
		out := kubectl(t, "-n", ns, "patch", "deployment", "d", "-p",
			`{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:1.37"}]}}}}`)
		mustContain(t, out, "deployment.apps/d patched")
		got := kubectl(t, "-n", ns, "get", "deployment", "d", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].command[0]} {.metadata.generation}")
		var gen int
		fmt.Sscan(before, &gen)
		if want := fmt.Sprintf("busybox:1.37 sleep %d", gen+1); got != want {
			t.Fatalf("after strategic patch got %q, want %q (merged container, generation bumped)", got, want)
		}
	})

	t.Run("patch merge", func(t *testing.T) {
		kubectl(t, "-n", ns, "patch", "deployment", "d", "--type=merge", "-p", `{"spec":{"minReadySeconds":5}}`)
		got := kubectl(t, "-n", ns, "get", "deployment", "d", "-o", "jsonpath={.spec.minReadySeconds}")
		if got != "5" {
			t.Fatalf("minReadySeconds = %q", got)
		}
	})

	t.Run("patch json", func(t *testing.T) {
		kubectl(t, "-n", ns, "patch", "deployment", "d", "--type=json", "-p",
			`[{"op":"replace","path":"/spec/replicas","value":3}]`)
		got := kubectl(t, "-n", ns, "get", "deployment", "d", "-o", "jsonpath={.spec.replicas}")
		if got != "3" {
			t.Fatalf("replicas = %q", got)
		}
		r := kubectlWith(t, kubectlPath(t, "kubectl"), "", "-n", ns, "patch", "deployment", "d", "--type=json", "-p",
			`[{"op":"test","path":"/spec/replicas","value":7}]`)
		if r.err == nil {
			t.Fatalf("failing json patch test op succeeded: %s", r)
		}
	})

	t.Run("replace", func(t *testing.T) {
		cur := kubectl(t, "-n", ns, "get", "deployment", "d", "-o", "yaml")
		next := strings.Replace(cur, "minReadySeconds: 5", "minReadySeconds: 7", 1)
		mustContain(t, kubectlIn(t, next, "replace", "-f", "-"), "deployment.apps/d replaced")
		// Replaying the old resourceVersion is a conflict.
		r := kubectlFails(t, cur, "replace", "-f", "-")
		mustContain(t, r.stderr, "the object has been modified")
	})

	t.Run("scale", func(t *testing.T) {
		mustContain(t, kubectl(t, "-n", ns, "scale", "deployment", "d", "--replicas=5"), "deployment.apps/d scaled")
		got := kubectl(t, "-n", ns, "get", "deployment", "d", "-o", "jsonpath={.spec.replicas}")
		if got != "5" {
			t.Fatalf("replicas after scale = %q", got)
		}
		r := kubectlFails(t, "", "-n", ns, "scale", "deployment", "d", "--replicas=1", "--current-replicas=2")
		mustContain(t, r.stderr, "Expected replicas to be 2, was 5")
	})

	t.Run("delete --wait", func(t *testing.T) {
		mustContain(t, kubectl(t, "-n", ns, "delete", "deployment", "d", "--wait"), `deployment.apps "d" deleted`)
		r := kubectlFails(t, "", "-n", ns, "get", "deployment", "d")
		mustContain(t, r.stderr, `deployments.apps "d" not found`)
	})
}

func TestInvalidObjectErrors(t *testing.T) {
	ns := "e2e-invalid"
	kubectl(t, "create", "namespace", ns)
	defer kubectl(t, "delete", "namespace", ns, "--wait=false")

	tests := []struct {
		name     string
		manifest string
		wants    []string
	}{
		{
			name: "bad name and missing image",
			manifest: `apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
spec:
  containers:
  - name: c
`,
			wants: []string{`The Pod "Bad_Name" is invalid`, "metadata.name: Invalid value: \"Bad_Name\"", "spec.containers[0].image: Required value"},
		},
		{
			name: "selector does not match labels",
			manifest: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mismatch
spec:
  selector:
    matchLabels:
      app: a
  template:
    metadata:
      labels:
        app: b
    spec:
      containers:
      - name: c
        image: busybox
`,
			wants: []string{`The Deployment "mismatch" is invalid`, "spec.template.metadata.labels", "`selector` does not match template `labels`"},
		},
		{
			name: "unknown field with strict validation",
			manifest: `apiVersion: v1
kind: ConfigMap
metadata:
  name: strict
data:
  a: b
bogus: true
`,
			wants: []string{`unknown field "bogus"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := kubectlFails(t, tc.manifest, "-n", ns, "create", "-f", "-")
			mustContain(t, r.stderr, tc.wants...)
		})
	}

	t.Run("immutable selector", func(t *testing.T) {
		kubectlIn(t, deploymentYAML(ns, "imm", 1), "create", "-f", "-")
		r := kubectlFails(t, "", "-n", ns, "patch", "deployment", "imm", "--type=merge", "-p",
			`{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}`)
		mustContain(t, r.stderr, "spec.selector", "field is immutable")
	})

	t.Run("create in missing namespace", func(t *testing.T) {
		r := kubectlFails(t, "", "-n", "does-not-exist", "create", "configmap", "x")
		mustContain(t, r.stderr, `namespaces "does-not-exist" not found`)
	})

	t.Run("already exists", func(t *testing.T) {
		kubectl(t, "-n", ns, "create", "configmap", "dup")
		r := kubectlFails(t, "", "-n", ns, "create", "configmap", "dup")
		mustContain(t, r.stderr, `configmaps "dup" already exists`)
	})
}
