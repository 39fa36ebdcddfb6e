package deployment

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

// TableColumns are kubectl's deployment columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
		{Name: "Up-to-date", Type: "string", Description: extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"]},
		{Name: "Available", Type: "string", Description: extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"]},
		columns.Age(),
		workload.ContainersColumn,
		workload.ImagesColumn,
		workload.SelectorColumn(extensionsv1beta1.DeploymentSpec{}.SwaggerDoc()["selector"]),
	}
}

// TableRow prints one deployment.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return nil, fmt.Errorf("expected *v1.Deployment, got %T", obj)
	}
	names, images := podspec.ContainerNamesAndImages(d.Spec.Template.Spec.Containers)
	return []interface{}{
		d.Name,
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, ptr.Deref(d.Spec.Replicas, 0)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		registry.HumanAge(d.CreationTimestamp, time.Now()),
		names,
		images,
		workload.SelectorString(d.Spec.Selector),
	}, nil
}
