package statefulset

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
	"github.com/nauta/nauta/internal/registry/core/columns"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// TableColumns are kubectl's stateful set columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
		columns.Age(),
		workload.ContainersColumn,
		workload.ImagesColumn,
	}
}

// TableRow prints one stateful set.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	s, ok := obj.(*appsv1.StatefulSet)
	if !ok {
		return nil, fmt.Errorf("expected *v1.StatefulSet, got %T", obj)
	}
	names, images := podspec.ContainerNamesAndImages(s.Spec.Template.Spec.Containers)
	return []interface{}{
		s.Name,
		fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, ptr.Deref(s.Spec.Replicas, 0)),
		registry.HumanAge(s.CreationTimestamp, time.Now()),
		names,
		images,
	}, nil
}
