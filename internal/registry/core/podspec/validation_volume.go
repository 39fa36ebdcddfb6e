package podspec

import (
	"path"
	"path/filepath"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive"

// validateVolumes checks names (DNS labels, unique) and sources, and
// returns the valid volumes by name for mount checks.
func validateVolumes(volumes []corev1.Volume, fldPath *field.Path) (map[string]corev1.VolumeSource, field.ErrorList) {
	allErrs := field.ErrorList{}
	names := sets.New[string]()
	vols := map[string]corev1.VolumeSource{}
	for i, v := range volumes {
		p := fldPath.Index(i)
		el := ValidateVolumeSource(&v.VolumeSource, p)
		if v.Name == "" {
			el = append(el, field.Required(p.Child("name"), ""))
		} else {
			el = append(el, validateDNSLabel(v.Name, p.Child("name"))...)
		}
		if names.Has(v.Name) {
			el = append(el, field.Duplicate(p.Child("name"), v.Name))
		}
		if len(el) == 0 {
			names.Insert(v.Name)
			vols[v.Name] = v.VolumeSource
		} else {
			allErrs = append(allErrs, el...)
		}
	}
	return vols, allErrs
}

// ValidateVolumeSource checks that exactly one source is set and that the
// common sources are well formed.
func ValidateVolumeSource(s *corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	n := 0
	v := reflect.ValueOf(s).Elem()
	t := v.Type()
	// Upstream counts emptyDir first, then the rest in declaration order;
	// the first source found is the one kept, the others are reported.
	order := []int{}
	if f, ok := t.FieldByName("EmptyDir"); ok {
		order = append(order, f.Index[0])
	}
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Name != "EmptyDir" {
			order = append(order, i)
		}
	}
	for _, i := range order {
		if v.Field(i).IsNil() {
			continue
		}
		if n > 0 {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			allErrs = append(allErrs, field.Forbidden(fldPath.Child(name), "may not specify more than 1 volume type"))
			continue
		}
		n++
	}
	if n == 0 {
		return append(allErrs, field.Required(fldPath, "must specify a volume type"))
	}
	if n > 1 {
		return allErrs
	}
	switch {
	case s.EmptyDir != nil:
		if s.EmptyDir.SizeLimit != nil && s.EmptyDir.SizeLimit.Sign() < 0 {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("emptyDir", "sizeLimit"), "SizeLimit field must be a valid resource quantity"))
		}
		if m := s.EmptyDir.Medium; m != corev1.StorageMediumDefault && m != corev1.StorageMediumMemory && !strings.HasPrefix(string(m), "HugePages") {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("emptyDir", "medium"), m, []string{"", "Memory", "HugePages"}))
		}
	case s.HostPath != nil:
		allErrs = append(allErrs, validateHostPath(s.HostPath, fldPath.Child("hostPath"))...)
	case s.Secret != nil:
		p := fldPath.Child("secret")
		if s.Secret.SecretName == "" {
			allErrs = append(allErrs, field.Required(p.Child("secretName"), ""))
		}
		allErrs = append(allErrs, validateMode(s.Secret.DefaultMode, p.Child("defaultMode"))...)
		allErrs = append(allErrs, validateKeyToPaths(s.Secret.Items, p.Child("items"))...)
	case s.ConfigMap != nil:
		p := fldPath.Child("configMap")
		if s.ConfigMap.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		}
		allErrs = append(allErrs, validateMode(s.ConfigMap.DefaultMode, p.Child("defaultMode"))...)
		allErrs = append(allErrs, validateKeyToPaths(s.ConfigMap.Items, p.Child("items"))...)
	case s.PersistentVolumeClaim != nil:
		if s.PersistentVolumeClaim.ClaimName == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("persistentVolumeClaim", "claimName"), ""))
		}
	case s.NFS != nil:
		p := fldPath.Child("nfs")
		if s.NFS.Server == "" {
			allErrs = append(allErrs, field.Required(p.Child("server"), ""))
		}
		if s.NFS.Path == "" {
			allErrs = append(allErrs, field.Required(p.Child("path"), ""))
		}
		if !path.IsAbs(s.NFS.Path) {
			allErrs = append(allErrs, field.Invalid(p.Child("path"), s.NFS.Path, "must be an absolute path"))
		}
	case s.DownwardAPI != nil:
		p := fldPath.Child("downwardAPI")
		allErrs = append(allErrs, validateMode(s.DownwardAPI.DefaultMode, p.Child("defaultMode"))...)
		for _, f := range s.DownwardAPI.Items {
			allErrs = append(allErrs, validateDownwardAPIFile(&f, p)...)
		}
	case s.Projected != nil:
		allErrs = append(allErrs, validateProjected(s.Projected, fldPath.Child("projected"))...)
	case s.CSI != nil:
		p := fldPath.Child("csi")
		if s.CSI.Driver == "" {
			allErrs = append(allErrs, field.Required(p.Child("driver"), ""))
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(s.CSI.Driver)) {
				allErrs = append(allErrs, field.Invalid(p.Child("driver"), s.CSI.Driver, msg))
			}
		}
	case s.Ephemeral != nil:
		p := fldPath.Child("ephemeral")
		if s.Ephemeral.VolumeClaimTemplate == nil {
			allErrs = append(allErrs, field.Required(p.Child("volumeClaimTemplate"), ""))
		} else {
			tp := p.Child("volumeClaimTemplate")
			allErrs = append(allErrs, metav1validation.ValidateLabels(s.Ephemeral.VolumeClaimTemplate.Labels, tp.Child("metadata", "labels"))...)
			allErrs = append(allErrs, apivalidation.ValidateAnnotations(s.Ephemeral.VolumeClaimTemplate.Annotations, tp.Child("metadata", "annotations"))...)
			allErrs = append(allErrs, ValidatePersistentVolumeClaimSpec(&s.Ephemeral.VolumeClaimTemplate.Spec, tp.Child("spec"))...)
		}
	case s.Image != nil:
		// The reference is only required on pods; templates may leave it
		// to be filled in later.
		allErrs = append(allErrs, validatePullPolicy(s.Image.PullPolicy, fldPath.Child("image", "pullPolicy"))...)
	case s.GitRepo != nil:
		p := fldPath.Child("gitRepo")
		if s.GitRepo.Repository == "" {
			allErrs = append(allErrs, field.Required(p.Child("repository"), ""))
		}
		allErrs = append(allErrs, validateLocalDescendingPath(s.GitRepo.Directory, p.Child("directory"))...)
	}
	return allErrs
}

var hostPathTypes = []corev1.HostPathType{
	corev1.HostPathUnset, corev1.HostPathBlockDev, corev1.HostPathCharDev, corev1.HostPathDirectory,
	corev1.HostPathDirectoryOrCreate, corev1.HostPathFile, corev1.HostPathFileOrCreate, corev1.HostPathSocket,
}

func validateHostPath(h *corev1.HostPathVolumeSource, fldPath *field.Path) field.ErrorList {
	if h.Path == "" {
		return field.ErrorList{field.Required(fldPath.Child("path"), "")}
	}
	allErrs := validatePathNoBacksteps(h.Path, fldPath.Child("path"))
	if h.Type != nil {
		ok := false
		for _, t := range hostPathTypes {
			ok = ok || t == *h.Type
		}
		if !ok {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("type"), *h.Type, hostPathTypes))
		}
	}
	return allErrs
}

func validateMode(mode *int32, fldPath *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0o777 || *mode < 0) {
		return field.ErrorList{field.Invalid(fldPath, *mode, fileModeErrorMsg)}
	}
	return nil
}

func validateKeyToPaths(items []corev1.KeyToPath, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	for i, kp := range items {
		p := fldPath.Index(i)
		if kp.Key == "" {
			allErrs = append(allErrs, field.Required(p.Child("key"), ""))
		}
		if kp.Path == "" {
			allErrs = append(allErrs, field.Required(p.Child("path"), ""))
		}
		allErrs = append(allErrs, validateLocalNonReservedPath(kp.Path, p.Child("path"))...)
		allErrs = append(allErrs, validateMode(kp.Mode, p.Child("mode"))...)
	}
	return allErrs
}

func validateDownwardAPIFile(f *corev1.DownwardAPIVolumeFile, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if f.Path == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("path"), ""))
	}
	allErrs = append(allErrs, validateLocalNonReservedPath(f.Path, fldPath.Child("path"))...)
	switch {
	case f.FieldRef != nil:
		allErrs = append(allErrs, validateObjectFieldSelector(f.FieldRef, volumeFieldPaths, fldPath.Child("fieldRef"))...)
		if f.ResourceFieldRef != nil {
			allErrs = append(allErrs, field.Invalid(fldPath, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		}
	case f.ResourceFieldRef != nil:
		allErrs = append(allErrs, validateResourceFieldSelector(f.ResourceFieldRef, true, fldPath.Child("resourceFieldRef"))...)
	default:
		allErrs = append(allErrs, field.Required(fldPath, "one of fieldRef and resourceFieldRef is required"))
	}
	allErrs = append(allErrs, validateMode(f.Mode, fldPath.Child("mode"))...)
	return allErrs
}

func validateProjected(pv *corev1.ProjectedVolumeSource, fldPath *field.Path) field.ErrorList {
	allErrs := validateMode(pv.DefaultMode, fldPath.Child("defaultMode"))
	paths := sets.New[string]()
	addPath := func(p, what string) {
		if p == "" {
			return
		}
		if paths.Has(p) {
			allErrs = append(allErrs, field.Invalid(fldPath, what, "conflicting duplicate paths"))
		}
		paths.Insert(p)
	}
	for i, src := range pv.Sources {
		sp := fldPath.Child("sources").Index(i)
		n := 0
		if src.Secret != nil {
			n++
			if src.Secret.Name == "" {
				allErrs = append(allErrs, field.Required(sp.Child("secret", "name"), ""))
			}
			allErrs = append(allErrs, validateKeyToPaths(src.Secret.Items, sp.Child("secret", "items"))...)
			for _, kp := range src.Secret.Items {
				addPath(kp.Path, src.Secret.Name)
			}
		}
		if src.ConfigMap != nil {
			n++
			if src.ConfigMap.Name == "" {
				allErrs = append(allErrs, field.Required(sp.Child("configMap", "name"), ""))
			}
			allErrs = append(allErrs, validateKeyToPaths(src.ConfigMap.Items, sp.Child("configMap", "items"))...)
			for _, kp := range src.ConfigMap.Items {
				addPath(kp.Path, src.ConfigMap.Name)
			}
		}
		if src.DownwardAPI != nil {
			n++
			for _, f := range src.DownwardAPI.Items {
				allErrs = append(allErrs, validateDownwardAPIFile(&f, sp.Child("downwardAPI"))...)
				addPath(f.Path, f.Path)
			}
		}
		if t := src.ServiceAccountToken; t != nil {
			n++
			tp := sp.Child("serviceAccountToken")
			if t.ExpirationSeconds != nil && *t.ExpirationSeconds < 10*60 {
				allErrs = append(allErrs, field.Invalid(tp.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
			}
			if t.ExpirationSeconds != nil && *t.ExpirationSeconds > 1<<32 {
				allErrs = append(allErrs, field.Invalid(tp.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"))
			}
			if t.Path == "" {
				allErrs = append(allErrs, field.Required(fldPath.Child("path"), ""))
			} else {
				allErrs = append(allErrs, validateLocalNonReservedPath(t.Path, fldPath.Child("path"))...)
			}
		}
		if src.ClusterTrustBundle != nil {
			n++
			if src.ClusterTrustBundle.Path == "" {
				allErrs = append(allErrs, field.Required(sp.Child("clusterTrustBundle", "path"), ""))
			}
			addPath(src.ClusterTrustBundle.Path, src.ClusterTrustBundle.Path)
		}
		if src.PodCertificate != nil {
			n++
		}
		if n > 1 {
			allErrs = append(allErrs, field.Forbidden(sp, "may not specify more than 1 volume type per source"))
		}
	}
	return allErrs
}

func validateLocalDescendingPath(p string, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if path.IsAbs(p) {
		allErrs = append(allErrs, field.Invalid(fldPath, p, "must be a relative path"))
	}
	return append(allErrs, validatePathNoBacksteps(p, fldPath)...)
}

func validatePathNoBacksteps(p string, fldPath *field.Path) field.ErrorList {
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		if part == ".." {
			return field.ErrorList{field.Invalid(fldPath, p, "must not contain '..'")}
		}
	}
	return nil
}

func validateLocalNonReservedPath(p string, fldPath *field.Path) field.ErrorList {
	allErrs := validateLocalDescendingPath(p, fldPath)
	if strings.HasPrefix(p, "..") && !strings.HasPrefix(p, "../") {
		allErrs = append(allErrs, field.Invalid(fldPath, p, "must not start with '..'"))
	}
	return allErrs
}
