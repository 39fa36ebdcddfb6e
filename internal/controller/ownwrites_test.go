package controller

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	fcache "k8s.io/client-go/tools/cache/testing"
)

func rsAt(uid types.UID, rv string) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: string(uid), UID: uid, ResourceVersion: rv}}
}

func TestOwnWritesLatest(t *testing.T) {
	type write struct{ over, rv string }
	tests := []struct {
		name     string
		writes   []write
		cachedRV string
		wantRV   string
		// thenRV is what a second Latest with the same cached copy returns.
		thenRV string
	}{
		{name: "nothing written", cachedRV: "5", wantRV: "5", thenRV: "5"},
		{name: "informer behind our write", writes: []write{{"5", "6"}}, cachedRV: "5", wantRV: "6", thenRV: "6"},
		{name: "chain of our writes", writes: []write{{"5", "6"}, {"6", "7"}}, cachedRV: "5", wantRV: "7", thenRV: "7"},
		{name: "informer caught up", writes: []write{{"5", "6"}}, cachedRV: "6", wantRV: "6", thenRV: "6"},
		{name: "informer moved past", writes: []write{{"5", "6"}}, cachedRV: "9", wantRV: "9", thenRV: "9"},
		// A write over a version the informer never had (after a GET).
		{name: "write over a fresh read", writes: []write{{"5", "6"}, {"8", "9"}}, cachedRV: "5", wantRV: "5", thenRV: "5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &OwnWrites[*appsv1.ReplicaSet]{written: map[types.UID]ownWrite[*appsv1.ReplicaSet]{}}
			for _, wr := range tc.writes {
				w.Wrote(wr.over, rsAt("a", wr.rv))
			}
			if got := w.Latest(rsAt("a", tc.cachedRV)).ResourceVersion; got != tc.wantRV {
				t.Errorf("Latest = %s, want %s", got, tc.wantRV)
			}
			if got := w.Latest(rsAt("a", tc.cachedRV)).ResourceVersion; got != tc.thenRV {
				t.Errorf("second Latest = %s, want %s", got, tc.thenRV)
			}
			if got := w.Latest(rsAt("other", "5")).ResourceVersion; got != "5" {
				t.Errorf("Latest of another object = %s, want its own 5", got)
			}
		})
	}
}

func TestOwnWritesForgetsDeletedObjects(t *testing.T) {
	source := fcache.NewFakeControllerSource()
	informer := cache.NewSharedIndexInformer(source, &appsv1.ReplicaSet{}, 0, cache.Indexers{})
	w, err := NewOwnWrites[*appsv1.ReplicaSet](informer)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	source.Add(rsAt("a", ""))
	go informer.RunWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		t.Fatal("informer did not sync")
	}
	w.Wrote("1", rsAt("a", "2"))
	source.Delete(rsAt("a", ""))
	for {
		w.mu.Lock()
		n := len(w.written)
		w.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("the deleted object's write is still remembered")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
