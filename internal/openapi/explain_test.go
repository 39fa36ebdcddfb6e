package openapi

import (
	"bytes"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/cmd/explain"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// TestKubectlExplain runs `kubectl explain` (the real command, through a
// kubectl factory) against the documents, with the OpenAPI v3 renderer
// kubectl uses by default and the v2 one it falls back to.
func TestKubectlExplain(t *testing.T) {
	resources := testResources()
	srv := newTestServer(t, newTestSpec(t), resources)
	kubeconfig := writeKubeconfig(t, srv)

	tests := []struct {
		name string
		args []string
		// docs must appear in both renderers' output; v3 and v2 only in
		// that of the v3 (default) or the v2 (fallback) renderer. All
		// compare whitespace-insensitively.
		docs, v3, v2 []string
	}{
		{
			name: "deployment strategy",
			args: []string{"deployment.spec.strategy"},
			docs: []string{
				appsv1.DeploymentSpec{}.SwaggerDoc()["strategy"],
				appsv1.DeploymentStrategy{}.SwaggerDoc()[""],
				appsv1.DeploymentStrategy{}.SwaggerDoc()["rollingUpdate"],
				appsv1.DeploymentStrategy{}.SwaggerDoc()["type"],
			},
			v3: []string{"GROUP: apps KIND: Deployment VERSION: v1", "FIELD: strategy <DeploymentStrategy>",
				"rollingUpdate <RollingUpdateDeployment>"},
			v2: []string{"KIND: Deployment VERSION: apps/v1", "RESOURCE: strategy <Object>", "rollingUpdate <Object>"},
		},
		{
			name: "deployment rolling update",
			args: []string{"deployments.spec.strategy.rollingUpdate"},
			docs: []string{
				appsv1.RollingUpdateDeployment{}.SwaggerDoc()["maxSurge"],
				appsv1.RollingUpdateDeployment{}.SwaggerDoc()["maxUnavailable"],
			},
			v3: []string{"maxSurge <IntOrString>"},
			v2: []string{"maxSurge <string>"},
		},
		{
			name: "pod containers",
			args: []string{"pods.spec.containers"},
			docs: []string{corev1.Container{}.SwaggerDoc()["image"], corev1.Container{}.SwaggerDoc()["name"]},
			v3:   []string{"name <string> -required-", "ports <[]ContainerPort>"},
			v2:   []string{"name <string> -required-", "ports <[]Object>"},
		},
		{
			name: "node",
			args: []string{"node"},
			docs: []string{corev1.Node{}.SwaggerDoc()[""], corev1.Node{}.SwaggerDoc()["spec"]},
			v3:   []string{"KIND: Node VERSION: v1"},
		},
		{
			name: "hpa v1 is the v1 schema",
			args: []string{"hpa.spec", "--api-version=autoscaling/v1"},
			docs: []string{autoscalingv1.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["targetCPUUtilizationPercentage"]},
			v3:   []string{"GROUP: autoscaling KIND: HorizontalPodAutoscaler VERSION: v1"},
			v2:   []string{"VERSION: autoscaling/v1"},
		},
	}
	for _, output := range []string{"plaintext", "plaintext-openapiv2"} {
		for _, tc := range tests {
			t.Run(output+"/"+tc.name, func(t *testing.T) {
				out := runExplain(t, kubeconfig, append(tc.args, "--output="+output))
				want := append([]string(nil), tc.docs...)
				if output == "plaintext" {
					want = append(want, tc.v3...)
				} else {
					want = append(want, tc.v2...)
				}
				for _, w := range want {
					if !strings.Contains(squash(out), squash(w)) {
						t.Errorf("output lacks %q:\n%s", w, out)
					}
				}
			})
		}
	}
}

// runExplain runs `kubectl explain args...` and returns what it printed.
func runExplain(t *testing.T, kubeconfig string, args []string) string {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(true)
	flags.KubeConfig = &kubeconfig
	cacheDir := t.TempDir()
	flags.CacheDir = &cacheDir
	f := cmdutil.NewFactory(flags)

	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	cmdutil.BehaviorOnFatal(func(msg string, code int) {
		t.Fatalf("kubectl explain %v failed (%d): %s\n%s", args, code, msg, errOut.String())
	})
	defer cmdutil.DefaultBehaviorOnFatal()

	cmd := explain.NewCmdExplain("kubectl", f, streams)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("kubectl explain %v: %v", args, err)
	}
	return out.String()
}

// squash collapses runs of whitespace, so wrapped text compares equal.
func squash(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
