package cacher

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimepkg "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// cacheBytesPerObject fills a ConfigMaps cache with n objects through
// processEvent (as the underlying watch would) and returns the heap the
// cache itself holds per object, not counting the objects.
func cacheBytesPerObject(t *testing.T, n int, tune func(*Config)) float64 {
	t.Helper()
	client := storagetest.StartEtcd(t)
	cfg := Config{
		Store:       storage.NewStore(client),
		Prefix:      "/registry/configmaps",
		NewFunc:     func() runtimepkg.Object { return &corev1.ConfigMap{} },
		NewListFunc: func() runtimepkg.Object { return &corev1.ConfigMapList{} },
	}
	if tune != nil {
		tune(&cfg)
	}
	c := New(cfg)
	objs := make([]*corev1.ConfigMap, n)
	for i := range objs {
		objs[i] = &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{
				Name:            fmt.Sprintf("cm-%06d", i),
				Namespace:       "bench-ns",
				ResourceVersion: strconv.Itoa(i + 2),
				Labels:          map[string]string{"app": "bench"},
			},
			Data: map[string]string{"k": "v"},
		}
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	for _, obj := range objs {
		if err := c.processEvent(watch.Event{Type: watch.Added, Object: obj}); err != nil {
			t.Fatal(err)
		}
	}
	after := heap()
	if got := len(c.objects); got != n {
		t.Fatalf("cache holds %d objects, want %d", got, n)
	}
	runtime.KeepAlive(objs)
	runtime.KeepAlive(c)
	return float64(int64(after)-int64(before)) / float64(n)
}

// TestCacheBytesPerObject keeps the watch cache's own footprint per object
// in check: the key, the element and the map slot, without selector
// attributes (those are computed only when a field selector asks).
func TestCacheBytesPerObject(t *testing.T) {
	const n = 10000
	tests := []struct {
		name string
		tune func(*Config)
		max  float64
	}{
		{name: "cache only", tune: func(cfg *Config) { cfg.Capacity = 1; cfg.EventFreshness = time.Nanosecond }, max: 200},
		{name: "with a full event buffer", tune: func(cfg *Config) { cfg.Capacity = n }, max: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cacheBytesPerObject(t, n, tt.tune)
			t.Logf("%.0f bytes per cached object", got)
			if got > tt.max {
				t.Errorf("%.0f bytes per cached object, want at most %.0f", got, tt.max)
			}
		})
	}
}
