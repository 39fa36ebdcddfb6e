package apischeme

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestShallowCopy(t *testing.T) {
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: "7", Labels: map[string]string{"app": "x"}}}
	out, ok := ShallowCopy(pod)
	if !ok {
		t.Fatal("a typed pod was not copied")
	}
	cp := out.(*v1.Pod)
	cp.ResourceVersion = ""
	cp.APIVersion, cp.Kind = "v1", "Pod"
	if pod.ResourceVersion != "7" || pod.Kind != "" {
		t.Errorf("the copy's metadata is shared with the original: %+v", pod.ObjectMeta)
	}
	if cp.Name != "a" || cp.Labels["app"] != "x" {
		t.Errorf("copy lost fields: %+v", cp.ObjectMeta)
	}

	for _, obj := range []runtime.Object{&unstructured.Unstructured{Object: map[string]any{}}, &unstructured.UnstructuredList{}} {
		if _, ok := ShallowCopy(obj); ok {
			t.Errorf("%T was shallow-copied; it keeps everything in shared maps", obj)
		}
	}
}
