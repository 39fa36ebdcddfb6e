package replicaset

import (
	"slices"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestIndexByController(t *testing.T) {
	owned := func(controller bool) *v1.Pod {
		return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "uid-1", Controller: ptr.To(controller),
		}}}}
	}
	for _, tc := range []struct {
		name string
		obj  any
		want []string
	}{
		{"controlled", owned(true), []string{"uid-1"}},
		{"owner but not controller", owned(false), []string{"orphan/ns"}},
		{"orphan", &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}, []string{"orphan/ns"}},
		{"not a pod", "x", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := indexByController(tc.obj)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
