package endpointslicemirroring

import (
	"context"
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/controllertest"
)

func mirroredSlices(ctx context.Context, client kubernetes.Interface, name string) ([]discovery.EndpointSlice, error) {
	list, err := client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{
		LabelSelector: discovery.LabelServiceName + "=" + name + "," + discovery.LabelManagedBy + "=" + ManagedBy,
	})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

func waitSlices(t *testing.T, client kubernetes.Interface, name string, check func([]discovery.EndpointSlice) error) {
	t.Helper()
	controllertest.Eventually(t, "mirrored slices of "+name, func(ctx context.Context) (bool, error) {
		items, err := mirroredSlices(ctx, client, name)
		if err != nil {
			return false, err
		}
		if err := check(items); err != nil {
			return false, err
		}
		return true, nil
	})
}

func TestMirroring(t *testing.T) {
	client := controllertest.Run(t, []controller.Constructor{New}, nil)
	ctx := context.Background()
	svcs := client.CoreV1().Services("default")
	eps := client.CoreV1().Endpoints("default")

	for _, name := range []string{"ext", "skip"} {
		if _, err := svcs.Create(ctx, &v1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       v1.ServiceSpec{Ports: []v1.ServicePort{{Name: "http", Port: 80}}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ep := &v1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Labels: map[string]string{"team": "a"}},
		Subsets: []v1.EndpointSubset{{
			Addresses:         []v1.EndpointAddress{{IP: "192.0.2.1", Hostname: "db-0"}, {IP: "192.0.2.2"}},
			NotReadyAddresses: []v1.EndpointAddress{{IP: "192.0.2.3"}},
			Ports:             []v1.EndpointPort{{Name: "http", Port: 8080, Protocol: v1.ProtocolTCP}},
		}},
	}
	created, err := eps.Create(ctx, ep, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eps.Create(ctx, &v1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "skip", Labels: map[string]string{discovery.LabelSkipMirror: "true"}},
		Subsets:    ep.Subsets,
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	waitSlices(t, client, "ext", func(items []discovery.EndpointSlice) error {
		if len(items) != 1 {
			return fmt.Errorf("%d slices", len(items))
		}
		s := items[0]
		if s.AddressType != discovery.AddressTypeIPv4 || len(s.Endpoints) != 3 || *s.Ports[0].Port != 8080 ||
			s.Labels["team"] != "a" || s.OwnerReferences[0].UID != created.UID {
			return fmt.Errorf("slice %v", s.String())
		}
		if !*s.Endpoints[0].Conditions.Ready || *s.Endpoints[2].Conditions.Ready || *s.Endpoints[0].Hostname != "db-0" {
			return fmt.Errorf("conditions %v", s.Endpoints)
		}
		return nil
	})

	// An IPv6 address adds a second slice; dropping addresses updates.
	created.Subsets[0].Addresses = []v1.EndpointAddress{{IP: "2001:db8::1"}, {IP: "192.0.2.1"}}
	created.Subsets[0].NotReadyAddresses = nil
	if _, err := eps.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSlices(t, client, "ext", func(items []discovery.EndpointSlice) error {
		if len(items) != 2 {
			return fmt.Errorf("%d slices", len(items))
		}
		for _, s := range items {
			if len(s.Endpoints) != 1 {
				return fmt.Errorf("slice %s has %d endpoints", s.Name, len(s.Endpoints))
			}
		}
		return nil
	})

	// A selector hands the Service to the endpointslice controller.
	svc, err := svcs.Get(ctx, "ext", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Spec.Selector = map[string]string{"app": "ext"}
	if _, err := svcs.Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSlices(t, client, "ext", func(items []discovery.EndpointSlice) error {
		if len(items) != 0 {
			return fmt.Errorf("%d slices left", len(items))
		}
		return nil
	})
	items, err := mirroredSlices(ctx, client, "skip")
	if err != nil || len(items) != 0 {
		t.Fatalf("skip-mirror endpoints mirrored: %v %v", items, err)
	}
}
