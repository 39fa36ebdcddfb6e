package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

func TestAPIResourcesAndVersions(t *testing.T) {
	out := kubectl(t, "api-resources")
	mustContain(t, out, "NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND")
	for _, line := range []string{"pods", "deployments", "cronjobs", "horizontalpodautoscalers", "leases", "endpointslices", "ingresses", "poddisruptionbudgets", "clusterroles", "storageclasses", "priorityclasses", "certificatesigningrequests", "validatingwebhookconfigurations"} {
		mustContain(t, out, line)
	}
	mustContain(t, out, "deploy", "apps/v1", "Deployment")

	out = kubectl(t, "api-versions")
	for _, v := range []string{"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "events.k8s.io/v1", "networking.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "scheduling.k8s.io/v1", "certificates.k8s.io/v1", "admissionregistration.k8s.io/v1"} {
		found := false
		for _, l := range strings.Split(out, "\n") {
			if strings.TrimSpace(l) == v {
				found = true
			}
		}
		if !found {
			t.Errorf("api-versions lacks %s:\n%s", v, out)
		}
	}
	out = kubectl(t, "api-resources", "--namespaced=false", "-o", "name")
	mustContain(t, out, "namespaces", "nodes", "persistentvolumes")
	if strings.Contains(out, "\npods\n") {
		t.Fatalf("pods listed as cluster-scoped:\n%s", out)
	}
}

func TestExplain(t *testing.T) {
	out := kubectl(t, "explain", "deployment.spec.strategy")
	mustContain(t, out, "KIND:", "Deployment", "FIELD: strategy", "rollingUpdate", "type")
	out = kubectl(t, "explain", "pods.spec.containers.image")
	mustContain(t, out, "image", "<string>")
}

func TestNautaKubectlAndVersions(t *testing.T) {
	t.Run("nauta kubectl", func(t *testing.T) {
		cmd := exec.Command(shared.bin, "kubectl", "--kubeconfig", shared.kubeconfig, "get", "namespaces", "-o", "name")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nauta kubectl: %v\n%s", err, out)
		}
		mustContain(t, string(out), "namespace/default", "namespace/kube-system")
		cmd = exec.Command(shared.bin, "kubectl", "version", "--client")
		out, err = cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nauta kubectl version: %v\n%s", err, out)
		}
		if strings.Contains(string(out), "v0.0.0") {
			t.Fatalf("embedded kubectl has no real version:\n%s", out)
		}
	})
	for _, name := range []string{"kubectl.1.27", "kubectl.1.33"} {
		t.Run(name, func(t *testing.T) {
			bin := kubectlPath(t, name)
			ns := "e2e-" + strings.ReplaceAll(strings.TrimPrefix(name, "kubectl."), ".", "-")
			steps := [][]string{
				{"version"},
				{"create", "namespace", ns},
				{"-n", ns, "create", "configmap", "smoke", "--from-literal=a=b"},
				{"-n", ns, "get", "configmaps"},
				{"-n", ns, "get", "configmap", "smoke", "-o", "yaml"},
				{"api-resources"},
				{"explain", "deployment.spec.replicas"},
				{"delete", "namespace", ns, "--wait"},
			}
			for _, args := range steps {
				r := kubectlWith(t, bin, "", args...)
				if r.err != nil {
					t.Fatalf("%s %s: %s", name, strings.Join(args, " "), r)
				}
			}
			r := kubectlWith(t, bin, deploymentYAML("default", "smoke-"+strings.ReplaceAll(name, ".", "-"), 1), "apply", "-f", "-")
			if r.err != nil {
				t.Fatalf("%s apply: %s", name, r)
			}
			kubectlWith(t, bin, "", "delete", "deployment", "smoke-"+strings.ReplaceAll(name, ".", "-"))
		})
	}
}
