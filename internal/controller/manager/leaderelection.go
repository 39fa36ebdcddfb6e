package manager

import (
	"context"
	"errors"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// runElected campaigns for the Lease until ctx ends, running the
// controllers during every term this process wins. Losing the Lease stops
// the controllers and goes back to campaigning rather than exiting: the
// manager is one part of a bigger binary.
func (m *Manager) runElected(ctx context.Context) error {
	for ctx.Err() == nil {
		if err := m.campaign(ctx); err != nil {
			return err
		}
	}
	return nil
}

// campaign runs one leader election until leadership is lost or ctx ends,
// and returns only after the controllers of a won term have stopped.
func (m *Manager) campaign(ctx context.Context) error {
	// The elector gets a context that outlives ctx: on shutdown the Lease
	// is released only after the controllers stopped, so two managers never
	// act at once.
	electCtx, cancelElect := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelElect()

	var (
		mu       sync.Mutex
		termDone chan struct{} // closed when this term's controllers stopped
	)
	waitTerm := func() {
		mu.Lock()
		done := termDone
		mu.Unlock()
		if done != nil {
			<-done
		}
	}

	lock := &leaseLock{
		LeaseLock: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: m.cfg.LeaseNamespace, Name: m.cfg.LeaseName},
			Client:     m.elector.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: m.cfg.Identity},
		},
		manager: m,
	}
	logger := m.logger.With("lease", m.cfg.LeaseNamespace+"/"+m.cfg.LeaseName, "identity", m.cfg.Identity)
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   m.cfg.LeaseDuration,
		RenewDeadline:   m.cfg.RenewDeadline,
		RetryPeriod:     m.cfg.RetryPeriod,
		ReleaseOnCancel: true,
		Name:            m.cfg.LeaseName,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(leadCtx context.Context) {
				mu.Lock()
				// Checked under mu so that a term can never start after
				// shutdown (or the end of Run) looked for one to wait on.
				if ctx.Err() != nil || leadCtx.Err() != nil {
					mu.Unlock()
					return
				}
				done := make(chan struct{})
				termDone = done
				mu.Unlock()
				defer close(done)

				runCtx, cancel := context.WithCancel(ctx)
				defer cancel()
				stop := context.AfterFunc(leadCtx, cancel)
				defer stop()

				logger.Info("became leader, starting controllers")
				if err := m.runTerm(runCtx); err != nil {
					logger.Error("controllers failed", "err", err)
				}
			},
			OnStoppedLeading: func() {
				logger.Info("not leading")
			},
			OnNewLeader: func(identity string) {
				logger.Info("leader observed", "leader", identity)
			},
		},
	})
	if err != nil {
		return err
	}

	go func() {
		select {
		case <-ctx.Done():
			waitTerm()
			cancelElect()
		case <-electCtx.Done():
		}
	}()

	elector.Run(electCtx)
	// Run cancels the term's context before returning; wait for the
	// controllers to notice before campaigning again.
	waitTerm()
	return nil
}

// leaseLock is a LeaseLock that creates the Lease's namespace when it is
// missing, so a fresh cluster without kube-system can still elect a leader.
type leaseLock struct {
	*resourcelock.LeaseLock
	manager *Manager
}

func (l *leaseLock) Create(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	err := l.LeaseLock.Create(ctx, ler)
	if !namespaceMissing(err, l.LeaseMeta.Namespace) {
		return err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: l.LeaseMeta.Namespace}}
	_, nsErr := l.manager.elector.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if nsErr != nil && !apierrors.IsAlreadyExists(nsErr) {
		return err
	}
	l.manager.logger.Info("created namespace for the leader election lease", "namespace", ns.Name)
	return l.LeaseLock.Create(ctx, ler)
}

// namespaceMissing tells "namespace not found" from other NotFound errors,
// such as a server that does not serve leases at all.
func namespaceMissing(err error, namespace string) bool {
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return d != nil && d.Kind == "namespaces" && d.Name == namespace
}
