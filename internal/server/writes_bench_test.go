package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/server/servertest"
)

// BenchmarkPodWrites measures the API server's cost of the writes one
// scheduled pod takes in the scheduling benchmark, made by an in-process
// protobuf client as the components make them: the create (as the
// ReplicaSet controller), the binding and its Scheduled event (as the
// scheduler), the Running status patch (as the simulated kubelet) and half
// a Lease renewal (5,000 nodes renew 500 times a second at 1,000 pods/s).
// It gives a steadier per-write figure than `nauta bench scheduling`:
//
//	go test ./internal/server -run '^$' -bench PodWrites -benchmem -cpuprofile /tmp/cpu.pprof
func BenchmarkPodWrites(b *testing.B) {
	_, components := servertest.StartWithComponentConfig(b, nil)
	cfg := rest.CopyConfig(components)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.QPS = -1
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx := b.Context()

	const leases = 100
	for i := range leases {
		lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%d", i)}}
		if _, err := client.CoordinationV1().Leases(v1.NamespaceNodeLease).Create(ctx, lease, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}

	var seq atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		// Each stage runs over a batch of pods, so the watch cache has
		// seen a pod before it is updated, as in a real cluster, where a
		// pod waits in the scheduler's queue at least a few milliseconds.
		const batch = 20
		var created []*v1.Pod
		for pb.Next() {
			pod, err := client.CoreV1().Pods(metav1.NamespaceDefault).Create(ctx, benchPod(), metav1.CreateOptions{})
			if err != nil {
				b.Error(err)
				return
			}
			created = append(created, pod)
			if len(created) == batch {
				if err := podWrites(ctx, client, created, &seq, leases); err != nil {
					b.Error(err)
					return
				}
				created = created[:0]
			}
		}
		if err := podWrites(ctx, client, created, &seq, leases); err != nil {
			b.Error(err)
		}
	})
}

// podWrites makes the writes that follow the creation of pods: the
// binding, the Scheduled event, the Running status and, for every other
// pod, a Lease renewal.
func podWrites(ctx context.Context, client kubernetes.Interface, created []*v1.Pod, seq *atomic.Int64, leases int64) error {
	pods := client.CoreV1().Pods(metav1.NamespaceDefault)
	nodes := make([]string, len(created))
	for i, pod := range created {
		nodes[i] = fmt.Sprintf("node-%d", seq.Add(1)%leases)
		binding := &v1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, UID: pod.UID},
			Target:     v1.ObjectReference{Kind: "Node", Name: nodes[i]},
		}
		if err := pods.Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("bind: %w", err)
		}
	}
	for i, pod := range created {
		now := metav1.NowMicro()
		event := &eventsv1.Event{
			ObjectMeta:          metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", pod.Name, now.UnixNano()), Namespace: pod.Namespace},
			EventTime:           now,
			ReportingController: "default-scheduler",
			ReportingInstance:   "default-scheduler-bench",
			Action:              "Binding",
			Reason:              "Scheduled",
			Regarding:           v1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, APIVersion: "v1", ResourceVersion: pod.ResourceVersion},
			Note:                "Successfully assigned " + pod.Namespace + "/" + pod.Name + " to " + nodes[i],
			Type:                v1.EventTypeNormal,
		}
		if _, err := client.EventsV1().Events(pod.Namespace).Create(ctx, event, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("event: %w", err)
		}
	}
	for i, pod := range created {
		patch, err := json.Marshal(map[string]any{"status": runningStatus(pod.Name, i)})
		if err != nil {
			return err
		}
		if _, err := pods.Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
			return fmt.Errorf("status: %w", err)
		}
	}
	for i := 0; i < len(created); i += 2 {
		if err := renewLease(ctx, client, nodes[i]); err != nil {
			return err
		}
	}
	return nil
}

func runningStatus(name string, n int) v1.PodStatus {
	t := metav1.Now()
	ip := fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)
	return v1.PodStatus{
		Phase: v1.PodRunning,
		Conditions: []v1.PodCondition{
			{Type: v1.PodReadyToStartContainers, Status: v1.ConditionTrue, LastTransitionTime: t},
			{Type: v1.PodInitialized, Status: v1.ConditionTrue, LastTransitionTime: t},
			{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: t},
			{Type: v1.ContainersReady, Status: v1.ConditionTrue, LastTransitionTime: t},
			{Type: v1.PodScheduled, Status: v1.ConditionTrue, LastTransitionTime: t},
		},
		HostIP: "192.168.0.1", HostIPs: []v1.HostIP{{IP: "192.168.0.1"}},
		PodIP: ip, PodIPs: []v1.PodIP{{IP: ip}},
		StartTime: &t,
		ContainerStatuses: []v1.ContainerStatus{{
			Name: "pause", Ready: true, Image: "registry.k8s.io/pause:3.10", ImageID: "sim://pause", ContainerID: "sim://" + name,
			State: v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: t}},
		}},
	}
}

// renewLease renews a node's Lease as a kubelet does: from its last
// copy (here the watch cache's), retried on a conflict with another worker.
func renewLease(ctx context.Context, client kubernetes.Interface, node string) error {
	leaseClient := client.CoordinationV1().Leases(v1.NamespaceNodeLease)
	for {
		lease, err := leaseClient.Get(ctx, node, metav1.GetOptions{ResourceVersion: "0"})
		if err != nil {
			return fmt.Errorf("lease: %w", err)
		}
		lease = lease.DeepCopy()
		renew := metav1.NowMicro()
		lease.Spec.RenewTime = &renew
		_, err = leaseClient.Update(ctx, lease, metav1.UpdateOptions{})
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
}

func benchPod() *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "bench-",
			Labels:       map[string]string{"app": "bench", "pod-template-hash": "5d8f7c9b4"},
		},
		Spec: v1.PodSpec{
			Containers: []v1.Container{{
				Name:  "pause",
				Image: "registry.k8s.io/pause:3.10",
				Resources: v1.ResourceRequirements{Requests: v1.ResourceList{
					v1.ResourceCPU:    resource.MustParse("10m"),
					v1.ResourceMemory: resource.MustParse("16Mi"),
				}},
			}},
		},
	}
}
