package storage

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/storage/storagetest"
)

// TestGuaranteedUpdateFromStaleCache starts updates from a cached copy that
// is one write behind etcd: nothing decided on the stale copy may stand.
func TestGuaranteedUpdateFromStaleCache(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	strPtr := func(s string) *string { return &s }

	tests := []struct {
		name          string
		preconditions func(current *corev1.Pod) *Preconditions
		tryUpdate     func(current *corev1.Pod) UpdateFunc
		wantErr       error
		wantLabels    map[string]string
		wantWrite     bool
	}{
		{
			name:       "write lands on the current object",
			tryUpdate:  func(*corev1.Pod) UpdateFunc { return setLabel("mine", "yes") },
			wantLabels: map[string]string{"other": "yes", "mine": "yes"},
			wantWrite:  true,
		},
		{
			name: "precondition failing on the stale copy is checked again",
			preconditions: func(current *corev1.Pod) *Preconditions {
				return &Preconditions{ResourceVersion: strPtr(current.ResourceVersion)}
			},
			tryUpdate:  func(*corev1.Pod) UpdateFunc { return setLabel("mine", "rv") },
			wantLabels: map[string]string{"other": "yes", "mine": "rv"},
			wantWrite:  true,
		},
		{
			name: "update error on the stale copy is checked again",
			tryUpdate: func(current *corev1.Pod) UpdateFunc {
				return func(cur runtime.Object) (runtime.Object, error) {
					if cur.(*corev1.Pod).ResourceVersion != current.ResourceVersion {
						return nil, errBoom
					}
					return setLabel("mine", "fresh")(cur)
				}
			},
			wantLabels: map[string]string{"other": "yes", "mine": "fresh"},
			wantWrite:  true,
		},
		{
			name: "update error on the current object is returned",
			tryUpdate: func(*corev1.Pod) UpdateFunc {
				return func(runtime.Object) (runtime.Object, error) { return nil, errBoom }
			},
			wantErr: errBoom,
		},
		{
			name: "no-op against the stale copy is not a no-op against etcd",
			tryUpdate: func(*corev1.Pod) UpdateFunc {
				return func(cur runtime.Object) (runtime.Object, error) {
					pod := cur.(*corev1.Pod)
					delete(pod.Labels, "other")
					return pod, nil
				}
			},
			wantLabels: map[string]string{},
			wantWrite:  true,
		},
		{
			name: "no-op against etcd writes nothing",
			tryUpdate: func(*corev1.Pod) UpdateFunc {
				return func(cur runtime.Object) (runtime.Object, error) { return cur, nil }
			},
			wantLabels: map[string]string{"other": "yes"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "p" + string(rune('a'+i))
			key := storagetest.PodKey("ns", name)
			stale := storagetest.CreatePod(t, s, storagetest.NewPod("ns", name, nil))
			current := &corev1.Pod{}
			if err := s.GuaranteedUpdate(ctx, key, current, false, nil, setLabel("other", "yes")); err != nil {
				t.Fatal(err)
			}
			var pre *Preconditions
			if tt.preconditions != nil {
				pre = tt.preconditions(current)
			}
			out := &corev1.Pod{}
			err := s.GuaranteedUpdateFrom(ctx, key, out, false, pre, tt.tryUpdate(current), stale)
			if storagetest.ExpectError(t, err, tt.wantErr) {
				return
			}
			got := &corev1.Pod{}
			if err := s.Get(ctx, key, GetOptions{}, got); err != nil {
				t.Fatal(err)
			}
			if len(got.Labels) != len(tt.wantLabels) {
				t.Fatalf("labels %v, want %v", got.Labels, tt.wantLabels)
			}
			for k, v := range tt.wantLabels {
				if got.Labels[k] != v {
					t.Fatalf("labels %v, want %v", got.Labels, tt.wantLabels)
				}
			}
			if wrote := got.ResourceVersion != current.ResourceVersion; wrote != tt.wantWrite {
				t.Errorf("wrote = %v (rv %s → %s), want %v", wrote, current.ResourceVersion, got.ResourceVersion, tt.wantWrite)
			}
			if out.ResourceVersion != got.ResourceVersion {
				t.Errorf("out has rv %s, stored %s", out.ResourceVersion, got.ResourceVersion)
			}
		})
	}
}
