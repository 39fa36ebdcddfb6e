package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Reconciler converges whatever key names towards its desired state. It is
// level-based: it reads the current state (informer caches, the API) and
// never trusts the event that queued the key.
type Reconciler interface {
	Reconcile(ctx context.Context, key string) error
}

// RequeueAfterError tells the worker loop that the key is not finished but
// nothing failed: look again after Delay (for example pods still in their
// grace period). It does not count as a failure for the backoff.
type RequeueAfterError struct {
	Delay  time.Duration
	Reason string
}

func (e *RequeueAfterError) Error() string {
	return fmt.Sprintf("requeue after %s: %s", e.Delay, e.Reason)
}

// RequeueAfter returns a *RequeueAfterError.
func RequeueAfter(delay time.Duration, reason string) error {
	return &RequeueAfterError{Delay: delay, Reason: reason}
}

// Backoff bounds for failed keys: quick first retries, never longer than a
// minute so a fixed problem is noticed soon.
const (
	retryBaseDelay = 5 * time.Millisecond
	retryMaxDelay  = 60 * time.Second
)

// NewQueue returns the rate-limited queue every controller uses: per-key
// exponential backoff plus an overall token bucket, as upstream controllers
// do. name labels the workqueue metrics.
func NewQueue(name string, metrics workqueue.MetricsProvider) workqueue.TypedRateLimitingInterface[string] {
	limiter := workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](retryBaseDelay, retryMaxDelay),
		&workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
	cfg := workqueue.TypedRateLimitingQueueConfig[string]{Name: name}
	if metrics != nil {
		cfg.MetricsProvider = metrics
	}
	return workqueue.NewTypedRateLimitingQueueWithConfig(limiter, cfg)
}

// WaitForCacheSync waits for the informers of a controller; it fails only
// when ctx ends first.
func WaitForCacheSync(ctx context.Context, name string, synced ...cache.InformerSynced) error {
	if !cache.WaitForNamedCacheSyncWithContext(ctx, synced...) {
		return fmt.Errorf("%s: caches did not sync: %w", name, context.Cause(ctx))
	}
	return nil
}

// RunWorkers drains queue into r with the given number of workers until ctx
// ends, then shuts the queue down and waits for the workers to finish their
// current key.
func RunWorkers(ctx context.Context, logger *slog.Logger, queue workqueue.TypedRateLimitingInterface[string], workers int, r Reconciler) {
	if workers < 1 {
		workers = 1
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for processNext(ctx, logger, queue, r) {
			}
		}()
	}
	<-ctx.Done()
	queue.ShutDown()
	wg.Wait()
}

// processNext handles one key; it returns false once the queue shuts down.
func processNext(ctx context.Context, logger *slog.Logger, queue workqueue.TypedRateLimitingInterface[string], r Reconciler) bool {
	key, shutdown := queue.Get()
	if shutdown {
		return false
	}
	defer queue.Done(key)

	err := r.Reconcile(ctx, key)
	var requeue *RequeueAfterError
	switch {
	case err == nil:
		queue.Forget(key)
	case errors.As(err, &requeue):
		queue.Forget(key)
		logger.Debug("requeue", "key", key, "after", requeue.Delay, "reason", requeue.Reason)
		queue.AddAfter(key, requeue.Delay)
	case ctx.Err() != nil:
		// Shutting down: the next leader or run picks the key up again.
	default:
		logger.Warn("reconcile failed, will retry", "key", key, "retries", queue.NumRequeues(key), "err", err)
		queue.AddRateLimited(key)
	}
	return true
}
