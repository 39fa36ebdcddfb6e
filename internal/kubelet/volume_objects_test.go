package kubelet

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/server/servertest"
)

// TestObjectWatcher checks, against a real API server, that a watched
// ConfigMap's change wakes the pods using it and is served from the watch.
func TestObjectWatcher(t *testing.T) {
	client := kubernetes.NewForConfigOrDie(servertest.Start(t, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woken := make(chan types.UID, 16)
	o := newObjectWatcher(client, func(uid types.UID) { woken <- uid })
	k := &Kubelet{client: client, objects: o}

	cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "watched", Namespace: "default"}, Data: map[string]string{"k": "1"}}
	if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "pod-1"},
		Spec: v1.PodSpec{Volumes: []v1.Volume{
			{Name: "a", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: "watched"}}}},
			{Name: "b", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{Sources: []v1.VolumeProjection{
				{Secret: &v1.SecretProjection{LocalObjectReference: v1.LocalObjectReference{Name: "absent"}}}}}}},
		}}}
	o.track(ctx, pod)
	if len(o.watches) != 2 {
		t.Fatalf("watches = %v", o.watches)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, _, synced := o.cached(objectKey{"ConfigMap", "default", "watched"}); synced {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("watch did not sync")
		}
		time.Sleep(50 * time.Millisecond)
	}
	drain := func() {
		for {
			select {
			case <-woken:
			default:
				return
			}
		}
	}
	drain()

	cm.Data["k"] = "2"
	if _, err := client.CoreV1().ConfigMaps("default").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case uid := <-woken:
		if uid != pod.UID {
			t.Fatalf("woke %s", uid)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the update woke no pod")
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		got, err := k.configMap(ctx, "default", "watched")
		if err == nil && got.Data["k"] == "2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("configMap() = %v, %v", got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		_, err := k.secret(ctx, "default", "absent")
		if _, _, synced := o.cached(objectKey{"Secret", "default", "absent"}); synced && apierrors.IsNotFound(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("missing secret: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	o.forget(pod.UID)
	if len(o.watches) != 0 || len(o.podRefs) != 0 {
		t.Fatalf("after forget: watches %v refs %v", o.watches, o.podRefs)
	}
}
