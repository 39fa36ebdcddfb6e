package bench

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Workload says what the scheduling bench creates.
type Workload struct {
	Deployments int
	Replicas    int
	// Namespaces the Deployments are spread over (round robin; at least
	// 1). Upstream's controllers find a ReplicaSet's pods through an index,
	// but a controller that lists its namespace per sync slows down with
	// the pods there; several namespaces measure the scheduler without
	// that.
	Namespaces   int
	AntiAffinity bool // preferred pod anti-affinity on kubernetes.io/hostname
	Spread       bool // topology spread over zones, maxSkew 1, DoNotSchedule
}

// RunLabel marks the pods of one bench run (its value names the run).
const RunLabel = "bench-run"

// NamespaceNames names the workload's namespaces: run itself when there
// is one, run-0 ... run-(N-1) otherwise.
func (w Workload) NamespaceNames(run string) []string {
	if w.Namespaces <= 1 {
		return []string{run}
	}
	out := make([]string, w.Namespaces)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", run, i)
	}
	return out
}

// Pods is how many pods the workload asks for.
func (w Workload) Pods() int { return w.Deployments * w.Replicas }

// Deployment builds the i-th Deployment of the workload: R replicas of a
// small pod (10m cpu, 16Mi memory) labelled app=<its name>.
func (w Workload) Deployment(i int) *appsv1.Deployment {
	name := fmt.Sprintf("sched-%04d", i)
	labels := map[string]string{"app": name, "bench": "scheduling"}
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
	replicas := int32(w.Replicas)
	spec := corev1.PodSpec{
		Containers: []corev1.Container{{
			Name:  "pause",
			Image: "registry.k8s.io/pause:3.10",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("10m"),
				corev1.ResourceMemory: resource.MustParse("16Mi"),
			}},
		}},
	}
	if w.AntiAffinity {
		spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
				Weight: 100,
				PodAffinityTerm: corev1.PodAffinityTerm{
					LabelSelector: selector.DeepCopy(),
					TopologyKey:   corev1.LabelHostname,
				},
			}},
		}}
	}
	if w.Spread {
		spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew:           1,
			TopologyKey:       corev1.LabelTopologyZone,
			WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector:     selector.DeepCopy(),
		}}
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"bench": "scheduling"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: selector,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       spec,
			},
		},
	}
}

// podTimes is what the tracker knows of one pod.
type podTimes struct {
	seen, bound, running time.Time
}

// podTracker turns pod watch events into scheduling timings. It is not
// safe for concurrent use: one watch loop feeds it.
type podTracker struct {
	pods                  map[string]*podTimes
	bound, running        int
	firstBound, lastBound time.Time
	lastRunning           time.Time
}

func newPodTracker() *podTracker { return &podTracker{pods: map[string]*podTimes{}} }

// observe records pod's state as seen at now: the first sighting, the first
// time spec.nodeName is set and the first time its phase is Running.
func (t *podTracker) observe(pod *corev1.Pod, now time.Time) {
	key := pod.Namespace + "/" + pod.Name
	p := t.pods[key]
	if p == nil {
		p = &podTimes{seen: now}
		t.pods[key] = p
	}
	if pod.Spec.NodeName != "" && p.bound.IsZero() {
		p.bound = now
		t.bound++
		if t.firstBound.IsZero() {
			t.firstBound = now
		}
		t.lastBound = now
	}
	if pod.Status.Phase == corev1.PodRunning && p.running.IsZero() {
		p.running = now
		t.running++
		t.lastRunning = now
	}
}

// bindLatencies returns first sighting → bound for every bound pod.
func (t *podTracker) bindLatencies() Latencies {
	l := make(Latencies, 0, t.bound)
	for _, p := range t.pods {
		if !p.bound.IsZero() {
			l = append(l, p.bound.Sub(p.seen))
		}
	}
	return l
}
