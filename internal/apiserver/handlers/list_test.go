package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestListSelectorsAndPaging(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	mustCreateNamespace(t, ts, "ns2")
	var lastRV string
	for i := 0; i < 5; i++ {
		ns := "ns1"
		if i%2 == 1 {
			ns = "ns2"
		}
		pod := testPod(fmt.Sprintf("p%d", i))
		pod.Labels["idx"] = fmt.Sprint(i)
		if i < 2 {
			pod.Spec.NodeName = "node-a"
		}
		created, err := ts.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		lastRV = created.ResourceVersion
	}
	tests := []struct {
		name string
		ns   string
		opts metav1.ListOptions
		want []string
	}{
		{"all namespaces", "", metav1.ListOptions{}, []string{"p0", "p2", "p4", "p1", "p3"}},
		{"one namespace", "ns1", metav1.ListOptions{}, []string{"p0", "p2", "p4"}},
		{"label", "", metav1.ListOptions{LabelSelector: "idx in (1,2)"}, []string{"p2", "p1"}},
		{"field", "", metav1.ListOptions{FieldSelector: "spec.nodeName=node-a"}, []string{"p0", "p1"}},
		{"field not", "ns1", metav1.ListOptions{FieldSelector: "spec.nodeName!=node-a"}, []string{"p2", "p4"}},
		{"name", "ns2", metav1.ListOptions{FieldSelector: "metadata.name=p3"}, []string{"p3"}},
		{"namespace field", "", metav1.ListOptions{FieldSelector: "metadata.namespace=ns2"}, []string{"p1", "p3"}},
		{"not older than", "", metav1.ListOptions{ResourceVersion: lastRV, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, LabelSelector: "app=web"}, []string{"p0", "p2", "p4", "p1", "p3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := ts.client.CoreV1().Pods(tc.ns).List(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range list.Items {
				got = append(got, p.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || list.ResourceVersion == "" {
				t.Fatalf("got %v (rv %q), want %v", got, list.ResourceVersion, tc.want)
			}
		})
	}

	_, err := ts.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "foo=bar"})
	if !apierrors.IsBadRequest(err) || err.Error() != "field label not supported: foo" {
		t.Fatalf("unsupported field label: %v", err)
	}
	_, err = ts.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: "a b"})
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("bad label selector: %v", err)
	}
	_, err = ts.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("resourceVersionMatch without resourceVersion: %v", err)
	}

	// Paging.
	var names []string
	opts := metav1.ListOptions{Limit: 2}
	for pages := 0; ; pages++ {
		list, err := ts.client.CoreV1().Pods("").List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range list.Items {
			names = append(names, p.Name)
		}
		if list.Continue == "" {
			if pages != 2 {
				t.Fatalf("pages: %d", pages+1)
			}
			break
		}
		opts.Continue = list.Continue
	}
	if strings.Join(names, ",") != "p0,p2,p4,p1,p3" {
		t.Fatalf("paged names: %v", names)
	}
	_, err = ts.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 2, Continue: "garbage"})
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("bad continue: %v", err)
	}
}

func TestDeleteCollection(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	cms := ts.client.CoreV1().ConfigMaps("ns1")
	for i := 0; i < 4; i++ {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%d", i), Labels: map[string]string{"even": fmt.Sprint(i%2 == 0)}}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "even=true"}); err != nil {
		t.Fatal(err)
	}
	list, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 || list.Items[0].Name != "c1" || list.Items[1].Name != "c3" {
		t.Fatalf("after deletecollection: %v %+v", err, list)
	}
}
