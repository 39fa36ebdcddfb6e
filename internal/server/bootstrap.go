package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/registry/scheduling/priorityclass"
)

// SystemNamespaces exist in every cluster; bootstrap creates them.
var SystemNamespaces = []string{
	metav1.NamespaceDefault,
	metav1.NamespaceSystem,
	metav1.NamespacePublic,
	corev1.NamespaceNodeLease,
}

// bootstrapRetry is how often bootstrap retries while the API server is not
// ready yet.
const bootstrapRetry = 200 * time.Millisecond

// bootstrap waits until the API server reports ready through the loopback
// client, then makes sure the system namespaces exist. It goes through the
// API like any other client: validation, admission and watch events apply.
func bootstrap(ctx context.Context, loopback *rest.Config, namespaces bool, log *slog.Logger) error {
	client, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return err
	}
	if err := waitReady(ctx, client, log); err != nil {
		return err
	}
	if !namespaces {
		return nil
	}
	// Like upstream's API server, create the two system PriorityClasses
	// when missing; existing ones are never overwritten.
	for _, pc := range priorityclass.SystemPriorityClasses() {
		if err := retry(ctx, log, "create priority class "+pc.Name, func() error {
			_, err := client.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{})
			if err == nil || apierrors.IsAlreadyExists(err) {
				return nil
			}
			return err
		}); err != nil {
			return err
		}
	}
	for _, name := range SystemNamespaces {
		if err := retry(ctx, log, "create namespace "+name, func() error {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
			_, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
			if err == nil {
				log.Info("created namespace", "namespace", name)
				return nil
			}
			if apierrors.IsAlreadyExists(err) {
				return nil
			}
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// waitReady polls /readyz until it answers 200.
func waitReady(ctx context.Context, client kubernetes.Interface, log *slog.Logger) error {
	return retry(ctx, log, "wait for /readyz", func() error {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("%w: %s", err, body)
		}
		return nil
	})
}

// retry calls f until it succeeds or ctx ends, logging now and then why it
// keeps failing.
func retry(ctx context.Context, log *slog.Logger, what string, f func() error) error {
	start := time.Now()
	lastLog := start
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Since(lastLog) > 10*time.Second {
			log.Warn("still retrying", "what", what, "for", time.Since(start).Round(time.Second), "err", err)
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		case <-time.After(bootstrapRetry):
		}
	}
}
