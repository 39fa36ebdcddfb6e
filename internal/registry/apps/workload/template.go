package workload

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// ValidateReplicatedTemplate validates the pod template of a kind that keeps
// its pods running (ReplicaSet, Deployment, DaemonSet): the selector must
// match the template labels, the template must be a valid pod template,
// restartPolicy must be Always and activeDeadlineSeconds is forbidden.
// kindName is used in the activeDeadlineSeconds message ("ReplicaSet").
func ValidateReplicatedTemplate(t *corev1.PodTemplateSpec, sel *metav1.LabelSelector, kindName string, selectorPath, templatePath *field.Path) field.ErrorList {
	if t == nil {
		return field.ErrorList{field.Required(templatePath, "")}
	}
	allErrs := ValidateSelectorMatchesTemplate(sel, t.Labels, selectorPath, templatePath)
	allErrs = append(allErrs, podspec.ValidatePodTemplateSpec(t, templatePath)...)
	allErrs = append(allErrs, ValidateAlwaysRestart(t, kindName, templatePath)...)
	return allErrs
}

// ValidateAlwaysRestart checks restartPolicy Always and no
// activeDeadlineSeconds in a template of a long-running workload.
func ValidateAlwaysRestart(t *corev1.PodTemplateSpec, kindName string, templatePath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		allErrs = append(allErrs, field.NotSupported(templatePath.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		allErrs = append(allErrs, field.Forbidden(templatePath.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in "+kindName+" is not Supported"))
	}
	return allErrs
}
