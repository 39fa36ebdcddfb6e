package endpointslice

import (
	"fmt"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testService() *v1.Service {
	return &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "svc-uid"},
		Spec: v1.ServiceSpec{
			Selector:  map[string]string{"app": "web"},
			ClusterIP: "10.0.0.10",
			Ports:     []v1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
}

func testPod(i int, ready bool, port int32) *v1.Pod {
	status := v1.ConditionFalse
	if ready {
		status = v1.ConditionTrue
	}
	name := fmt.Sprintf("pod-%03d", i)
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec: v1.PodSpec{
			NodeName: "node-1",
			Containers: []v1.Container{{Name: "c", Ports: []v1.ContainerPort{
				{Name: "http", ContainerPort: port, Protocol: v1.ProtocolTCP},
			}}},
		},
		Status: v1.PodStatus{
			Phase:      v1.PodRunning,
			PodIP:      fmt.Sprintf("10.1.%d.%d", i/200, i%200+1),
			Conditions: []v1.PodCondition{{Type: v1.PodReady, Status: status}},
		},
	}
}

func pods(n int, port int32) []*v1.Pod {
	var out []*v1.Pod
	for i := range n {
		out = append(out, testPod(i, true, port))
	}
	return out
}

func zone(string) string { return "zone-a" }

// store applies a plan to an in-memory set of slices, naming created ones.
func store(existing []*discovery.EndpointSlice, p plan) []*discovery.EndpointSlice {
	byName := map[string]*discovery.EndpointSlice{}
	var order []string
	for _, s := range existing {
		byName[s.Name] = s
		order = append(order, s.Name)
	}
	for _, s := range p.update {
		byName[s.Name] = s
	}
	for _, s := range p.delete {
		delete(byName, s.Name)
	}
	for i, s := range p.create {
		s = s.DeepCopy()
		s.Name = fmt.Sprintf("%sgen%d-%d", s.GenerateName, len(order), i)
		byName[s.Name] = s
		order = append(order, s.Name)
	}
	var out []*discovery.EndpointSlice
	for _, n := range order {
		if s, ok := byName[n]; ok {
			out = append(out, s)
		}
	}
	return out
}

func countEndpoints(slices []*discovery.EndpointSlice) int {
	n := 0
	for _, s := range slices {
		n += len(s.Endpoints)
	}
	return n
}

func TestPlanSlices(t *testing.T) {
	svc := testService()
	trigger := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	plan0 := func(ps []*v1.Pod, existing []*discovery.EndpointSlice) plan {
		return planSlices(svc, desiredGroups(svc, ps, zone), existing, trigger, maxEndpointsPerSlice)
	}

	tests := []struct {
		name                   string
		fresh                  bool
		before                 []*v1.Pod
		after                  []*v1.Pod
		create, update, delete int
		slices, endpoints      int
	}{
		{name: "no pods: one placeholder", fresh: true, after: nil, create: 1, slices: 1},
		{name: "placeholder replaced by endpoints", before: nil, after: pods(3, 8080), create: 1, delete: 1, slices: 1, endpoints: 3},
		{name: "250 endpoints: three slices", fresh: true, after: pods(250, 8080), create: 3, slices: 3, endpoints: 250},
		{name: "unchanged: no writes", before: pods(250, 8080), after: pods(250, 8080), slices: 3, endpoints: 250},
		{name: "one pod gone: one slice updated", before: pods(250, 8080), after: pods(249, 8080), update: 1, slices: 3, endpoints: 249},
		{name: "one pod added: fits in a slice with room", before: pods(250, 8080), after: pods(251, 8080), update: 1, slices: 3, endpoints: 251},
		{name: "all pods gone: placeholder kept", before: pods(3, 8080), after: nil, update: 1, slices: 1},
		{name: "port changed: new slice, old one deleted", before: pods(3, 8080), after: pods(3, 9090), create: 1, delete: 1, slices: 1, endpoints: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var existing []*discovery.EndpointSlice
			if !tt.fresh {
				existing = store(nil, plan0(tt.before, nil))
			}
			p := plan0(tt.after, existing)
			if len(p.create) != tt.create || len(p.update) != tt.update || len(p.delete) != tt.delete {
				t.Errorf("create/update/delete = %d/%d/%d, want %d/%d/%d",
					len(p.create), len(p.update), len(p.delete), tt.create, tt.update, tt.delete)
			}
			after := store(existing, p)
			if len(after) != tt.slices || countEndpoints(after) != tt.endpoints {
				t.Errorf("slices %d endpoints %d, want %d and %d", len(after), countEndpoints(after), tt.slices, tt.endpoints)
			}
			for _, s := range after {
				if len(s.Endpoints) > maxEndpointsPerSlice {
					t.Errorf("slice %s holds %d endpoints", s.Name, len(s.Endpoints))
				}
				if s.Labels[discovery.LabelServiceName] != "web" || s.Labels[discovery.LabelManagedBy] != ManagedBy {
					t.Errorf("slice %s labels %v", s.Name, s.Labels)
				}
				if !ownedBy(s, svc) {
					t.Errorf("slice %s owner %v", s.Name, s.OwnerReferences)
				}
				if s.AddressType != discovery.AddressTypeIPv4 {
					t.Errorf("slice %s addressType %s", s.Name, s.AddressType)
				}
			}
			// Applying the same input again must be a no-op.
			if again := plan0(tt.after, after); len(again.create)+len(again.update)+len(again.delete) != 0 {
				t.Errorf("second pass not empty: %d/%d/%d", len(again.create), len(again.update), len(again.delete))
			}
		})
	}
}

func TestDesiredGroupsConditions(t *testing.T) {
	now := metav1.Now()
	ready := testPod(1, true, 8080)
	unready := testPod(2, false, 8080)
	terminating := testPod(3, true, 8080)
	terminating.DeletionTimestamp = &now
	named := testPod(4, true, 8080)
	named.Spec.Hostname, named.Spec.Subdomain = "h", "web"

	tests := []struct {
		name                        string
		publishNotReady             bool
		pod                         *v1.Pod
		ready, serving, terminating bool
		hostname                    string
	}{
		{name: "ready", pod: ready, ready: true, serving: true},
		{name: "not ready", pod: unready},
		{name: "terminating", pod: terminating, serving: true, terminating: true},
		{name: "publish not ready", publishNotReady: true, pod: unready, ready: true, serving: true},
		{name: "hostname", pod: named, ready: true, serving: true, hostname: "h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := testService()
			svc.Spec.PublishNotReadyAddresses = tt.publishNotReady
			groups := desiredGroups(svc, []*v1.Pod{tt.pod}, zone)
			if len(groups) != 1 {
				t.Fatalf("groups %d", len(groups))
			}
			for _, g := range groups {
				ep := g.endpoints[tt.pod.Status.PodIP]
				c := ep.Conditions
				if *c.Ready != tt.ready || *c.Serving != tt.serving || *c.Terminating != tt.terminating {
					t.Errorf("conditions ready=%v serving=%v terminating=%v", *c.Ready, *c.Serving, *c.Terminating)
				}
				if ep.Zone == nil || *ep.Zone != "zone-a" || ep.NodeName == nil || *ep.NodeName != "node-1" {
					t.Errorf("zone %v node %v", ep.Zone, ep.NodeName)
				}
				if got := ""; ep.Hostname != nil {
					got = *ep.Hostname
					if got != tt.hostname {
						t.Errorf("hostname %q", got)
					}
				} else if tt.hostname != "" {
					t.Errorf("no hostname")
				}
				if ep.TargetRef == nil || ep.TargetRef.Name != tt.pod.Name {
					t.Errorf("targetRef %v", ep.TargetRef)
				}
				if *g.ports[0].Port != 8080 {
					t.Errorf("port %d", *g.ports[0].Port)
				}
			}
		})
	}
}
