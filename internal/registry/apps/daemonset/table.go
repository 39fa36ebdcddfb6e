package daemonset

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
	"github.com/nauta/nauta/internal/registry/core/columns"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// TableColumns are kubectl's daemon set columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	st := extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Desired", Type: "integer", Description: st["desiredNumberScheduled"]},
		{Name: "Current", Type: "integer", Description: st["currentNumberScheduled"]},
		{Name: "Ready", Type: "integer", Description: st["numberReady"]},
		{Name: "Up-to-date", Type: "integer", Description: st["updatedNumberScheduled"]},
		{Name: "Available", Type: "integer", Description: st["numberAvailable"]},
		{Name: "Node Selector", Type: "string", Description: corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]},
		columns.Age(),
		workload.ContainersColumn,
		workload.ImagesColumn,
		workload.SelectorColumn(extensionsv1beta1.DaemonSetSpec{}.SwaggerDoc()["selector"]),
	}
}

// TableRow prints one daemon set.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	ds, ok := obj.(*appsv1.DaemonSet)
	if !ok {
		return nil, fmt.Errorf("expected *v1.DaemonSet, got %T", obj)
	}
	names, images := podspec.ContainerNamesAndImages(ds.Spec.Template.Spec.Containers)
	return []interface{}{
		ds.Name,
		int64(ds.Status.DesiredNumberScheduled),
		int64(ds.Status.CurrentNumberScheduled),
		int64(ds.Status.NumberReady),
		int64(ds.Status.UpdatedNumberScheduled),
		int64(ds.Status.NumberAvailable),
		labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
		registry.HumanAge(ds.CreationTimestamp, time.Now()),
		names,
		images,
		metav1.FormatLabelSelector(ds.Spec.Selector),
	}, nil
}
