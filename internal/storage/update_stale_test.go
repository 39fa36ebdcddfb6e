package storage

import (
	"context"
	"errors"
	"strconv"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/storage/storagetest"
)

// laggingKV answers serializable reads at an old revision, as an etcd
// member behind the leader would; every other call goes to etcd as is.
type laggingKV struct {
	clientv3.KV
	rev         int64
	staleReads  int
	linearReads int
}

func (k *laggingKV) Get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	if clientv3.OpGet(key, opts...).IsSerializable() {
		k.staleReads++
		return k.KV.Get(ctx, key, append(opts, clientv3.WithRev(k.rev))...)
	}
	k.linearReads++
	return k.KV.Get(ctx, key, opts...)
}

// TestUpdatesFromALaggingRead checks that updates and deletes starting
// from a serializable read that is behind etcd still act on the current
// object: the compare-and-swap fails over to it, and outcomes decided
// without a write are confirmed on a linearizable read.
func TestUpdatesFromALaggingRead(t *testing.T) {
	ctx := storagetest.Context(t)
	tests := []struct {
		name string
		// existedBefore: the pod existed at the lagging revision.
		existedBefore bool
		run           func(s *Store, key string, current *corev1.Pod) (*corev1.Pod, error)
		wantErr       error
		check         func(t *testing.T, out *corev1.Pod)
		// checkStored runs check on what etcd holds afterwards as well.
		checkStored bool
	}{{
		name:          "update applies to the current object",
		existedBefore: true,
		run: func(s *Store, key string, _ *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdate(ctx, key, out, false, nil, setLabel("mine", "yes"))
		},
		check: func(t *testing.T, out *corev1.Pod) {
			if out.Labels["later"] != "yes" || out.Labels["mine"] != "yes" {
				t.Errorf("labels %v: want the later write kept and ours added", out.Labels)
			}
		},
	}, {
		name:          "resourceVersion precondition of the current object",
		existedBefore: true,
		run: func(s *Store, key string, current *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			rv := current.ResourceVersion
			return out, s.GuaranteedUpdate(ctx, key, out, false, &Preconditions{ResourceVersion: &rv}, setLabel("mine", "yes"))
		},
		check: func(t *testing.T, out *corev1.Pod) {
			if out.Labels["mine"] != "yes" {
				t.Errorf("labels %v: update not applied", out.Labels)
			}
		},
	}, {
		name:          "no-op on the old object is a write on the current one",
		existedBefore: true,
		run: func(s *Store, key string, _ *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdate(ctx, key, out, false, nil, func(cur runtime.Object) (runtime.Object, error) {
				pod := cur.(*corev1.Pod)
				delete(pod.Labels, "later") // absent at the lagging revision
				return pod, nil
			})
		},
		check: func(t *testing.T, out *corev1.Pod) {
			if _, ok := out.Labels["later"]; ok || out.Labels["first"] != "yes" {
				t.Errorf("labels %v: the label was not removed", out.Labels)
			}
		},
		checkStored: true,
	}, {
		name: "created after the lagging revision is found",
		run: func(s *Store, key string, _ *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			return out, s.GuaranteedUpdate(ctx, key, out, false, nil, setLabel("mine", "yes"))
		},
		check: func(t *testing.T, out *corev1.Pod) {
			if out.Labels["mine"] != "yes" {
				t.Errorf("labels %v: update not applied", out.Labels)
			}
		},
	}, {
		name:          "a real conflict is still reported",
		existedBefore: true,
		run: func(s *Store, key string, _ *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			rv := "1"
			return out, s.GuaranteedUpdate(ctx, key, out, false, &Preconditions{ResourceVersion: &rv}, setLabel("mine", "yes"))
		},
		wantErr: ErrConflict,
	}, {
		name:          "delete with the current resourceVersion",
		existedBefore: true,
		run: func(s *Store, key string, current *corev1.Pod) (*corev1.Pod, error) {
			out := &corev1.Pod{}
			rv := current.ResourceVersion
			return out, s.Delete(ctx, key, out, &Preconditions{ResourceVersion: &rv}, nil)
		},
		check: func(t *testing.T, out *corev1.Pod) {
			if out.Labels["later"] != "yes" {
				t.Errorf("deleted object %v: want the current one", out.Labels)
			}
		},
	}}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			name := "p" + strconv.Itoa(i)
			key := storagetest.PodKey("ns", name)
			lag := &laggingKV{KV: s.client.KV, rev: 1}
			if tt.existedBefore {
				created := storagetest.CreatePod(t, s, storagetest.NewPod("ns", name, map[string]string{"first": "yes"}))
				lag.rev = rvOf(t, created)
				if err := s.GuaranteedUpdate(ctx, key, &corev1.Pod{}, false, nil, setLabel("later", "yes")); err != nil {
					t.Fatal(err)
				}
			} else {
				// Something at the lagging revision, so etcd can answer at it.
				lag.rev = rvOf(t, storagetest.CreatePod(t, s, storagetest.NewPod("ns", "other", nil)))
				storagetest.CreatePod(t, s, storagetest.NewPod("ns", name, map[string]string{"later": "yes"}))
			}
			current := &corev1.Pod{}
			if err := s.Get(ctx, key, GetOptions{}, current); err != nil {
				t.Fatal(err)
			}
			s.client.KV = lag

			out, err := tt.run(s, key, current)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("acted on the lagging read: %v", err)
			}
			if lag.staleReads == 0 {
				t.Error("no serializable read was made: the lag was not exercised")
			}
			tt.check(t, out)
			if tt.checkStored {
				stored := &corev1.Pod{}
				if err := s.Get(ctx, key, GetOptions{}, stored); err != nil {
					t.Fatal(err)
				}
				tt.check(t, stored)
			}
		})
	}
}
