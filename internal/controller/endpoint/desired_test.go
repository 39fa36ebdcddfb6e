package endpoint

import (
	"strconv"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testService(mutate func(*v1.Service)) *v1.Service {
	svc := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Spec: v1.ServiceSpec{
			Selector:  map[string]string{"app": "web"},
			ClusterIP: "10.0.0.10",
			Ports: []v1.ServicePort{{
				Name: "http", Port: 80, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromString("http"),
			}},
		},
	}
	if mutate != nil {
		mutate(svc)
	}
	return svc
}

func testPod(name, ip string, ready bool, port int32, mutate func(*v1.Pod)) *v1.Pod {
	status := v1.ConditionFalse
	if ready {
		status = v1.ConditionTrue
	}
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec: v1.PodSpec{
			NodeName: "node-1",
			Containers: []v1.Container{{Name: "c", Ports: []v1.ContainerPort{
				{Name: "http", ContainerPort: port, Protocol: v1.ProtocolTCP},
			}}},
		},
		Status: v1.PodStatus{
			Phase:      v1.PodRunning,
			PodIP:      ip,
			Conditions: []v1.PodCondition{{Type: v1.PodReady, Status: status}},
		},
	}
	if mutate != nil {
		mutate(pod)
	}
	return pod
}

func addr(ip, pod string) v1.EndpointAddress {
	node := "node-1"
	return v1.EndpointAddress{IP: ip, NodeName: &node, TargetRef: &v1.ObjectReference{
		Kind: "Pod", Namespace: "ns", Name: pod, UID: types.UID("uid-" + pod),
	}}
}

func httpPort(n int32) []v1.EndpointPort {
	return []v1.EndpointPort{{Name: "http", Port: n, Protocol: v1.ProtocolTCP}}
}

func TestDesiredSubsets(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name string
		svc  *v1.Service
		pods []*v1.Pod
		want []v1.EndpointSubset
	}{
		{
			name: "ready and not ready, sorted by IP",
			svc:  testService(nil),
			pods: []*v1.Pod{
				testPod("b", "10.1.0.2", true, 8080, nil),
				testPod("a", "10.1.0.1", true, 8080, nil),
				testPod("c", "10.1.0.3", false, 8080, nil),
			},
			want: []v1.EndpointSubset{{
				Addresses:         []v1.EndpointAddress{addr("10.1.0.1", "a"), addr("10.1.0.2", "b")},
				NotReadyAddresses: []v1.EndpointAddress{addr("10.1.0.3", "c")},
				Ports:             httpPort(8080),
			}},
		},
		{
			name: "named target port resolved per pod",
			svc:  testService(nil),
			pods: []*v1.Pod{
				testPod("a", "10.1.0.1", true, 8080, nil),
				testPod("b", "10.1.0.2", true, 9090, nil),
			},
			want: []v1.EndpointSubset{
				{Addresses: []v1.EndpointAddress{addr("10.1.0.1", "a")}, Ports: httpPort(8080)},
				{Addresses: []v1.EndpointAddress{addr("10.1.0.2", "b")}, Ports: httpPort(9090)},
			},
		},
		{
			name: "pod without the named port is left out",
			svc:  testService(nil),
			pods: []*v1.Pod{testPod("a", "10.1.0.1", true, 8080, func(p *v1.Pod) {
				p.Spec.Containers[0].Ports[0].Name = "other"
			})},
			want: nil,
		},
		{
			name: "no IP, finished and terminating pods are left out",
			svc:  testService(nil),
			pods: []*v1.Pod{
				testPod("a", "", true, 8080, nil),
				testPod("b", "10.1.0.2", true, 8080, func(p *v1.Pod) { p.Status.Phase = v1.PodSucceeded }),
				testPod("c", "10.1.0.3", true, 8080, func(p *v1.Pod) { p.DeletionTimestamp = &now }),
			},
			want: nil,
		},
		{
			name: "publishNotReadyAddresses lists unready and terminating pods as ready",
			svc:  testService(func(s *v1.Service) { s.Spec.PublishNotReadyAddresses = true }),
			pods: []*v1.Pod{
				testPod("a", "10.1.0.1", false, 8080, nil),
				testPod("b", "10.1.0.2", true, 8080, func(p *v1.Pod) { p.DeletionTimestamp = &now }),
			},
			want: []v1.EndpointSubset{{
				Addresses: []v1.EndpointAddress{addr("10.1.0.1", "a"), addr("10.1.0.2", "b")},
				Ports:     httpPort(8080),
			}},
		},
		{
			name: "numeric and defaulted target ports",
			svc: testService(func(s *v1.Service) {
				s.Spec.Ports = []v1.ServicePort{
					{Name: "a", Port: 80, TargetPort: intstr.FromInt32(8080)},
					{Name: "b", Port: 443, Protocol: v1.ProtocolTCP},
				}
			}),
			pods: []*v1.Pod{testPod("a", "10.1.0.1", true, 1, nil)},
			want: []v1.EndpointSubset{{
				Addresses: []v1.EndpointAddress{addr("10.1.0.1", "a")},
				Ports: []v1.EndpointPort{
					{Name: "a", Port: 8080, Protocol: v1.ProtocolTCP},
					{Name: "b", Port: 443, Protocol: v1.ProtocolTCP},
				},
			}},
		},
		{
			name: "hostname only when the subdomain names the service",
			svc:  testService(func(s *v1.Service) { s.Spec.ClusterIP = v1.ClusterIPNone }),
			pods: []*v1.Pod{
				testPod("a", "10.1.0.1", true, 8080, func(p *v1.Pod) { p.Spec.Hostname = "h-a"; p.Spec.Subdomain = "web" }),
				testPod("b", "10.1.0.2", true, 8080, func(p *v1.Pod) { p.Spec.Hostname = "h-b"; p.Spec.Subdomain = "other" }),
			},
			want: []v1.EndpointSubset{{
				Addresses: []v1.EndpointAddress{
					func() v1.EndpointAddress { a := addr("10.1.0.1", "a"); a.Hostname = "h-a"; return a }(),
					addr("10.1.0.2", "b"),
				},
				Ports: httpPort(8080),
			}},
		},
		{
			name: "headless service without ports keeps addresses",
			svc: testService(func(s *v1.Service) {
				s.Spec.ClusterIP = v1.ClusterIPNone
				s.Spec.Ports = nil
			}),
			pods: []*v1.Pod{testPod("a", "10.1.0.1", true, 8080, nil)},
			want: []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr("10.1.0.1", "a")}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DesiredSubsets(tt.svc, tt.pods)
			if !apiequality.Semantic.DeepEqual(normalize(got), normalize(tt.want)) {
				t.Errorf("subsets:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDesiredEndpoints(t *testing.T) {
	svc := testService(nil)
	svc.CreationTimestamp = metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	pods := []*v1.Pod{testPod("a", "10.1.0.1", true, 8080, nil)}
	pods[0].CreationTimestamp = metav1.NewTime(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))

	created := DesiredEndpoints(svc, pods, nil)
	if created == nil {
		t.Fatal("want a new Endpoints object")
	}
	if created.Name != "web" || created.Namespace != "ns" {
		t.Errorf("name %s/%s", created.Namespace, created.Name)
	}
	if created.Labels["app"] != "web" || created.Labels[LabelManagedBy] != ControllerName {
		t.Errorf("labels %v", created.Labels)
	}
	if got := created.Annotations[v1.EndpointsLastChangeTriggerTime]; got != "2026-01-02T00:00:00Z" {
		t.Errorf("trigger time %q", got)
	}
	t.Run("unchanged gives no write", func(t *testing.T) {
		if got := DesiredEndpoints(svc, pods, created); got != nil {
			t.Errorf("want nil, got %+v", got)
		}
	})
	t.Run("headless label", func(t *testing.T) {
		headless := svc.DeepCopy()
		headless.Spec.ClusterIP = v1.ClusterIPNone
		got := DesiredEndpoints(headless, pods, created)
		if got == nil {
			t.Fatal("want an update")
		}
		if _, ok := got.Labels[v1.IsHeadlessService]; !ok {
			t.Errorf("labels %v", got.Labels)
		}
	})
	t.Run("over capacity truncates", func(t *testing.T) {
		var many []*v1.Pod
		for i := range maxCapacity + 5 {
			many = append(many, testPod("p"+itoa(i), "10.2."+itoa(i/250)+"."+itoa(i%250), true, 8080, nil))
		}
		got := DesiredEndpoints(svc, many, nil)
		n := 0
		for _, s := range got.Subsets {
			n += len(s.Addresses) + len(s.NotReadyAddresses)
		}
		if n != maxCapacity || got.Annotations[v1.EndpointsOverCapacity] != "truncated" {
			t.Errorf("addresses %d, annotations %v", n, got.Annotations)
		}
	})
}

func itoa(i int) string {
	return strconv.Itoa(i)
}
