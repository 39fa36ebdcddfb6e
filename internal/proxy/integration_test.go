package proxy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/server/servertest"
)

// TestProxierWithAPIServer runs the proxy on informers of an in-process
// control plane, programming a throwaway network namespace.
func TestProxierWithAPIServer(t *testing.T) {
	requireKernelTools(t)
	restConfig := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(restConfig)

	tests := []struct {
		mode           string
		list           []string // command listing the rules
		routed, reject string   // what shows a routed / rejecting Service
		nodeIP         string
		nodePortRule   string // what shows NodePorts served on the node address
	}{
		{ModeNFTables, []string{"nft", "list", "table", "ip", "nauta"}, "10.43.0.50 . tcp . 80 : goto dnat-1", "10.43.0.50 . tcp . 80 : goto reject-chain",
			"7", "elements = { 192.168.99.7 }"},
		{ModeIPTables, []string{"iptables-save"}, `web-ipt/tcp/http cluster IP" -m tcp --dport 80 -j NAUTA-SVC-`, `web-ipt/tcp/http has no endpoints" -m tcp --dport 80 -j REJECT`,
			"8", `-A NAUTA-SERVICES -d 192.168.99.8/32 -m comment --comment "nauta service nodeports" -j NAUTA-NODEPORTS`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			ns := fmt.Sprintf("npx%d-api-%s", os.Getpid()%100000, tt.mode[:3])
			sh(t, "ip", "netns", "add", ns)
			t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
			r := runnerIn(ns)

			p, err := newProxier(Config{
				RESTConfig: restConfig, NodeName: testNode, Mode: tt.mode,
				MinSyncPeriod: 50 * time.Millisecond, Logger: servertest.Logger(t, 0),
			}, r)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run: %v", err)
				}
			})

			rules := func() string {
				out, err := r.run(context.Background(), nil, tt.list[0], tt.list[1:]...)
				if err != nil {
					return ""
				}
				return string(out)
			}
			waitFor := func(what string, cond func(string) bool) {
				t.Helper()
				deadline := time.Now().Add(20 * time.Second)
				for time.Now().Before(deadline) {
					if cond(rules()) {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				t.Fatalf("timed out waiting for %s; rules:\n%s", what, rules())
			}

			name := "web-" + tt.mode[:3]
			svc := newService("default", name, "10.43.0.50", []v1.ServicePort{tcpPort("http", 80, 8080, 0)})
			svc.Namespace = ""
			if _, err := client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = client.CoreV1().Services("default").Delete(context.Background(), name, metav1.DeleteOptions{})
			})
			waitFor("a Service without endpoints to reject", func(s string) bool { return strings.Contains(s, tt.reject) })

			slice := newSlice("default", name, "abc", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.11"})
			slice.Namespace = ""
			created, err := client.DiscoveryV1().EndpointSlices("default").Create(ctx, slice, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			waitFor("the endpoint to be routed", func(s string) bool { return strings.Contains(s, tt.routed) && !strings.Contains(s, tt.reject) })

			notReady := false
			created.Endpoints[0].Conditions.Ready = &notReady
			created.Endpoints[0].Conditions.Serving = &notReady
			if _, err := client.DiscoveryV1().EndpointSlices("default").Update(ctx, created, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			waitFor("the not-ready endpoint to drop out", func(s string) bool { return strings.Contains(s, tt.reject) && !strings.Contains(s, tt.routed) })

			if err := client.CoreV1().Services("default").Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			waitFor("the deleted Service to disappear", func(s string) bool { return !strings.Contains(s, "10.43.0.50") })

			// Without Config.NodeIPs, NodePorts are served on the Node's
			// addresses.
			node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: testNode}}
			if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
			node, err = client.CoreV1().Nodes().Get(ctx, testNode, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			node.Status.Addresses = []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: "192.168.99." + tt.nodeIP}}
			if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			waitFor("the node address to serve NodePorts", func(s string) bool { return strings.Contains(s, tt.nodePortRule) })
		})
	}
}
