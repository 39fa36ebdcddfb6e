package nodelifecycle

import (
	"context"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/controllertest"
)

func runController(t *testing.T, newFns []controller.Constructor, seed func(kubernetes.Interface)) kubernetes.Interface {
	t.Helper()
	return controllertest.Run(t, newFns, seed)
}

func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	controllertest.Eventually(t, what, cond)
}
