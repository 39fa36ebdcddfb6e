package podspec

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestContainerNamesAndImages(t *testing.T) {
	names, images := ContainerNamesAndImages([]corev1.Container{{Name: "a", Image: "x:1"}, {Name: "b", Image: "y:2"}})
	if names != "a,b" || images != "x:1,y:2" {
		t.Errorf("cells = %q %q", names, images)
	}
}
