package resourcequota

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/columns"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// Strategy is the resourcequotas strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the quota strategy (namespaced, status).
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true}}
}

var _ registry.Strategy = Strategy{}

var quotaResources = map[corev1.ResourceName]bool{
	corev1.ResourcePods: true, corev1.ResourceQuotas: true, corev1.ResourceServices: true,
	corev1.ResourceReplicationControllers: true, corev1.ResourceSecrets: true, corev1.ResourceConfigMaps: true,
	corev1.ResourcePersistentVolumeClaims: true, corev1.ResourceServicesNodePorts: true,
	corev1.ResourceServicesLoadBalancers: true, corev1.ResourceCPU: true, corev1.ResourceMemory: true,
	corev1.ResourceEphemeralStorage: true, corev1.ResourceRequestsCPU: true, corev1.ResourceRequestsMemory: true,
	corev1.ResourceRequestsStorage: true, corev1.ResourceRequestsEphemeralStorage: true,
	corev1.ResourceLimitsCPU: true, corev1.ResourceLimitsMemory: true, corev1.ResourceLimitsEphemeralStorage: true,
}

var scopes = map[corev1.ResourceQuotaScope]bool{
	corev1.ResourceQuotaScopeTerminating: true, corev1.ResourceQuotaScopeNotTerminating: true,
	corev1.ResourceQuotaScopeBestEffort: true, corev1.ResourceQuotaScopeNotBestEffort: true,
	corev1.ResourceQuotaScopePriorityClass: true, corev1.ResourceQuotaScopeCrossNamespacePodAffinity: true,
	corev1.ResourceQuotaScopeVolumeAttributesClass: true,
}

func isQuotaResource(name corev1.ResourceName) bool {
	s := string(name)
	return quotaResources[name] || strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) ||
		strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix+corev1.ResourceHugePagesPrefix)
}

// ValidateQuotaResourceName checks a name usable in a quota: qualified, and
// one of the standard quota resources when not prefixed.
func ValidateQuotaResourceName(name corev1.ResourceName, fldPath *field.Path) field.ErrorList {
	allErrs := podspec.ValidateResourceName(name, fldPath)
	if len(allErrs) == 0 && !strings.Contains(string(name), "/") && !isQuotaResource(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, "must be a standard resource for quota"))
	}
	return allErrs
}

func validateList(l corev1.ResourceList, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	for k, v := range l {
		p := fldPath.Key(string(k))
		allErrs = append(allErrs, ValidateQuotaResourceName(k, p)...)
		allErrs = append(allErrs, podspec.ValidateResourceQuantityValue(k, v, p)...)
	}
	return allErrs
}

func validateSpec(spec *corev1.ResourceQuotaSpec, fldPath *field.Path) field.ErrorList {
	allErrs := validateList(spec.Hard, fldPath.Child("hard"))
	seen := map[corev1.ResourceQuotaScope]bool{}
	for _, s := range spec.Scopes {
		if !scopes[s] {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("scopes"), spec.Scopes, "unsupported scope"))
		}
		seen[s] = true
	}
	if spec.ScopeSelector != nil {
		p := fldPath.Child("scopeSelector", "matchExpressions")
		for _, r := range spec.ScopeSelector.MatchExpressions {
			if !scopes[r.ScopeName] {
				allErrs = append(allErrs, field.Invalid(p.Child("scopeName"), r.ScopeName, "unsupported scope"))
			}
			switch r.Operator {
			case corev1.ScopeSelectorOpIn, corev1.ScopeSelectorOpNotIn:
				if len(r.Values) == 0 {
					allErrs = append(allErrs, field.Required(p.Child("values"), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
				}
			case corev1.ScopeSelectorOpExists, corev1.ScopeSelectorOpDoesNotExist:
				if len(r.Values) != 0 {
					allErrs = append(allErrs, field.Invalid(p.Child("values"), r.Values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
				}
			default:
				allErrs = append(allErrs, field.Invalid(p.Child("operator"), r.Operator, "not a valid selector operator"))
			}
			seen[r.ScopeName] = true
		}
	}
	if (seen[corev1.ResourceQuotaScopeBestEffort] && seen[corev1.ResourceQuotaScopeNotBestEffort]) ||
		(seen[corev1.ResourceQuotaScopeTerminating] && seen[corev1.ResourceQuotaScopeNotTerminating]) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("scopes"), spec.Scopes, "conflicting scopes"))
	}
	return allErrs
}

// Validate checks the hard limits and scopes.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	q := obj.(*corev1.ResourceQuota)
	allErrs := registry.ValidateObjectMeta(q, true, registry.NameIsDNSSubdomain)
	allErrs = append(allErrs, validateSpec(&q.Spec, field.NewPath("spec"))...)
	allErrs = append(allErrs, validateList(q.Status.Hard, field.NewPath("status", "hard"))...)
	return append(allErrs, validateList(q.Status.Used, field.NewPath("status", "used"))...)
}

// ValidateUpdate keeps the scopes fixed.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	q, oldQ := obj.(*corev1.ResourceQuota), old.(*corev1.ResourceQuota)
	allErrs := registry.ValidateObjectMetaUpdate(q, oldQ)
	allErrs = append(allErrs, validateSpec(&q.Spec, field.NewPath("spec"))...)
	a, b := map[corev1.ResourceQuotaScope]bool{}, map[corev1.ResourceQuotaScope]bool{}
	for _, s := range q.Spec.Scopes {
		a[s] = true
	}
	for _, s := range oldQ.Spec.Scopes {
		b[s] = true
	}
	same := len(a) == len(b)
	for s := range a {
		same = same && b[s]
	}
	if !same {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "scopes"), q.Spec.Scopes, "field is immutable"))
	}
	return allErrs
}

// ValidateStatusUpdate checks the reported hard and used amounts.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	q := obj.(*corev1.ResourceQuota)
	allErrs := registry.ValidateObjectMetaUpdate(obj, old)
	allErrs = append(allErrs, validateList(q.Status.Hard, field.NewPath("status", "hard"))...)
	return append(allErrs, validateList(q.Status.Used, field.NewPath("status", "used"))...)
}

// TableColumns are NAME AGE REQUEST LIMIT.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		columns.Name(),
		columns.Age(),
		{Name: "Request", Type: "string", Description: "Request represents a minimum amount of cpu/memory that a container may consume."},
		{Name: "Limit", Type: "string", Description: "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."},
	}
}

// TableRow prints "used/hard" per resource, limits.* under LIMIT and the
// rest under REQUEST.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	q := obj.(*corev1.ResourceQuota)
	names := make([]string, 0, len(q.Status.Hard))
	for n := range q.Status.Hard {
		names = append(names, string(n))
	}
	sort.Strings(names)
	var req, lim []string
	for _, n := range names {
		used := q.Status.Used[corev1.ResourceName(n)]
		hard := q.Status.Hard[corev1.ResourceName(n)]
		cell := fmt.Sprintf("%s: %s/%s", n, quantity(used), quantity(hard))
		if strings.HasPrefix(n, "limits.") {
			lim = append(lim, cell)
		} else {
			req = append(req, cell)
		}
	}
	return []interface{}{q.Name, columns.Since(q.CreationTimestamp), strings.Join(req, ", "), strings.Join(lim, ", ")}, nil
}

func quantity(q resource.Quantity) string { return q.String() }
