package apischeme

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPartialList(t *testing.T) {
	remaining := int64(3)
	list := &v1.PodList{
		ListMeta: metav1.ListMeta{ResourceVersion: "9", Continue: "next", RemainingItemCount: &remaining},
		Items: []v1.Pod{
			{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"k": "v"}, ResourceVersion: "7"}},
			{ObjectMeta: metav1.ObjectMeta{Name: "b", ResourceVersion: "8"}},
		},
	}
	got, err := PartialList(list, metav1.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != "PartialObjectMetadataList" || got.APIVersion != "meta.k8s.io/v1" ||
		got.ResourceVersion != "9" || got.Continue != "next" || got.RemainingItemCount == nil || *got.RemainingItemCount != 3 {
		t.Errorf("list %+v %+v", got.TypeMeta, got.ListMeta)
	}
	if len(got.Items) != 2 || got.Items[0].Name != "a" || got.Items[0].Labels["k"] != "v" ||
		got.Items[1].ResourceVersion != "8" || got.Items[0].Kind != "PartialObjectMetadata" {
		t.Errorf("items %+v", got.Items)
	}
	if _, err := Partial(&metav1.Status{}, metav1.SchemeGroupVersion); err == nil {
		t.Error("metadata of an object without any")
	}
}
