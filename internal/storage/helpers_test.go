package storage

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/storage/storagetest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

func newTestStore(t testing.TB) *Store {
	t.Helper()
	s := NewStore(storagetest.StartEtcd(t))
	s.futureWait = 200 * time.Millisecond
	return s
}

func labelPred(t testing.TB, sel string) SelectionPredicate {
	t.Helper()
	s, err := labels.Parse(sel)
	if err != nil {
		t.Fatal(err)
	}
	return SelectionPredicate{Label: s, Field: fields.Everything(), GetAttrs: storagetest.PodAttrs}
}

func podNames(list *corev1.PodList) []string {
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names
}

func rvOf(t testing.TB, obj runtime.Object) int64 {
	t.Helper()
	rv, err := ObjectResourceVersion(obj)
	if err != nil {
		t.Fatal(err)
	}
	return rv
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func startEtcdWithProgress(t testing.TB, d time.Duration) *clientv3.Client {
	return storagetest.StartEtcdWithOptions(t, storagetest.Options{ProgressNotifyInterval: d})
}

func withRev(rev int64) clientv3.OpOption { return clientv3.WithRev(rev) }
