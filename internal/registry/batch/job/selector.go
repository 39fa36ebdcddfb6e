package job

import (
	"maps"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The unprefixed labels the job controller has always set; still written
// and checked alongside the batch.kubernetes.io ones.
const (
	legacyControllerUIDLabel = "controller-uid"
	legacyJobNameLabel       = "job-name"
)

// generateSelector adds the job-name and controller-uid labels to the pod
// template and selects on controller-uid, unless the user asked for a
// manual selector. Labels the user already set are left for validation to
// judge.
func generateSelector(j *batchv1.Job) {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return
	}
	if j.UID == "" {
		// The API server sets the uid before PrepareForCreate; this only
		// keeps direct callers from producing "controller-uid=".
		j.UID = uuid.NewUUID()
	}
	if j.Spec.Template.Labels == nil {
		j.Spec.Template.Labels = map[string]string{}
	}
	for _, k := range []string{legacyJobNameLabel, batchv1.JobNameLabel} {
		if _, found := j.Spec.Template.Labels[k]; !found {
			j.Spec.Template.Labels[k] = j.Name
		}
	}
	for _, k := range []string{legacyControllerUIDLabel, batchv1.ControllerUidLabel} {
		if _, found := j.Spec.Template.Labels[k]; !found {
			j.Spec.Template.Labels[k] = string(j.UID)
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &metav1.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, found := j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !found {
		j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = string(j.UID)
	}
}

// prepareLabels generates the selector and, when the job's own labels were
// defaulted from the template (or are empty), refreshes them with the
// generated pod labels, as upstream's shared label map does.
func prepareLabels(j *batchv1.Job) {
	copied := len(j.Labels) == 0 || maps.Equal(j.Labels, j.Spec.Template.Labels)
	generateSelector(j)
	if copied && len(j.Spec.Template.Labels) > 0 {
		j.Labels = copyLabels(j.Spec.Template.Labels)
	}
}

// validateGeneratedSelector checks that an auto-generated selector and the
// generated pod labels are intact.
func validateGeneratedSelector(j *batchv1.Job, requirePrefixedLabels bool) field.ErrorList {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return nil
	}
	if j.Spec.Selector == nil {
		return nil // reported by the spec validation
	}
	var allErrs field.ErrorList
	if j.UID == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	tmplPath := field.NewPath("spec", "template", "metadata")
	expected := map[string]string{
		legacyControllerUIDLabel: string(j.UID),
		legacyJobNameLabel:       j.Name,
	}
	allErrs = append(allErrs, validateHasLabel(j.Spec.Template.Labels, tmplPath, legacyControllerUIDLabel, string(j.UID))...)
	allErrs = append(allErrs, validateHasLabel(j.Spec.Template.Labels, tmplPath, legacyJobNameLabel, j.Name)...)
	if requirePrefixedLabels {
		allErrs = append(allErrs, validateHasLabel(j.Spec.Template.Labels, tmplPath, batchv1.ControllerUidLabel, string(j.UID))...)
		allErrs = append(allErrs, validateHasLabel(j.Spec.Template.Labels, tmplPath, batchv1.JobNameLabel, j.Name)...)
		expected[batchv1.ControllerUidLabel] = string(j.UID)
		expected[batchv1.JobNameLabel] = j.Name
	}
	if selector, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !selector.Matches(labels.Set(expected)) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return allErrs
}

func validateHasLabel(lbls map[string]string, fldPath *field.Path, key, want string) field.ErrorList {
	got, found := lbls[key]
	if !found {
		return field.ErrorList{field.Required(fldPath.Child("labels").Key(key), want)}
	}
	if got != want {
		return field.ErrorList{field.Invalid(fldPath.Child("labels").Key(key), lbls, "must be '"+want+"'")}
	}
	return nil
}
