package workload

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ContainerCells returns the comma-separated container names and images of
// a pod template, as the Containers and Images table columns show them.
func ContainerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, 0, len(containers))
	im := make([]string, 0, len(containers))
	for _, c := range containers {
		n = append(n, c.Name)
		im = append(im, c.Image)
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}
