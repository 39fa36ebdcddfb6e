package scheduler

import (
	"container/heap"
	"context"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/utils/clock"
)

// Queue defaults, as upstream.
const (
	DefaultPodInitialBackoff                 = 1 * time.Second
	DefaultPodMaxBackoff                     = 10 * time.Second
	DefaultPodMaxInUnschedulablePodsDuration = 60 * time.Second
	backoffFlushInterval                     = 1 * time.Second
	unschedulableFlushInterval               = 30 * time.Second
)

// QueuedPod is a pod waiting to be scheduled, with its history.
type QueuedPod struct {
	Pod *v1.Pod
	// Timestamp is when the pod last entered the queue (arrival for
	// ordering, last failure for backoff).
	Timestamp time.Time
	// Attempts counts scheduling attempts.
	Attempts int
	// InitialAttemptTimestamp is the first time the pod was popped.
	InitialAttemptTimestamp time.Time
}

func podKey(p *v1.Pod) types.UID { return p.UID }

// podHeap is a heap of queued pods with removal by key.
type podHeap struct {
	items []*QueuedPod
	index map[types.UID]int
	less  func(a, b *QueuedPod) bool
}

func newPodHeap(less func(a, b *QueuedPod) bool) *podHeap {
	return &podHeap{index: map[types.UID]int{}, less: less}
}

func (h *podHeap) Len() int           { return len(h.items) }
func (h *podHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *podHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.index[podKey(h.items[i].Pod)] = i
	h.index[podKey(h.items[j].Pod)] = j
}
func (h *podHeap) Push(x any) {
	q := x.(*QueuedPod)
	h.index[podKey(q.Pod)] = len(h.items)
	h.items = append(h.items, q)
}
func (h *podHeap) Pop() any {
	q := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	delete(h.index, podKey(q.Pod))
	return q
}

func (h *podHeap) get(uid types.UID) *QueuedPod {
	if i, ok := h.index[uid]; ok {
		return h.items[i]
	}
	return nil
}

// addOrUpdate inserts q or replaces the entry with the same key.
func (h *podHeap) addOrUpdate(q *QueuedPod) {
	if i, ok := h.index[podKey(q.Pod)]; ok {
		h.items[i] = q
		heap.Fix(h, i)
		return
	}
	heap.Push(h, q)
}

func (h *podHeap) remove(uid types.UID) *QueuedPod {
	i, ok := h.index[uid]
	if !ok {
		return nil
	}
	return heap.Remove(h, i).(*QueuedPod)
}

func (h *podHeap) peek() *QueuedPod {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

// QueueConfig tunes the queue.
type QueueConfig struct {
	InitialBackoff         time.Duration
	MaxBackoff             time.Duration
	MaxInUnschedulablePods time.Duration
	Clock                  clock.WithTicker
}

// Queue is the scheduling queue: activeQ (pods to try now, highest
// priority first, then oldest), backoffQ (pods waiting out their backoff)
// and the unschedulable set (pods that did not fit, waiting for a cluster
// event that may help them).
type Queue struct {
	cfg   QueueConfig
	clock clock.WithTicker

	mu            sync.Mutex
	cond          *sync.Cond
	active        *podHeap
	backoff       *podHeap
	unschedulable map[types.UID]*QueuedPod
	// inFlight are popped pods being scheduled.
	inFlight map[types.UID]bool
	closed   bool

	// schedulingCycle counts Pops; moveRequestCycle is the cycle of the
	// last move event, so that a pod that failed while a move happened
	// goes to backoff instead of waiting for another event.
	schedulingCycle  int64
	moveRequestCycle int64
}

// NewQueue returns an empty queue.
func NewQueue(cfg QueueConfig) *Queue {
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = DefaultPodInitialBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultPodMaxBackoff
	}
	if cfg.MaxInUnschedulablePods == 0 {
		cfg.MaxInUnschedulablePods = DefaultPodMaxInUnschedulablePodsDuration
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	q := &Queue{cfg: cfg, clock: cfg.Clock, unschedulable: map[types.UID]*QueuedPod{}, inFlight: map[types.UID]bool{}}
	q.cond = sync.NewCond(&q.mu)
	q.active = newPodHeap(func(a, b *QueuedPod) bool {
		pa, pb := v1helper.PodPriority(a.Pod), v1helper.PodPriority(b.Pod)
		if pa != pb {
			return pa > pb
		}
		return a.Timestamp.Before(b.Timestamp)
	})
	q.backoff = newPodHeap(func(a, b *QueuedPod) bool {
		return q.backoffExpiry(a).Before(q.backoffExpiry(b))
	})
	return q
}

// backoffDuration is InitialBackoff doubled per further attempt, capped.
func (q *Queue) backoffDuration(p *QueuedPod) time.Duration {
	d := q.cfg.InitialBackoff
	for i := 1; i < p.Attempts; i++ {
		d *= 2
		if d >= q.cfg.MaxBackoff {
			return q.cfg.MaxBackoff
		}
	}
	return d
}

func (q *Queue) backoffExpiry(p *QueuedPod) time.Time {
	return p.Timestamp.Add(q.backoffDuration(p))
}

func (q *Queue) isBackingOff(p *QueuedPod) bool {
	return p.Attempts > 0 && q.backoffExpiry(p).After(q.clock.Now())
}

// Add queues a new pending pod.
func (q *Queue) Add(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	uid := podKey(pod)
	q.backoff.remove(uid)
	delete(q.unschedulable, uid)
	q.active.addOrUpdate(&QueuedPod{Pod: pod, Timestamp: q.clock.Now()})
	q.cond.Broadcast()
}

// Update replaces the pod wherever it waits. An updated unschedulable pod
// is worth another try (its spec may now fit).
func (q *Queue) Update(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	uid := podKey(pod)
	if p := q.active.get(uid); p != nil {
		p.Pod = pod
		q.active.addOrUpdate(p)
		return
	}
	if p := q.backoff.get(uid); p != nil {
		p.Pod = pod
		q.backoff.addOrUpdate(p)
		return
	}
	if p, ok := q.unschedulable[uid]; ok {
		changed := specChanged(p.Pod, pod)
		p.Pod = pod
		if changed {
			delete(q.unschedulable, uid)
			q.moveLocked(p)
		}
		return
	}
	if q.inFlight[uid] {
		return
	}
	q.active.addOrUpdate(&QueuedPod{Pod: pod, Timestamp: q.clock.Now()})
	q.cond.Broadcast()
}

// specChanged reports an update that may change where the pod fits (not
// just its status).
func specChanged(old, cur *v1.Pod) bool {
	return !equality.Semantic.DeepEqual(old.Spec, cur.Spec) ||
		!equality.Semantic.DeepEqual(old.Labels, cur.Labels)
}

// Delete drops the pod from the queue.
func (q *Queue) Delete(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	uid := podKey(pod)
	q.active.remove(uid)
	q.backoff.remove(uid)
	delete(q.unschedulable, uid)
}

// Pop blocks until a pod is active (or ctx ends / the queue closes) and
// returns it, counting the attempt and a new scheduling cycle.
func (q *Queue) Pop(ctx context.Context) (*QueuedPod, error) {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active.Len() == 0 {
		if q.closed {
			return nil, context.Canceled
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		q.cond.Wait()
	}
	p := heap.Pop(q.active).(*QueuedPod)
	p.Attempts++
	if p.InitialAttemptTimestamp.IsZero() {
		p.InitialAttemptTimestamp = q.clock.Now()
	}
	q.schedulingCycle++
	q.inFlight[podKey(p.Pod)] = true
	return p, nil
}

// SchedulingCycle returns the current cycle number.
func (q *Queue) SchedulingCycle() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.schedulingCycle
}

// Done marks a popped pod as no longer being scheduled.
func (q *Queue) Done(pod *v1.Pod) {
	q.mu.Lock()
	delete(q.inFlight, podKey(pod))
	q.mu.Unlock()
}

// AddUnschedulable puts back a pod that failed in cycle. Pods that could
// not fit wait in the unschedulable set, unless a move event happened
// since their cycle began; pods that failed with an error back off.
func (q *Queue) AddUnschedulable(p *QueuedPod, cycle int64, unschedulable bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	uid := podKey(p.Pod)
	delete(q.inFlight, uid)
	if q.active.get(uid) != nil || q.backoff.get(uid) != nil {
		return
	}
	if _, ok := q.unschedulable[uid]; ok {
		return
	}
	p.Timestamp = q.clock.Now()
	if !unschedulable || q.moveRequestCycle >= cycle {
		q.backoff.addOrUpdate(p)
		return
	}
	q.unschedulable[uid] = p
}

// moveLocked sends p to backoffQ or activeQ depending on its backoff.
func (q *Queue) moveLocked(p *QueuedPod) {
	if q.isBackingOff(p) {
		q.backoff.addOrUpdate(p)
		return
	}
	q.active.addOrUpdate(p)
	q.cond.Broadcast()
}

// MoveAll moves the unschedulable pods that match (all when match is nil)
// to activeQ or backoffQ: a cluster event may have made room for them.
func (q *Queue) MoveAll(match func(*v1.Pod) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for uid, p := range q.unschedulable {
		if match != nil && !match(p.Pod) {
			continue
		}
		delete(q.unschedulable, uid)
		q.moveLocked(p)
	}
	q.moveRequestCycle = q.schedulingCycle
}

// flushBackoff moves pods whose backoff expired to activeQ.
func (q *Queue) flushBackoff() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for {
		p := q.backoff.peek()
		if p == nil || q.backoffExpiry(p).After(now) {
			return
		}
		q.backoff.remove(podKey(p.Pod))
		q.active.addOrUpdate(p)
		q.cond.Broadcast()
	}
}

// flushUnschedulable moves pods that waited longer than
// MaxInUnschedulablePods, in case an event that would help them was missed.
func (q *Queue) flushUnschedulable() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for uid, p := range q.unschedulable {
		if now.Sub(p.Timestamp) > q.cfg.MaxInUnschedulablePods {
			delete(q.unschedulable, uid)
			q.moveLocked(p)
		}
	}
}

// Run flushes backoffQ every second and the unschedulable set every 30 s
// until ctx ends, then closes the queue.
func (q *Queue) Run(ctx context.Context) {
	backoff := q.clock.NewTicker(backoffFlushInterval)
	defer backoff.Stop()
	unsched := q.clock.NewTicker(unschedulableFlushInterval)
	defer unsched.Stop()
	for {
		select {
		case <-ctx.Done():
			q.Close()
			return
		case <-backoff.C():
			q.flushBackoff()
		case <-unsched.C():
			q.flushUnschedulable()
		}
	}
}

// Close wakes Pop callers, which then return.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// Lengths returns the sizes of activeQ, backoffQ and the unschedulable set.
func (q *Queue) Lengths() (active, backoff, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.Len(), q.backoff.Len(), len(q.unschedulable)
}
