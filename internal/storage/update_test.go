package storage

import (
	"context"
	"errors"
	"fmt"
	"github.com/nauta/nauta/internal/storage/storagetest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

func setLabel(k, v string) UpdateFunc {
	return func(cur runtime.Object) (runtime.Object, error) {
		pod := cur.(*corev1.Pod)
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Labels[k] = v
		return pod, nil
	}
}

func TestGuaranteedUpdate(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	strPtr := func(s string) *string { return &s }
	uidPtr := func(s string) *types.UID { u := types.UID(s); return &u }

	tests := []struct {
		name           string
		exists         bool
		ignoreNotFound bool
		preconditions  func(cur *corev1.Pod) *Preconditions
		tryUpdate      UpdateFunc
		wantErr        error
		wantWrite      bool
		wantLabel      string
	}{
		{name: "update", exists: true, tryUpdate: setLabel("x", "1"), wantWrite: true, wantLabel: "1"},
		{name: "no-op keeps revision", exists: true, tryUpdate: func(cur runtime.Object) (runtime.Object, error) {
			return cur, nil
		}},
		{name: "uid precondition ok", exists: true, tryUpdate: setLabel("x", "2"), wantWrite: true, wantLabel: "2",
			preconditions: func(cur *corev1.Pod) *Preconditions { return &Preconditions{UID: &cur.UID} }},
		{name: "uid mismatch", exists: true, tryUpdate: setLabel("x", "3"), wantErr: ErrUIDMismatch,
			preconditions: func(*corev1.Pod) *Preconditions { return &Preconditions{UID: uidPtr("other")} }},
		{name: "rv precondition ok", exists: true, tryUpdate: setLabel("x", "4"), wantWrite: true, wantLabel: "4",
			preconditions: func(cur *corev1.Pod) *Preconditions {
				return &Preconditions{ResourceVersion: strPtr(cur.ResourceVersion)}
			}},
		{name: "rv mismatch", exists: true, tryUpdate: setLabel("x", "5"), wantErr: ErrConflict,
			preconditions: func(*corev1.Pod) *Preconditions { return &Preconditions{ResourceVersion: strPtr("1")} }},
		{name: "tryUpdate error passes through", exists: true, wantErr: errBoom,
			tryUpdate: func(runtime.Object) (runtime.Object, error) { return nil, errBoom }},
		{name: "missing", tryUpdate: setLabel("x", "6"), wantErr: ErrKeyNotFound},
		{name: "missing creates when ignoreNotFound", ignoreNotFound: true, wantWrite: true, wantLabel: "7",
			tryUpdate: func(cur runtime.Object) (runtime.Object, error) {
				pod := cur.(*corev1.Pod)
				if pod.Name != "" || pod.ResourceVersion != "" {
					return nil, fmt.Errorf("want a zero pod, got %+v", pod.ObjectMeta)
				}
				p := storagetest.NewPod("ns", "fresh", map[string]string{"x": "7"})
				return p, nil
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("p%d", i)
			key := storagetest.PodKey("ns", name)
			var before *corev1.Pod
			if tt.exists {
				before = storagetest.CreatePod(t, s, storagetest.NewPod("ns", name, nil))
			}
			var pre *Preconditions
			if tt.preconditions != nil {
				pre = tt.preconditions(before)
			}
			out := &corev1.Pod{}
			err := s.GuaranteedUpdate(ctx, key, out, tt.ignoreNotFound, pre, tt.tryUpdate)
			if storagetest.ExpectError(t, err, tt.wantErr) {
				return
			}
			stored := &corev1.Pod{}
			if err := s.Get(ctx, key, GetOptions{}, stored); err != nil {
				t.Fatal(err)
			}
			if stored.ResourceVersion != out.ResourceVersion {
				t.Fatalf("out rv %s, stored rv %s", out.ResourceVersion, stored.ResourceVersion)
			}
			wrote := before == nil || out.ResourceVersion != before.ResourceVersion
			if wrote != tt.wantWrite {
				t.Fatalf("wrote = %v, want %v", wrote, tt.wantWrite)
			}
			if stored.Labels["x"] != tt.wantLabel {
				t.Fatalf("label x = %q, want %q", stored.Labels["x"], tt.wantLabel)
			}
		})
	}
}

var errBoom = errors.New("boom")

func TestGuaranteedUpdateRetriesOnConflict(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "p", nil))
	calls := 0
	out := &corev1.Pod{}
	err := s.GuaranteedUpdate(ctx, storagetest.PodKey("ns", "p"), out, false, nil, func(cur runtime.Object) (runtime.Object, error) {
		calls++
		if calls == 1 {
			// Someone else writes between our read and our write.
			if err := s.GuaranteedUpdate(ctx, storagetest.PodKey("ns", "p"), &corev1.Pod{}, false, nil, setLabel("other", "yes")); err != nil {
				return nil, err
			}
		}
		return setLabel("mine", "yes")(cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("tryUpdate called %d times, want 2", calls)
	}
	if out.Labels["other"] != "yes" || out.Labels["mine"] != "yes" {
		t.Fatalf("lost an update: %v", out.Labels)
	}
}

func TestDelete(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	otherUID := types.UID("other")

	tests := []struct {
		name     string
		exists   bool
		pre      *Preconditions
		validate ValidateObjectFunc
		wantErr  error
	}{
		{name: "delete", exists: true},
		{name: "missing", wantErr: ErrKeyNotFound},
		{name: "uid mismatch", exists: true, pre: &Preconditions{UID: &otherUID}, wantErr: ErrUIDMismatch},
		{name: "validate refuses", exists: true, wantErr: errBoom,
			validate: func(context.Context, runtime.Object) error { return errBoom }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("p%d", i)
			if tt.exists {
				storagetest.CreatePod(t, s, storagetest.NewPod("ns", name, map[string]string{"a": "b"}))
			}
			out := &corev1.Pod{}
			err := s.Delete(ctx, storagetest.PodKey("ns", name), out, tt.pre, tt.validate)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if tt.exists {
					if err := s.Get(ctx, storagetest.PodKey("ns", name), GetOptions{}, &corev1.Pod{}); err != nil {
						t.Fatalf("object gone after a refused delete: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Name != name || out.Labels["a"] != "b" {
				t.Fatalf("out = %+v", out.ObjectMeta)
			}
			cur := mustGetRV(t, s, ctx)
			if rvOf(t, out) != cur {
				t.Fatalf("out rv = %s, want the deletion revision %d", out.ResourceVersion, cur)
			}
			if err := s.Get(ctx, storagetest.PodKey("ns", name), GetOptions{}, &corev1.Pod{}); !errors.Is(err, ErrKeyNotFound) {
				t.Fatalf("get after delete: %v", err)
			}
		})
	}

	t.Run("retries after a concurrent write", func(t *testing.T) {
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", "race", nil))
		calls := 0
		out := &corev1.Pod{}
		err := s.Delete(ctx, storagetest.PodKey("ns", "race"), out, nil, func(ctx context.Context, cur runtime.Object) error {
			calls++
			if calls == 1 {
				return s.GuaranteedUpdate(ctx, storagetest.PodKey("ns", "race"), &corev1.Pod{}, false, nil, setLabel("late", "1"))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 2 || out.Labels["late"] != "1" {
			t.Fatalf("calls %d, labels %v", calls, out.Labels)
		}
	})
}
