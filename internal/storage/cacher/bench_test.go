package cacher

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
	"k8s.io/apimachinery/pkg/watch"
)

// BenchmarkWatchFanOut measures one write delivered to 1000 cache watchers.
func BenchmarkWatchFanOut(b *testing.B) {
	const watchers = 1000
	f := startCacher(b, storagetest.Options{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	received := make([]chan struct{}, watchers)
	for i := 0; i < watchers; i++ {
		w, err := f.cacher.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: "0",
			SendInitialEvents: new(bool)})
		if err != nil {
			b.Fatal(err)
		}
		received[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func(w watch.Interface, got chan struct{}) {
			defer wg.Done()
			for range w.ResultChan() {
				got <- struct{}{}
			}
		}(w, received[i])
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		storagetest.CreatePod(b, f.store, storagetest.NewPod("ns", fmt.Sprintf("p%d", i), nil))
		for _, got := range received {
			<-got
		}
	}
	b.StopTimer()
	cancel()
	wg.Wait()
}
