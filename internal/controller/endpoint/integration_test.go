package endpoint

import (
	"context"
	"log/slog"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/server/servertest"
)

func TestEndpointsControllerIntegration(t *testing.T) {
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

	ns := "default"
	svc := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"tier": "front"}},
		Spec: v1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []v1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
	if _, err := client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, ip := range []string{"10.244.0.5", "10.244.0.6"} {
		createRunningPod(ctx, t, client, ns, []string{"a", "b"}[i], ip, i == 0)
	}

	waitFor(t, "endpoints with one ready and one not-ready address", func(ctx context.Context) (bool, error) {
		ep, err := client.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if len(ep.Subsets) != 1 {
			return false, nil
		}
		s := ep.Subsets[0]
		ok := len(s.Addresses) == 1 && s.Addresses[0].IP == "10.244.0.5" &&
			len(s.NotReadyAddresses) == 1 && s.NotReadyAddresses[0].IP == "10.244.0.6" &&
			len(s.Ports) == 1 && s.Ports[0].Port == 8080 && s.Ports[0].Name == "http" &&
			ep.Labels["tier"] == "front" && ep.Annotations[v1.EndpointsLastChangeTriggerTime] != ""
		return ok, nil
	})

	if err := client.CoreV1().Pods(ns).Delete(ctx, "a", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "deleted pod removed from endpoints", func(ctx context.Context) (bool, error) {
		ep, err := client.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(ep.Subsets) == 1 && len(ep.Subsets[0].Addresses) == 0 && len(ep.Subsets[0].NotReadyAddresses) == 1, nil
	})

	if err := client.CoreV1().Services(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "endpoints deleted with the service", func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().Endpoints(ns).Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})

	// Endpoints written by hand for no Service are not ours to delete.
	manual := &v1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "manual"},
		Subsets: []v1.EndpointSubset{{
			Addresses: []v1.EndpointAddress{{IP: "192.0.2.1"}},
			Ports:     []v1.EndpointPort{{Port: 80}},
		}},
	}
	created, err := client.CoreV1().Endpoints(ns).Create(ctx, manual, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Labels = map[string]string{"touched": "yes"}
	if _, err := client.CoreV1().Endpoints(ns).Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if _, err := client.CoreV1().Endpoints(ns).Get(ctx, "manual", metav1.GetOptions{}); err != nil {
		t.Errorf("hand-written endpoints: %v", err)
	}
}

// createRunningPod creates a pod with a named port and sets its status as a
// kubelet would: Running, an IP and the Ready condition.
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
		Phase:  v1.PodRunning,
		PodIP:  ip,
		PodIPs: []v1.PodIP{{IP: ip}},
		Conditions: []v1.PodCondition{{
			Type: v1.PodReady, Status: status, LastTransitionTime: metav1.Now(),
		}},
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
