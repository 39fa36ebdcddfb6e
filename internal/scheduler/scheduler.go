package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nauta/nauta/internal/apiserver/inprocess"
	"github.com/nauta/nauta/internal/scheduler/framework"
	"github.com/nauta/nauta/internal/scheduler/plugins"
)

// Defaults, as upstream's kube-scheduler.
const (
	DefaultSchedulerName  = v1.DefaultSchedulerName
	DefaultLeaseNamespace = metav1.NamespaceSystem
	DefaultLeaseName      = "kube-scheduler"
	DefaultLeaseDuration  = 15 * time.Second
	DefaultRenewDeadline  = 10 * time.Second
	DefaultRetryPeriod    = 2 * time.Second
	// DefaultClientQPS and DefaultClientBurst are the floor of the
	// scheduler's client rate limit. Every pod costs a binding and a
	// Scheduled event; the loopback's 100 QPS capped scheduling near 50
	// pods/s (bind goroutines queued on the client-side limiter).
	DefaultClientQPS   = 2000
	DefaultClientBurst = 4000
)

// Config configures the scheduler.
type Config struct {
	// RESTConfig reaches the API server.
	RESTConfig *rest.Config
	// LeaderElect runs the scheduler only while holding the Lease
	// LeaseNamespace/LeaseName.
	LeaderElect    bool
	LeaseNamespace string
	LeaseName      string
	LeaseDuration  time.Duration
	RenewDeadline  time.Duration
	RetryPeriod    time.Duration
	// Identity in the Lease; hostname_uuid when empty.
	Identity string
	// SchedulerName is the spec.schedulerName this scheduler serves.
	SchedulerName string
	// PercentageOfNodesToScore, 0 for upstream's adaptive default.
	PercentageOfNodesToScore int32
	// Queue backoff and unschedulable flush (upstream defaults when 0).
	PodInitialBackoff                 time.Duration
	PodMaxBackoff                     time.Duration
	PodMaxInUnschedulablePodsDuration time.Duration
	Logger                            *slog.Logger
	// Registry adds out-of-tree plugins to the in-tree ones (same name:
	// replaces it); Plugins is the profile, plugins.DefaultProfile() when
	// empty.
	Registry framework.Registry
	Plugins  []framework.PluginConfig
	// Registerer receives the scheduler_* metrics (nil: not exported).
	Registerer prometheus.Registerer
}

// Scheduler is a Runnable that schedules pending pods.
type Scheduler struct {
	cfg    Config
	client kubernetes.Interface
	// inProcess is the API server's in-process transport when the
	// scheduler runs in the server's process, else nil.
	inProcess *inprocess.Transport
	log       *slog.Logger
	metrics   *metrics
}

// New validates and defaults cfg.
func New(cfg Config) (*Scheduler, error) {
	if cfg.RESTConfig == nil {
		return nil, errors.New("scheduler: RESTConfig is required")
	}
	if cfg.SchedulerName == "" {
		cfg.SchedulerName = DefaultSchedulerName
	}
	if cfg.LeaseNamespace == "" {
		cfg.LeaseNamespace = DefaultLeaseNamespace
	}
	if cfg.LeaseName == "" {
		cfg.LeaseName = DefaultLeaseName
	}
	if cfg.LeaseDuration == 0 {
		cfg.LeaseDuration = DefaultLeaseDuration
	}
	if cfg.RenewDeadline == 0 {
		cfg.RenewDeadline = DefaultRenewDeadline
	}
	if cfg.RetryPeriod == 0 {
		cfg.RetryPeriod = DefaultRetryPeriod
	}
	if cfg.PercentageOfNodesToScore < 0 || cfg.PercentageOfNodesToScore > 100 {
		return nil, fmt.Errorf("scheduler: percentageOfNodesToScore %d is not in [0, 100]", cfg.PercentageOfNodesToScore)
	}
	if cfg.Identity == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("scheduler: hostname for the lease identity: %w", err)
		}
		cfg.Identity = host + "_" + string(uuid.NewUUID())
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rc := rest.CopyConfig(cfg.RESTConfig)
	if rc.UserAgent == "" {
		rc.UserAgent = "nauta-scheduler"
	}
	// Protobuf, as upstream's kube-scheduler: decoding every pod and node
	// of the informers (and encoding bindings and events) costs a
	// fraction of JSON on both ends.
	if rc.ContentType == "" {
		rc.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
		rc.ContentType = "application/vnd.kubernetes.protobuf"
	}
	if rc.RateLimiter == nil && rc.QPS >= 0 && rc.QPS < DefaultClientQPS {
		rc.QPS = DefaultClientQPS
	}
	if rc.Burst < DefaultClientBurst {
		rc.Burst = DefaultClientBurst
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("scheduler: client: %w", err)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Scheduler{cfg: cfg, client: client, inProcess: inprocess.FromConfig(rc), log: cfg.Logger.With("component", "scheduler"), metrics: m}, nil
}

// Start schedules until ctx ends, while leading when LeaderElect is set.
func (s *Scheduler) Start(ctx context.Context) error {
	if !s.cfg.LeaderElect {
		return s.run(ctx)
	}
	for ctx.Err() == nil {
		if err := s.campaign(ctx); err != nil {
			return err
		}
	}
	return nil
}

// run is one term: fresh informers, cache, queue and framework.
func (s *Scheduler) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: s.client.EventsV1()})
	if err := broadcaster.StartRecordingToSinkWithContext(ctx); err != nil {
		return fmt.Errorf("scheduler: events: %w", err)
	}
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(scheme.Scheme, s.cfg.SchedulerName)

	registry := plugins.NewRegistry()
	maps.Copy(registry, s.cfg.Registry)
	profile := s.cfg.Plugins
	if len(profile) == 0 {
		profile = plugins.DefaultProfile()
	}
	fw, err := framework.New(s.cfg.SchedulerName, registry, profile, s.client)
	if err != nil {
		return fmt.Errorf("scheduler: framework: %w", err)
	}
	fw.SetEventRecorder(recorder)
	fw.PercentageOfNodesToScore = s.cfg.PercentageOfNodesToScore

	// In the server's process the informers take the server's own objects,
	// which cost no memory of their own and must not be trimmed.
	var options []informers.SharedInformerOption
	if s.inProcess == nil {
		options = append(options, informers.WithTransform(trimObject))
	}
	factory := informers.NewSharedInformerFactoryWithOptions(s.client, 0, options...)
	s.inProcess.ShareInformers(factory, metav1.NamespaceAll, nil)
	st := &state{
		s:         s,
		fw:        fw,
		cache:     NewCache(),
		queue:     NewQueue(QueueConfig{InitialBackoff: s.cfg.PodInitialBackoff, MaxBackoff: s.cfg.PodMaxBackoff, MaxInUnschedulablePods: s.cfg.PodMaxInUnschedulablePodsDuration}),
		snapshot:  &framework.Snapshot{},
		recorder:  recorder,
		pods:      factory.Core().V1().Pods().Lister(),
		nominator: newNominator(),
	}
	fw.NominatedPods = st.nominator.pods
	st.gated = newGatedMarker(st)
	if err := st.addHandlers(factory); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("scheduler: informer for %v did not sync", typ)
		}
	}
	s.log.Info("scheduler started", "schedulerName", s.cfg.SchedulerName)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		st.queue.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		st.gated.run(ctx)
	}()
	for ctx.Err() == nil {
		st.scheduleOne(ctx)
	}
	st.queue.Close()
	st.binding.Wait()
	wg.Wait()
	return nil
}

// trimObject keeps the informer caches small (100,000 pods): it drops
// what the scheduler never reads. Upstream drops managedFields; Nauta also
// drops, from pods, the kubectl last-applied annotation, the containers'
// environment, commands, mounts and probes, and the container statuses.
// The scheduler only patches pods, so nothing it drops is written back.
func trimObject(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil && m.GetManagedFields() != nil {
		m.SetManagedFields(nil)
	}
	pod, ok := obj.(*v1.Pod)
	if !ok {
		return obj, nil
	}
	delete(pod.Annotations, v1.LastAppliedConfigAnnotation)
	trim := func(c *v1.Container) {
		c.Env, c.EnvFrom, c.Command, c.Args, c.WorkingDir = nil, nil, nil, nil, ""
		c.VolumeMounts, c.VolumeDevices = nil, nil
		c.LivenessProbe, c.ReadinessProbe, c.StartupProbe, c.Lifecycle = nil, nil, nil, nil
	}
	for i := range pod.Spec.InitContainers {
		trim(&pod.Spec.InitContainers[i])
	}
	for i := range pod.Spec.Containers {
		trim(&pod.Spec.Containers[i])
	}
	pod.Spec.EphemeralContainers = nil
	pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses, pod.Status.EphemeralContainerStatuses = nil, nil, nil
	return pod, nil
}

// state is one term's scheduling state.
type state struct {
	s        *Scheduler
	fw       *framework.Framework
	cache    *Cache
	queue    *Queue
	snapshot *framework.Snapshot
	recorder events.EventRecorder
	pods     corelisters.PodLister
	binding  sync.WaitGroup
	// nominator tracks pods nominated by preemption.
	nominator *nominator
	// gated marks pods held back by scheduling gates.
	gated *gatedMarker
}

func (st *state) responsible(pod *v1.Pod) bool {
	return pod.Spec.SchedulerName == st.s.cfg.SchedulerName
}

// queueable is true for our pending pods that no scheduling gate holds
// back; a gated pod enters the queue when its last gate is removed.
func (st *state) queueable(pod *v1.Pod) bool {
	return st.responsible(pod) && len(pod.Spec.SchedulingGates) == 0 && !terminal(pod)
}
