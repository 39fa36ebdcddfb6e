package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/controller/controllertest"
	"github.com/nauta/nauta/internal/server"
	"github.com/nauta/nauta/internal/server/servertest"
)

// TestServiceAddresses checks ClusterIP and NodePort allocation through
// the API and the default/kubernetes Service.
func TestServiceAddresses(t *testing.T) {
	cfg := servertest.Start(t, func(c *server.Config) {
		c.ServiceClusterIPRange = "10.96.0.0/24"
		c.ServiceNodePortRange = "31000-31099"
		// Endpoints may not hold loopback addresses.
		c.AdvertiseAddress = "192.0.2.10"
	})
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()

	t.Run("kubernetes service", func(t *testing.T) {
		controllertest.Eventually(t, "the kubernetes service and its endpoints", func(ctx context.Context) (bool, error) {
			svc, err := client.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if svc.Spec.ClusterIP != "10.96.0.1" || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 443 ||
				svc.Spec.Ports[0].TargetPort.IntValue() == 0 {
				return false, fmt.Errorf("unexpected service %s", svc.Spec.String())
			}
			ep, err := client.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 1 || ep.Subsets[0].Addresses[0].IP != "192.0.2.10" ||
				ep.Subsets[0].Ports[0].Port != svc.Spec.Ports[0].TargetPort.IntVal {
				return false, fmt.Errorf("unexpected endpoints %s", ep.String())
			}
			slice, err := client.DiscoveryV1().EndpointSlices("default").Get(ctx, "kubernetes", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if len(slice.Endpoints) != 1 || slice.Endpoints[0].Addresses[0] != "192.0.2.10" {
				return false, fmt.Errorf("unexpected endpointslice %s", slice.String())
			}
			return true, nil
		})
	})

	newService := func(name string, typ corev1.ServiceType, clusterIP string, nodePort int32) *corev1.Service {
		return &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.ServiceSpec{
				Type:      typ,
				ClusterIP: clusterIP,
				Selector:  map[string]string{"app": name},
				Ports:     []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: nodePort}},
			},
		}
	}
	svcs := client.CoreV1().Services("default")

	t.Run("cluster IP", func(t *testing.T) {
		got, err := svcs.Create(ctx, newService("web", corev1.ServiceTypeClusterIP, "", 0), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.Spec.ClusterIP, "10.96.0.") || got.Spec.ClusterIPs[0] != got.Spec.ClusterIP {
			t.Fatalf("clusterIP %q clusterIPs %v", got.Spec.ClusterIP, got.Spec.ClusterIPs)
		}
		_, err = svcs.Create(ctx, newService("web2", corev1.ServiceTypeClusterIP, got.Spec.ClusterIP, 0), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "provided IP is already allocated") {
			t.Fatalf("duplicate clusterIP: got %v", err)
		}
		_, err = svcs.Create(ctx, newService("web3", corev1.ServiceTypeClusterIP, "10.97.0.1", 0), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "The range of valid IPs is 10.96.0.0/24") {
			t.Fatalf("clusterIP out of range: got %v", err)
		}
		// An apply-style update without clusterIP keeps it.
		got.Spec.ClusterIP, got.Spec.ClusterIPs = "", nil
		upd, err := svcs.Update(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Spec.ClusterIP == "" {
			t.Fatal("update without clusterIP dropped it")
		}
		ip := upd.Spec.ClusterIP
		if err := svcs.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		again, err := svcs.Create(ctx, newService("web2", corev1.ServiceTypeClusterIP, ip, 0), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("IP of a deleted service not reusable at once: %v", err)
		}
		if again.Spec.ClusterIP != ip {
			t.Fatalf("got %s, want %s", again.Spec.ClusterIP, ip)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		got, err := svcs.Create(ctx, newService("dry", corev1.ServiceTypeNodePort, "", 0),
			metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.ClusterIP == "" || got.Spec.Ports[0].NodePort == 0 {
			t.Fatalf("dry-run create shows no allocation: %+v", got.Spec)
		}
		// Nothing was reserved: the same values can be asked for for real.
		if _, err := svcs.Create(ctx, newService("real", corev1.ServiceTypeNodePort, got.Spec.ClusterIP, got.Spec.Ports[0].NodePort),
			metav1.CreateOptions{}); err != nil {
			t.Fatalf("values shown by a dry run were reserved: %v", err)
		}
		// A dry-run type change shows the node port it would get.
		real, err := svcs.Get(ctx, "real", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		real.Spec.Type = corev1.ServiceTypeLoadBalancer
		real.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
		dry, err := svcs.Update(ctx, real, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Spec.HealthCheckNodePort == 0 {
			t.Fatalf("dry-run update to LoadBalancer/Local shows no healthCheckNodePort: %+v", dry.Spec)
		}
		// Nothing was reserved: the port is free for a real create.
		if _, err := svcs.Create(ctx, newService("hc", corev1.ServiceTypeNodePort, "", dry.Spec.HealthCheckNodePort),
			metav1.CreateOptions{}); err != nil {
			t.Fatalf("port shown by a dry-run update was reserved: %v", err)
		}
		for _, name := range []string{"real", "hc"} {
			if err := svcs.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("node port", func(t *testing.T) {
		got, err := svcs.Create(ctx, newService("np", corev1.ServiceTypeNodePort, "", 0), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		np := got.Spec.Ports[0].NodePort
		if np < 31000 || np > 31099 {
			t.Fatalf("nodePort %d outside 31000-31099", np)
		}
		_, err = svcs.Create(ctx, newService("np2", corev1.ServiceTypeNodePort, "", np), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "provided port is already allocated") {
			t.Fatalf("duplicate nodePort: got %v", err)
		}
		_, err = svcs.Create(ctx, newService("np3", corev1.ServiceTypeNodePort, "", 30000), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "The range of valid ports is 31000-31099") {
			t.Fatalf("nodePort out of range: got %v", err)
		}
		// Back to ClusterIP frees the port for another service.
		got.Spec.Type = corev1.ServiceTypeClusterIP
		got.Spec.Ports[0].NodePort = 0
		if _, err := svcs.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svcs.Create(ctx, newService("np2", corev1.ServiceTypeNodePort, "", np), metav1.CreateOptions{}); err != nil {
			t.Fatalf("freed node port not reusable: %v", err)
		}
	})
}
