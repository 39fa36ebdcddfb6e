package servicelb

import (
	"context"
	"fmt"
	"slices"
	"testing"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/controllertest"
)

func addNode(t *testing.T, client kubernetes.Interface, name, ip string, ready v1.ConditionStatus) {
	t.Helper()
	ctx := context.Background()
	n, err := client.CoreV1().Nodes().Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Addresses = []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: ip}, {Type: v1.NodeHostName, Address: name}}
	n.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: ready, Reason: "KubeletReady"}}
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func setReady(t *testing.T, client kubernetes.Interface, name string, ready v1.ConditionStatus) {
	t.Helper()
	ctx := context.Background()
	n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions[0].Status = ready
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func lbService(name string, class *string) *v1.Service {
	return &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: v1.ServiceSpec{
			Type:              v1.ServiceTypeLoadBalancer,
			LoadBalancerClass: class,
			Selector:          map[string]string{"app": name},
			Ports:             []v1.ServicePort{{Port: 80}},
		},
	}
}

func waitIngress(t *testing.T, client kubernetes.Interface, name string, want ...string) {
	t.Helper()
	controllertest.Eventually(t, fmt.Sprintf("service %s ingress %v", name, want), func(ctx context.Context) (bool, error) {
		svc, err := client.CoreV1().Services("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		var got []string
		for _, in := range svc.Status.LoadBalancer.Ingress {
			got = append(got, in.IP)
		}
		if !slices.Equal(got, want) {
			return false, fmt.Errorf("ingress %v", got)
		}
		if len(want) > 0 && !slices.Contains(svc.Finalizers, CleanupFinalizer) {
			return false, fmt.Errorf("finalizers %v", svc.Finalizers)
		}
		return true, nil
	})
}

func TestLoadBalancerStatus(t *testing.T) {
	client := controllertest.Run(t, []controller.Constructor{New}, nil)
	ctx := context.Background()
	addNode(t, client, "n1", "192.0.2.1", v1.ConditionTrue)
	addNode(t, client, "n2", "192.0.2.2", v1.ConditionTrue)
	addNode(t, client, "n3", "192.0.2.3", v1.ConditionFalse)

	svcs := client.CoreV1().Services("default")
	if _, err := svcs.Create(ctx, lbService("web", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svcs.Create(ctx, lbService("other", ptr.To("example.com/lb")), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitIngress(t, client, "web", "192.0.2.1", "192.0.2.2")

	// Node readiness changes the published addresses.
	setReady(t, client, "n3", v1.ConditionTrue)
	setReady(t, client, "n1", v1.ConditionFalse)
	waitIngress(t, client, "web", "192.0.2.2", "192.0.2.3")

	// A Service of another load balancer class is never touched.
	other, err := svcs.Get(ctx, "other", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Status.LoadBalancer.Ingress) != 0 || len(other.Finalizers) != 0 {
		t.Fatalf("service with loadBalancerClass was changed: %+v", other)
	}

	// Type change away from LoadBalancer clears the status and finalizer.
	web, err := svcs.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	web.Spec.Type = v1.ServiceTypeClusterIP
	for i := range web.Spec.Ports {
		web.Spec.Ports[i].NodePort = 0
	}
	if _, err := svcs.Update(ctx, web, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.Eventually(t, "status and finalizer cleared", func(ctx context.Context) (bool, error) {
		svc, err := svcs.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(svc.Status.LoadBalancer.Ingress) == 0 && len(svc.Finalizers) == 0, nil
	})

	// Deleting a load-balanced Service completes once the controller
	// has cleaned up.
	if _, err := svcs.Create(ctx, lbService("gone", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitIngress(t, client, "gone", "192.0.2.2", "192.0.2.3")
	if err := svcs.Delete(ctx, "gone", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.Eventually(t, "deleted service gone", func(ctx context.Context) (bool, error) {
		_, err := svcs.Get(ctx, "gone", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}
