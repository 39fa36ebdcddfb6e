package handlers

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestEncodedObjects(t *testing.T) {
	c := newEncodedObjects()
	a := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}
	sameContent := a.DeepCopy()

	c.put(a, "application/json", []byte("A"))
	if got, ok := c.get(a, "application/json"); !ok || string(got) != "A" {
		t.Fatalf("get(a) = %q, %v", got, ok)
	}
	if _, ok := c.get(a, "application/vnd.kubernetes.protobuf"); ok {
		t.Fatal("an encoding leaked across media types")
	}
	if _, ok := c.get(sameContent, "application/json"); ok {
		t.Fatal("a different object with the same content hit the cache: keys must be identities")
	}

	// Filling the ring evicts the oldest entry and nothing newer.
	for i := 0; i < encodedObjectsSize; i++ {
		c.put(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint(i)}}, "application/json", []byte{byte(i)})
	}
	if _, ok := c.get(a, "application/json"); ok {
		t.Fatal("oldest entry survived a full ring")
	}
	if len(c.entries) != encodedObjectsSize {
		t.Fatalf("cache holds %d entries, want %d", len(c.entries), encodedObjectsSize)
	}
}
