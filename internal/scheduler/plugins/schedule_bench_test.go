package plugins

import (
	"context"
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// BenchmarkSchedule schedules N pods one after another on M in-memory
// nodes through the default profile (PreFilter, parallel Filter with node
// sampling, PreScore, Score, host selection), assuming each pod into the
// snapshot. No API server is involved. It reports pods/s.
func BenchmarkSchedule(b *testing.B) {
	cases := []struct {
		name  string
		nodes int
		pods  int
		pod   func(i int) *v1.Pod
	}{
		{"plain/100nodes", 100, 1000, plainBenchPod},
		{"plain/1000nodes", 1000, 1000, plainBenchPod},
		{"plain/5000nodes", 5000, 1000, plainBenchPod},
		{"spread-zones/1000nodes", 1000, 1000, spreadBenchPod},
		{"anti-affinity/1000nodes", 1000, 500, antiBenchPod},
		{"preferred-anti-affinity/1000nodes", 1000, 5000, preferredAntiBenchPod},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			nodes := make([]*v1.Node, tc.nodes)
			for i := range nodes {
				nodes[i] = makeNode(fmt.Sprintf("node-%d", i), "32", "128Gi", withLabels("zone", fmt.Sprintf("zone-%d", i%10)))
			}
			pods := make([]*v1.Pod, tc.pods)
			for i := range pods {
				pods[i] = tc.pod(i)
			}
			ctx := context.Background()
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				fw := newTestFramework(b, nil, nodes)
				b.StartTimer()
				for _, p := range pods {
					pod := p.DeepCopy()
					host, err := fw.SchedulePod(ctx, framework.NewCycleState(), pod)
					if err != nil {
						b.Fatalf("pod %s: %v", pod.Name, err)
					}
					pod.Spec.NodeName = host
					if err := fw.Snapshot().AssumePod(pod); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*tc.pods)/b.Elapsed().Seconds(), "pods/s")
		})
	}
}

func plainBenchPod(i int) *v1.Pod {
	return makePod(fmt.Sprintf("p%d", i), requests("100m", "128Mi"))
}

func spreadBenchPod(i int) *v1.Pod {
	return makePod(fmt.Sprintf("p%d", i), requests("100m", "128Mi"), podLabels("app", "web"), spread("zone", 1, v1.DoNotSchedule))
}

func antiBenchPod(i int) *v1.Pod {
	return makePod(fmt.Sprintf("p%d", i), requests("100m", "128Mi"), podLabels("app", "web"),
		requiredAnti(podAffinityTerm(v1.LabelHostname, "app", "web")))
}

// preferredAntiBenchPod is the pod of the scheduling bench's
// --anti-affinity workload: 100 apps, each preferring to keep its pods on
// different hosts.
func preferredAntiBenchPod(i int) *v1.Pod {
	app := fmt.Sprintf("app-%d", i%100)
	term := podAffinityTerm(v1.LabelHostname, "app", app)
	return makePod(fmt.Sprintf("p%d", i), requests("10m", "16Mi"), podLabels("app", app), func(p *v1.Pod) {
		p.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{
			PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: term}},
		}}
	})
}
