package storage

import (
	"errors"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/storage/storagetest"
)

// TestUpdatesFromACachedObject checks updates that start from a cached
// object: a current one saves the read, one that is behind still leads to
// the update of the current object, and the cached object is never changed.
func TestUpdatesFromACachedObject(t *testing.T) {
	ctx := storagetest.Context(t)
	tests := []struct {
		name string
		// cacheOld: the cached object is the one from before the "later"
		// label was written, else the current one.
		cacheOld bool
		// deleteAfter deletes the key once the cached object was taken.
		deleteAfter bool
		run         func(s *Store, key string, current, cached *corev1.Pod) (*corev1.Pod, error)
		wantErr     error
		wantNoReads bool
		check       func(t *testing.T, current, out, stored *corev1.Pod)
	}{{
		name: "current cached object: no read",
		run: func(s *Store, key string, _, cached *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdateFrom(ctx, key, out, false, nil, setLabel("mine", "yes"), cached)
		},
		wantNoReads: true,
		check: func(t *testing.T, current, out, stored *corev1.Pod) {
			if out.Labels["mine"] != "yes" || stored.Labels["mine"] != "yes" || out.ResourceVersion == current.ResourceVersion {
				t.Errorf("out %v at %s, stored %v: update not applied", out.Labels, out.ResourceVersion, stored.Labels)
			}
		},
	}, {
		name:     "old cached object: the current one is updated",
		cacheOld: true,
		run: func(s *Store, key string, _, cached *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdateFrom(ctx, key, out, false, nil, setLabel("mine", "yes"), cached)
		},
		check: func(t *testing.T, _, out, stored *corev1.Pod) {
			if stored.Labels["later"] != "yes" || stored.Labels["mine"] != "yes" {
				t.Errorf("stored labels %v: want the later write kept and ours added", stored.Labels)
			}
		},
	}, {
		name:     "old cached object: precondition of the current one holds",
		cacheOld: true,
		run: func(s *Store, key string, current, cached *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			rv := current.ResourceVersion
			return out, s.GuaranteedUpdateFrom(ctx, key, out, false, &Preconditions{ResourceVersion: &rv}, setLabel("mine", "yes"), cached)
		},
		check: func(t *testing.T, _, _, stored *corev1.Pod) {
			if stored.Labels["mine"] != "yes" {
				t.Errorf("stored labels %v: update not applied", stored.Labels)
			}
		},
	}, {
		name:     "old cached object: a no-op on it is a write on the current one",
		cacheOld: true,
		run: func(s *Store, key string, _, cached *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdateFrom(ctx, key, out, false, nil, func(cur runtime.Object) (runtime.Object, error) {
				pod := cur.(*corev1.Pod)
				delete(pod.Labels, "later")
				return pod, nil
			}, cached)
		},
		check: func(t *testing.T, _, _, stored *corev1.Pod) {
			if _, ok := stored.Labels["later"]; ok {
				t.Errorf("stored labels %v: the label was not removed", stored.Labels)
			}
		},
	}, {
		name: "current cached object: a no-op writes nothing",
		run: func(s *Store, key string, _, cached *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdateFrom(ctx, key, out, false, nil, func(cur runtime.Object) (runtime.Object, error) {
				return cur, nil
			}, cached)
		},
		check: func(t *testing.T, current, out, stored *corev1.Pod) {
			if out.ResourceVersion != current.ResourceVersion || stored.ResourceVersion != current.ResourceVersion {
				t.Errorf("resourceVersion %s (stored %s), want %s unchanged", out.ResourceVersion, stored.ResourceVersion, current.ResourceVersion)
			}
		},
	}, {
		// The stored bytes leave resourceVersion out: an unconditional
		// update of the same object is still a no-op.
		name: "current cached object: a no-op without resourceVersion writes nothing",
		run: func(s *Store, key string, _, cached *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdateFrom(ctx, key, out, false, nil, func(cur runtime.Object) (runtime.Object, error) {
				pod := cur.(*corev1.Pod)
				pod.ResourceVersion = ""
				return pod, nil
			}, cached)
		},
		check: func(t *testing.T, current, out, stored *corev1.Pod) {
			if out.ResourceVersion != current.ResourceVersion || stored.ResourceVersion != current.ResourceVersion {
				t.Errorf("resourceVersion %s (stored %s), want %s unchanged", out.ResourceVersion, stored.ResourceVersion, current.ResourceVersion)
			}
		},
	}, {
		// Same size, different bytes: the sizes cannot tell, the bytes do.
		name: "current cached object: a change of the same size is written",
		run: func(s *Store, key string, _, cached *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdateFrom(ctx, key, out, false, nil, setLabel("later", "no!"), cached)
		},
		wantNoReads: true,
		check: func(t *testing.T, current, out, stored *corev1.Pod) {
			if stored.Labels["later"] != "no!" || out.ResourceVersion == current.ResourceVersion {
				t.Errorf("stored labels %v at %s: the change was not written", stored.Labels, out.ResourceVersion)
			}
		},
	}, {
		name:        "cached object of a deleted key: not found",
		deleteAfter: true,
		run: func(s *Store, key string, _, cached *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdateFrom(ctx, key, out, false, nil, setLabel("mine", "yes"), cached)
		},
		wantErr: ErrKeyNotFound,
	}}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			name := "p" + strconv.Itoa(i)
			key := storagetest.PodKey("ns", name)
			created := storagetest.CreatePod(t, s, storagetest.NewPod("ns", name, map[string]string{"first": "yes"}))
			if err := s.GuaranteedUpdate(ctx, key, &corev1.Pod{}, false, nil, setLabel("later", "yes")); err != nil {
				t.Fatal(err)
			}
			current := &corev1.Pod{}
			if err := s.Get(ctx, key, GetOptions{}, current); err != nil {
				t.Fatal(err)
			}
			cached := current.DeepCopy()
			if tt.cacheOld {
				cached = created.DeepCopy()
			}
			untouched := cached.DeepCopy()
			if tt.deleteAfter {
				if err := s.Delete(ctx, key, &corev1.Pod{}, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			// At revision 0 the "lagging" reads are current: it only counts.
			counter := &laggingKV{KV: s.client.KV}
			s.client.KV = counter

			out, err := tt.run(s, key, current, cached)
			s.client.KV = counter.KV
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if reads := counter.staleReads + counter.linearReads; tt.wantNoReads && reads != 0 {
				t.Errorf("%d reads: the cached object was not used", reads)
			}
			if cached.String() != untouched.String() {
				t.Error("the cached object was changed")
			}
			stored := &corev1.Pod{}
			if err := s.Get(ctx, key, GetOptions{}, stored); err != nil {
				t.Fatal(err)
			}
			tt.check(t, current, out, stored)
		})
	}
}
