package priority

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/registry/scheduling/priorityclass"
	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/cacher"
	"github.com/nauta/nauta/internal/storage/storagetest"
)

func TestKeyPrefixMatchesRegistry(t *testing.T) {
	if want := priorityclass.Resources()[0].StoragePrefix + "/"; KeyPrefix != want {
		t.Fatalf("KeyPrefix = %q, registry stores PriorityClasses under %q", KeyPrefix, want)
	}
}

func TestStorageLookups(t *testing.T) {
	ctx := context.Background()
	store := storage.NewStore(storagetest.StartEtcd(t))
	for _, pc := range []schedulingv1.PriorityClass{class("high", 1000, false, corev1.PreemptLowerPriority), class("dflt", 10, true, corev1.PreemptNever)} {
		if err := store.Create(ctx, KeyPrefix+pc.Name, &pc, &schedulingv1.PriorityClass{}); err != nil {
			t.Fatal(err)
		}
	}
	res := priorityclass.Resources()[0]
	cache := cacher.New(cacher.Config{Store: store, Prefix: res.StoragePrefix,
		NewFunc: res.New, NewListFunc: res.NewList, Attrs: res.Strategy.Attrs})
	cacheCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- cache.Start(cacheCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("cacher: %v", err)
		}
	})
	if err := cache.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]storage.Interface{"store": store, "watch cache": cache} {
		t.Run(name, func(t *testing.T) { testLookups(t, s) })
	}

	// A class created after the cache filled is found even if the cache
	// has not caught up yet.
	late := class("late", 7, false, corev1.PreemptLowerPriority)
	if err := store.Create(ctx, KeyPrefix+late.Name, &late, &schedulingv1.PriorityClass{}); err != nil {
		t.Fatal(err)
	}
	get, _ := StorageLookups(cache)
	if pc, err := get(ctx, "late"); err != nil || pc.Value != 7 {
		t.Fatalf("get late = %v, %v", pc, err)
	}
}

func testLookups(t *testing.T, store storage.Interface) {
	ctx := context.Background()
	get, list := StorageLookups(store)

	t.Run("get", func(t *testing.T) {
		pc, err := get(ctx, "high")
		if err != nil || pc.Value != 1000 {
			t.Fatalf("get high = %v, %v", pc, err)
		}
		if _, err := get(ctx, "missing"); !apierrors.IsNotFound(err) {
			t.Fatalf("get missing: err = %v, want NotFound", err)
		}
	})
	for _, fresh := range []bool{false, true} {
		classes, err := list(ctx, fresh)
		if err != nil || len(classes) != 2 {
			t.Fatalf("list(fresh=%v) = %v, %v", fresh, classes, err)
		}
	}

	t.Run("plugin over storage", func(t *testing.T) {
		p := NewFromStorage(store)
		named := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: corev1.PodSpec{PriorityClassName: "high"}}
		if err := p.Admit(ctx, podAttrs(admission.Create, named, nil)); err != nil || *named.Spec.Priority != 1000 {
			t.Fatalf("named class: err %v, priority %v", err, deref(named.Spec.Priority))
		}
		unnamed := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "b"}}
		if err := p.Admit(ctx, podAttrs(admission.Create, unnamed, nil)); err != nil ||
			unnamed.Spec.PriorityClassName != "dflt" || *unnamed.Spec.Priority != 10 || *unnamed.Spec.PreemptionPolicy != corev1.PreemptNever {
			t.Fatalf("default class: err %v, spec %+v", err, unnamed.Spec)
		}
		second := &admission.Attributes{
			Operation: admission.Create,
			Resource:  schedulingv1.SchemeGroupVersion.WithResource("priorityclasses"),
			Name:      "other",
			Object:    &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "other"}, GlobalDefault: true},
		}
		if err := p.Validate(ctx, second); !apierrors.IsForbidden(err) {
			t.Fatalf("second default: err = %v, want Forbidden", err)
		}
	})
}
