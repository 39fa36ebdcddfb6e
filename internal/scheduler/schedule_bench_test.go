package scheduler

import (
	"context"
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/nauta/nauta/internal/scheduler/framework"
	"github.com/nauta/nauta/internal/scheduler/plugins"
)

// BenchmarkScheduleWithCache is the scheduling cycle as the scheduler runs
// it, without the API: incremental snapshot from the cache, the default
// profile, then assume into the cache. Nodes report 20 images each. It
// reports pods/s.
func BenchmarkScheduleWithCache(b *testing.B) {
	for _, m := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("%dnodes", m), func(b *testing.B) {
			const pods = 1000
			ctx := context.Background()
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				c := NewCache()
				for i := 0; i < m; i++ {
					c.AddNode(benchNode(i))
				}
				fw, err := framework.New("default-scheduler", plugins.NewRegistry(), plugins.DefaultProfile(), nil)
				if err != nil {
					b.Fatal(err)
				}
				snap := &framework.Snapshot{}
				b.StartTimer()
				for i := 0; i < pods; i++ {
					pod := benchPod(n, i)
					c.UpdateSnapshot(snap)
					fw.SetSnapshot(snap)
					host, err := fw.SchedulePod(ctx, framework.NewCycleState(), pod)
					if err != nil {
						b.Fatal(err)
					}
					pod.Spec.NodeName = host
					if err := c.AssumePod(pod); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*pods)/b.Elapsed().Seconds(), "pods/s")
		})
	}
}

func benchNode(i int) *v1.Node {
	n := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%d", i), Labels: map[string]string{
			v1.LabelHostname: fmt.Sprintf("node-%d", i), v1.LabelTopologyZone: fmt.Sprintf("zone-%d", i%10),
		}},
		Status: v1.NodeStatus{Allocatable: v1.ResourceList{
			v1.ResourceCPU: resource.MustParse("32"), v1.ResourceMemory: resource.MustParse("128Gi"), v1.ResourcePods: resource.MustParse("110"),
		}},
	}
	for j := 0; j < 20; j++ {
		n.Status.Images = append(n.Status.Images, v1.ContainerImage{
			Names: []string{fmt.Sprintf("registry.example/img-%d:v1", (i+j)%60)}, SizeBytes: 100 << 20,
		})
	}
	return n
}

func benchPod(round, i int) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: "default", UID: types.UID(fmt.Sprintf("%d-%d", round, i))},
		Spec: v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: fmt.Sprintf("registry.example/img-%d:v1", i%60),
			Resources: v1.ResourceRequirements{Requests: v1.ResourceList{
				v1.ResourceCPU: resource.MustParse("100m"), v1.ResourceMemory: resource.MustParse("128Mi"),
			}}}}},
	}
}
