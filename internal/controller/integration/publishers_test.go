package integration

import (
	"context"
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/nauta/nauta/internal/controller/manager"
	"github.com/nauta/nauta/internal/controller/rootcacert"
	"github.com/nauta/nauta/internal/server/servertest"
)

func TestDefaultServiceAccountAndRootCA(t *testing.T) {
	cfg := servertest.Start(t, nil)
	client := newClient(t, cfg)
	rootCA := cfg.TLSClientConfig.CAData
	if len(rootCA) == 0 {
		t.Fatal("loopback config has no CA")
	}
	startManager(t, manager.Config{RESTConfig: cfg, Identity: "solo"})
	ctx := context.Background()

	const ns = "fresh"
	createNamespace(t, client, ns)

	var sa *v1.ServiceAccount
	eventually(t, "default service account created", func(ctx context.Context) (bool, error) {
		var err error
		sa, err = client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, err
	})
	checkRootCA := func(ctx context.Context) (bool, error) {
		cm, err := client.CoreV1().ConfigMaps(ns).Get(ctx, rootcacert.ConfigMapName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if cm.Data["ca.crt"] != string(rootCA) || len(cm.Data) != 1 {
			return false, fmt.Errorf("data %v", cm.Data)
		}
		if cm.Annotations["kubernetes.io/description"] != rootcacert.Description {
			return false, fmt.Errorf("annotations %v", cm.Annotations)
		}
		return true, nil
	}
	eventually(t, "kube-root-ca.crt published", checkRootCA)

	// The system namespaces get them too.
	for _, system := range []string{"default", "kube-system", "kube-public"} {
		eventually(t, "default service account in "+system, func(ctx context.Context) (bool, error) {
			_, err := client.CoreV1().ServiceAccounts(system).Get(ctx, "default", metav1.GetOptions{})
			return err == nil, err
		})
	}

	t.Run("service account re-created", func(t *testing.T) {
		if err := client.CoreV1().ServiceAccounts(ns).Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "default service account back", func(ctx context.Context) (bool, error) {
			got, err := client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return got.UID != sa.UID, nil
		})
	})

	t.Run("root CA re-created", func(t *testing.T) {
		if err := client.CoreV1().ConfigMaps(ns).Delete(ctx, rootcacert.ConfigMapName, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "kube-root-ca.crt back", checkRootCA)
	})

	t.Run("root CA restored after edits", func(t *testing.T) {
		patch := []byte(`{"data":{"ca.crt":"tampered","extra":"x"},"metadata":{"annotations":{"kubernetes.io/description":null}}}`)
		if _, err := client.CoreV1().ConfigMaps(ns).Patch(ctx, rootcacert.ConfigMapName, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "kube-root-ca.crt restored", checkRootCA)
	})

	t.Run("namespace with published objects is removed", func(t *testing.T) {
		const gone = "going"
		createNamespace(t, client, gone)
		eventually(t, "default service account in "+gone, func(ctx context.Context) (bool, error) {
			_, err := client.CoreV1().ServiceAccounts(gone).Get(ctx, "default", metav1.GetOptions{})
			return err == nil, err
		})
		if err := client.CoreV1().Namespaces().Delete(ctx, gone, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "namespace removed", func(ctx context.Context) (bool, error) {
			_, err := client.CoreV1().Namespaces().Get(ctx, gone, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
	})
}
