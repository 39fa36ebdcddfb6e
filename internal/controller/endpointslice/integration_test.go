package endpointslice

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/server/servertest"
)

func TestEndpointSliceControllerIntegration(t *testing.T) {
	cfg := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(controller.Context{Client: client, Informers: factory, Logger: servertest.Logger(t, slog.LevelInfo)})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, 2) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })

	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{v1.LabelTopologyZone: "zone-a"}}}
	if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := "default"
	svc := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: v1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []v1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
	created, err := client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	listSlices := func(ctx context.Context) ([]discovery.EndpointSlice, error) {
		l, err := client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
			LabelSelector: discovery.LabelServiceName + "=web," + discovery.LabelManagedBy + "=" + ManagedBy,
		})
		if err != nil {
			return nil, err
		}
		return l.Items, nil
	}
	waitFor(t, "placeholder slice", func(ctx context.Context) (bool, error) {
		s, err := listSlices(ctx)
		return err == nil && len(s) == 1 && len(s[0].Endpoints) == 0, err
	})

	const n = 105
	for i := range n {
		createRunningPod(ctx, t, client, ns, fmt.Sprintf("p%03d", i), fmt.Sprintf("10.244.%d.%d", i/200, i%200+2), i%2 == 0)
	}
	waitFor(t, "105 endpoints in two slices", func(ctx context.Context) (bool, error) {
		slices, err := listSlices(ctx)
		if err != nil {
			return false, err
		}
		total, ready := 0, 0
		for _, s := range slices {
			if len(s.Endpoints) > maxEndpointsPerSlice {
				return false, fmt.Errorf("slice %s has %d endpoints", s.Name, len(s.Endpoints))
			}
			ref := metav1.GetControllerOf(&s)
			if ref == nil || ref.UID != created.UID || s.AddressType != discovery.AddressTypeIPv4 {
				return false, fmt.Errorf("slice %s owner %v type %s", s.Name, ref, s.AddressType)
			}
			for _, ep := range s.Endpoints {
				total++
				if *ep.Conditions.Ready {
					ready++
				}
				if ep.Zone == nil || *ep.Zone != "zone-a" || *ep.NodeName != "node-1" {
					return false, fmt.Errorf("endpoint %v zone %v", ep.Addresses, ep.Zone)
				}
			}
			if len(s.Ports) != 1 || *s.Ports[0].Port != 8080 {
				return false, fmt.Errorf("slice %s ports %v", s.Name, s.Ports)
			}
		}
		return len(slices) == 2 && total == n && ready == (n+1)/2, nil
	})

	before, err := listSlices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Pods(ns).Delete(ctx, "p000", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "deleted pod leaves its slice, one slice rewritten", func(ctx context.Context) (bool, error) {
		after, err := listSlices(ctx)
		if err != nil || len(after) != 2 {
			return false, err
		}
		changed, total := 0, 0
		for _, a := range after {
			total += len(a.Endpoints)
			for _, b := range before {
				if a.Name == b.Name && a.ResourceVersion != b.ResourceVersion {
					changed++
				}
			}
		}
		return total == n-1 && changed == 1, nil
	})

	if err := client.CoreV1().Services(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "slices deleted with the service", func(ctx context.Context) (bool, error) {
		s, err := listSlices(ctx)
		return err == nil && len(s) == 0, err
	})
}

func createRunningPod(ctx context.Context, t *testing.T, client kubernetes.Interface, ns, name, ip string, ready bool) {
	t.Helper()
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
		Spec: v1.PodSpec{
			NodeName: "node-1",
			Containers: []v1.Container{{Name: "c", Image: "busybox", Ports: []v1.ContainerPort{
				{Name: "http", ContainerPort: 8080},
			}}},
		},
	}
	created, err := client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status := v1.ConditionFalse
	if ready {
		status = v1.ConditionTrue
	}
	created.Status = v1.PodStatus{
		Phase:      v1.PodRunning,
		PodIP:      ip,
		PodIPs:     []v1.PodIP{{IP: ip}},
		Conditions: []v1.PodCondition{{Type: v1.PodReady, Status: status, LastTransitionTime: metav1.Now()}},
	}
	if _, err := client.CoreV1().Pods(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true,
		func(ctx context.Context) (bool, error) {
			ok, err := cond(ctx)
			last = err
			return ok, nil
		})
	if err != nil {
		t.Fatalf("waiting for %s: %v (last error: %v)", what, err, last)
	}
}
