package workload

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestIntOrPercent(t *testing.T) {
	p := field.NewPath("x")
	tests := []struct {
		v         intstr.IntOrString
		valid     bool
		value     int
		over100ok bool
	}{
		{v: intstr.FromInt32(3), valid: true, value: 3, over100ok: true},
		{v: intstr.FromString("25%"), valid: true, value: 25, over100ok: true},
		{v: intstr.FromString("0%"), valid: true, value: 0, over100ok: true},
		{v: intstr.FromString("150%"), valid: true, value: 150},
		{v: intstr.FromInt32(-1), value: -1, over100ok: true},
		{v: intstr.FromString("abc"), over100ok: true},
		{v: intstr.FromString("5"), over100ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.v.String(), func(t *testing.T) {
			if errs := ValidatePositiveIntOrPercent(tc.v, p); (len(errs) == 0) != tc.valid {
				t.Errorf("valid = %v: %v", len(errs) == 0, errs)
			}
			if tc.valid {
				if got := IntOrPercentValue(tc.v); got != tc.value {
					t.Errorf("value = %d, want %d", got, tc.value)
				}
			}
			if errs := IsNotMoreThan100Percent(tc.v, p); (len(errs) == 0) != tc.over100ok {
				t.Errorf("100%% check: %v", errs)
			}
		})
	}
}

func TestSelector(t *testing.T) {
	p := field.NewPath("spec", "selector")
	if errs := ValidateSelector(nil, "deployment", p); len(errs) != 1 || errs[0].Type != field.ErrorTypeRequired {
		t.Errorf("nil selector: %v", errs)
	}
	if errs := ValidateSelector(&metav1.LabelSelector{}, "deployment", p); len(errs) != 1 || errs[0].Detail != "empty selector is invalid for deployment" {
		t.Errorf("empty selector: %v", errs)
	}
	sel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"fe", "be"}}}}
	tp := field.NewPath("spec", "template")
	if errs := ValidateSelectorMatchesTemplate(sel, map[string]string{"tier": "fe"}, p, tp); len(errs) != 0 {
		t.Errorf("matching template: %v", errs)
	}
	errs := ValidateSelectorMatchesTemplate(sel, map[string]string{"tier": "db"}, p, tp)
	if len(errs) != 1 || errs[0].Field != "spec.template.metadata.labels" {
		t.Errorf("mismatch: %v", errs)
	}
	if got := SelectorString(sel); got != "tier in (be,fe)" {
		t.Errorf("selector string = %q", got)
	}
}
