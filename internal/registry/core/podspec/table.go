package podspec

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ContainerNamesAndImages joins container names and images with commas,
// as the CONTAINERS and IMAGES wide columns of controller tables show them.
func ContainerNamesAndImages(containers []corev1.Container) (names, images string) {
	n := make([]string, 0, len(containers))
	im := make([]string, 0, len(containers))
	for _, c := range containers {
		n = append(n, c.Name)
		im = append(im, c.Image)
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}
