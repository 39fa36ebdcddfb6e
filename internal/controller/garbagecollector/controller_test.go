package garbagecollector

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// family creates an owner ConfigMap and dependents, the first of which
// blocks the owner's foreground deletion and carries a finalizer of its
// own when holdFirst is set.
func family(ctx context.Context, t *testing.T, client kubernetes.Interface, ns, prefix string, holdFirst bool) (*v1.ConfigMap, []string) {
	t.Helper()
	cms := client.CoreV1().ConfigMaps(ns)
	owner, err := cms.Create(ctx, &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-owner"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	var names []string
	for i, block := range []*bool{&yes, &no} {
		name := prefix + "-dep" + string(rune('0'+i))
		cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name: name,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, BlockOwnerDeletion: block,
			}},
		}}
		if i == 0 && holdFirst {
			cm.Finalizers = []string{"example.com/hold"}
		}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return owner, names
}

func gone(client kubernetes.Interface, ns, name string) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	}
}

func TestPropagation(t *testing.T) {
	ctx := context.Background()
	client := runController(t, NewWithOptions(Options{DiscoveryPeriod: time.Second}), nil)
	const ns = "default"
	cms := client.CoreV1().ConfigMaps(ns)

	t.Run("background", func(t *testing.T) {
		owner, deps := family(ctx, t, client, ns, "bg", false)
		policy := metav1.DeletePropagationBackground
		if err := cms.Delete(ctx, owner.Name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		for _, d := range deps {
			eventually(t, "dependent "+d+" deleted", gone(client, ns, d))
		}
	})

	t.Run("foreground waits for blocking dependents", func(t *testing.T) {
		owner, deps := family(ctx, t, client, ns, "fg", true)
		policy := metav1.DeletePropagationForeground
		if err := cms.Delete(ctx, owner.Name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "blocking dependent marked for deletion", func(ctx context.Context) (bool, error) {
			d, err := cms.Get(ctx, deps[0], metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return d.DeletionTimestamp != nil, nil
		})
		eventually(t, "non-blocking dependent deleted", gone(client, ns, deps[1]))
		// The blocking dependent is held by its own finalizer: the owner
		// must still be there, waiting.
		time.Sleep(time.Second)
		o, err := cms.Get(ctx, owner.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("owner gone while a blocking dependent remains: %v", err)
		}
		if o.DeletionTimestamp == nil {
			t.Fatal("owner not being deleted")
		}
		d, err := cms.Get(ctx, deps[0], metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d.Finalizers = nil
		if _, err := cms.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "blocking dependent gone", gone(client, ns, deps[0]))
		eventually(t, "owner deleted after its dependents", gone(client, ns, owner.Name))
	})

	t.Run("orphan", func(t *testing.T) {
		owner, deps := family(ctx, t, client, ns, "or", false)
		policy := metav1.DeletePropagationOrphan
		if err := cms.Delete(ctx, owner.Name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "owner deleted", gone(client, ns, owner.Name))
		for _, name := range deps {
			d, err := cms.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("orphaned dependent %s: %v", name, err)
			}
			if len(d.OwnerReferences) != 0 {
				t.Errorf("dependent %s still references %v", name, d.OwnerReferences)
			}
		}
	})

	t.Run("default policy across kinds", func(t *testing.T) {
		owner, err := cms.Create(ctx, &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "secret-owner"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		secret := &v1.Secret{ObjectMeta: metav1.ObjectMeta{
			Name:            "owned-secret",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}},
		}}
		if _, err := client.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := cms.Delete(ctx, owner.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "owned secret deleted", func(ctx context.Context) (bool, error) {
			_, err := client.CoreV1().Secrets(ns).Get(ctx, "owned-secret", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			return false, err
		})
	})

	t.Run("dependent created after its owner is gone", func(t *testing.T) {
		cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name:            "late",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "never", UID: "0c6f1b1e-0000-4000-8000-000000000000"}},
		}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "dangling dependent deleted", gone(client, ns, "late"))
	})

	t.Run("owner with the same name but another uid does not count", func(t *testing.T) {
		if _, err := cms.Create(ctx, &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "reborn"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name:            "child-of-old",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "reborn", UID: "0c6f1b1e-0000-4000-8000-000000000001"}},
		}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "dependent of the old uid deleted", gone(client, ns, "child-of-old"))
		if _, err := cms.Get(ctx, "reborn", metav1.GetOptions{}); err != nil {
			t.Errorf("owner with the same name: %v", err)
		}
	})

	t.Run("live cluster-scoped owner and unknown owner kinds keep dependents", func(t *testing.T) {
		nsObj, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name:            "owned-by-namespace",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Namespace", Name: nsObj.Name, UID: nsObj.UID}},
		}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		unknown := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name:            "owned-by-unknown-kind",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "example.com/v1", Kind: "Widget", Name: "w", UID: "0c6f1b1e-0000-4000-8000-000000000002"}},
		}}
		if _, err := cms.Create(ctx, unknown, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if _, err := cms.Get(ctx, "owned-by-namespace", metav1.GetOptions{}); err != nil {
			t.Errorf("dependent of a live cluster-scoped owner: %v", err)
		}
		if _, err := cms.Get(ctx, "owned-by-unknown-kind", metav1.GetOptions{}); err != nil {
			t.Errorf("dependent of an owner of an unknown kind: %v", err)
		}
	})
}
