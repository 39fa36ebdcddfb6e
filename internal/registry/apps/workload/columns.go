package workload

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Column definitions shared by the workload tables.
var (
	ContainersColumn = metav1.TableColumnDefinition{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."}
	ImagesColumn     = metav1.TableColumnDefinition{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."}
)

// SelectorColumn is the wide SELECTOR column; description is the kind's
// spec.selector documentation.
func SelectorColumn(description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Selector", Type: "string", Priority: 1, Description: description}
}
