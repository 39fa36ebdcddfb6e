package replicaset

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
	"github.com/nauta/nauta/internal/registry/core/columns"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// TableColumns are kubectl's replica set columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Desired", Type: "integer", Description: extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc()["replicas"]},
		{Name: "Current", Type: "integer", Description: extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()["replicas"]},
		{Name: "Ready", Type: "integer", Description: extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()["readyReplicas"]},
		columns.Age(),
		workload.ContainersColumn,
		workload.ImagesColumn,
		workload.SelectorColumn(extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc()["selector"]),
	}
}

// TableRow prints one replica set.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return nil, fmt.Errorf("expected *v1.ReplicaSet, got %T", obj)
	}
	names, images := podspec.ContainerNamesAndImages(rs.Spec.Template.Spec.Containers)
	return []interface{}{
		rs.Name,
		int64(ptr.Deref(rs.Spec.Replicas, 0)),
		int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas),
		registry.HumanAge(rs.CreationTimestamp, time.Now()),
		names,
		images,
		metav1.FormatLabelSelector(rs.Spec.Selector),
	}, nil
}
