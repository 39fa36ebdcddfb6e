package scheduler

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// campaign runs one leader election; a won term runs the scheduler until
// leadership is lost or ctx ends. It returns only after the term's
// scheduling (bindings included) stopped, and the Lease is released only
// then, so two schedulers never act at once.
func (s *Scheduler) campaign(ctx context.Context) error {
	electCtx, cancelElect := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelElect()
	var (
		mu       sync.Mutex
		termDone chan struct{}
	)
	stopWatch := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if termDone == nil {
			cancelElect()
		}
	})
	defer stopWatch()

	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: s.cfg.LeaseNamespace, Name: s.cfg.LeaseName},
		Client:     s.client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: s.cfg.Identity},
	}
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   s.cfg.LeaseDuration,
		RenewDeadline:   s.cfg.RenewDeadline,
		RetryPeriod:     s.cfg.RetryPeriod,
		ReleaseOnCancel: true,
		Name:            s.cfg.LeaseName,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(leadCtx context.Context) {
				mu.Lock()
				if ctx.Err() != nil {
					mu.Unlock()
					cancelElect()
					return
				}
				done := make(chan struct{})
				termDone = done
				mu.Unlock()
				defer close(done)
				defer cancelElect()

				runCtx, cancel := context.WithCancel(leadCtx)
				defer cancel()
				stop := context.AfterFunc(ctx, cancel)
				defer stop()
				s.log.Info("became leader, scheduling", "identity", s.cfg.Identity)
				if err := s.run(runCtx); err != nil {
					s.log.Error("scheduling term failed", "err", err)
				}
			},
			OnStoppedLeading: func() { s.log.Info("not leading") },
		},
	})
	if err != nil {
		return fmt.Errorf("scheduler: leader election: %w", err)
	}
	elector.Run(electCtx)
	mu.Lock()
	done := termDone
	mu.Unlock()
	if done != nil {
		<-done
	}
	return nil
}
