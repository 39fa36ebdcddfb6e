package storage

import (
	"context"
	"fmt"
	"github.com/nauta/nauta/internal/storage/storagetest"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func BenchmarkStoreCreate(b *testing.B) {
	s := newTestStore(b)
	ctx := context.Background()
	pod := storagetest.NewPod("ns", "", map[string]string{"app": "web"})
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		pod.Name = fmt.Sprintf("p%d", i)
		if err := s.Create(ctx, storagetest.PodKey("ns", pod.Name), pod, &corev1.Pod{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStoreGet(b *testing.B) {
	s := newTestStore(b)
	ctx := context.Background()
	storagetest.CreatePod(b, s, storagetest.NewPod("ns", "p", nil))
	out := &corev1.Pod{}
	for b.Loop() {
		if err := s.Get(ctx, storagetest.PodKey("ns", "p"), GetOptions{}, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStoreList1000(b *testing.B) {
	s := newTestStore(b)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		storagetest.CreatePod(b, s, storagetest.NewPod("ns", fmt.Sprintf("p%04d", i), map[string]string{"i": fmt.Sprint(i % 10)}))
	}
	for _, bc := range []struct {
		name string
		opts ListOptions
	}{
		{"all", ListOptions{Recursive: true}},
		{"page of 100", ListOptions{Recursive: true, Predicate: SelectionPredicate{Limit: 100}}},
		{"selector page of 10", ListOptions{Recursive: true, Predicate: func() SelectionPredicate {
			p := labelPred(b, "i=3")
			p.Limit = 10
			return p
		}()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := s.GetList(ctx, "/registry/pods", bc.opts, &corev1.PodList{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
