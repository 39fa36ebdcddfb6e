package storage

import (
	"context"
	"errors"
	"fmt"
	"github.com/nauta/nauta/internal/storage/storagetest"
	"reflect"
	"sort"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestListPrefixes(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	for _, p := range []struct{ ns, name string }{{"a", "p1"}, {"a", "p2"}, {"ab", "p3"}, {"b", "p4"}} {
		storagetest.CreatePod(t, s, storagetest.NewPod(p.ns, p.name, nil))
	}
	// A sibling resource whose name extends "pods" must not bleed in.
	if _, err := s.client.Put(ctx, "/registry/podsx/a/x", "junk"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		prefix    string
		recursive bool
		want      []string
	}{
		{name: "all", prefix: "/registry/pods", recursive: true, want: []string{"a/p1", "a/p2", "ab/p3", "b/p4"}},
		{name: "all with slash", prefix: "/registry/pods/", recursive: true, want: []string{"a/p1", "a/p2", "ab/p3", "b/p4"}},
		{name: "namespace a", prefix: "/registry/pods/a", recursive: true, want: []string{"a/p1", "a/p2"}},
		{name: "single key", prefix: storagetest.PodKey("a", "p2"), want: []string{"a/p2"}},
		{name: "single missing key", prefix: storagetest.PodKey("a", "zz")},
		{name: "empty namespace", prefix: "/registry/pods/zz", recursive: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := &corev1.PodList{}
			if err := s.GetList(ctx, tt.prefix, ListOptions{Recursive: tt.recursive}, list); err != nil {
				t.Fatal(err)
			}
			if got := podNames(list); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if list.Items == nil {
				t.Fatalf("items must be an empty slice, not nil")
			}
			if list.ResourceVersion == "" {
				t.Fatalf("list has no resourceVersion")
			}
		})
	}
}

func TestListPaginationSnapshot(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	var want []string
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("p%02d", i)
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", name, nil))
		want = append(want, "ns/"+name)
	}

	var got []string
	opts := ListOptions{Recursive: true, Predicate: SelectionPredicate{Limit: 3}}
	var listRV string
	for page := 0; ; page++ {
		list := &corev1.PodList{}
		if err := s.GetList(ctx, "/registry/pods", opts, list); err != nil {
			t.Fatal(err)
		}
		if page == 0 {
			listRV = list.ResourceVersion
			if list.RemainingItemCount == nil || *list.RemainingItemCount != 7 {
				t.Fatalf("remainingItemCount = %v, want 7", list.RemainingItemCount)
			}
		} else if list.ResourceVersion != listRV {
			t.Fatalf("page %d read at %s, first page at %s", page, list.ResourceVersion, listRV)
		}
		got = append(got, podNames(list)...)
		// Writes between pages are not seen: the list is one snapshot.
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", fmt.Sprintf("late%d", page), nil))
		if err := s.Delete(ctx, storagetest.PodKey("ns", fmt.Sprintf("p%02d", 9-page)), &corev1.Pod{}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if list.Continue == "" {
			if list.RemainingItemCount != nil {
				t.Fatalf("last page has remainingItemCount")
			}
			break
		}
		if page > 5 {
			t.Fatalf("too many pages")
		}
		opts.Predicate.Continue = list.Continue
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestListSelectorWithLimit(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	var want []string
	for i := 0; i < 40; i++ {
		lbls := map[string]string{"app": "other"}
		if i%4 == 0 {
			lbls["app"] = "web"
			want = append(want, fmt.Sprintf("ns/p%02d", i))
		}
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", fmt.Sprintf("p%02d", i), lbls))
	}
	opts := ListOptions{Recursive: true, Predicate: labelPred(t, "app=web")}
	opts.Predicate.Limit = 3
	var got []string
	for pages := 0; ; pages++ {
		list := &corev1.PodList{}
		if err := s.GetList(ctx, "/registry/pods", opts, list); err != nil {
			t.Fatal(err)
		}
		if list.RemainingItemCount != nil {
			t.Fatalf("remainingItemCount must not be set when filtering")
		}
		if list.Continue != "" && len(list.Items) != 3 {
			t.Fatalf("page %d has %d items, want a full page of 3", pages, len(list.Items))
		}
		got = append(got, podNames(list)...)
		if list.Continue == "" {
			break
		}
		opts.Predicate.Continue = list.Continue
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestListResourceVersions(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	first := storagetest.CreatePod(t, s, storagetest.NewPod("ns", "a", nil))
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "b", nil))
	second := storagetest.CreatePod(t, s, storagetest.NewPod("ns", "c", nil))
	firstRV := first.ResourceVersion

	tests := []struct {
		name      string
		opts      ListOptions
		wantNames int
		wantRV    string
		wantErr   error
	}{
		{name: "latest", opts: ListOptions{}, wantNames: 3, wantRV: second.ResourceVersion},
		{name: "any", opts: ListOptions{ResourceVersion: "0"}, wantNames: 3},
		{name: "exact old", opts: ListOptions{ResourceVersion: firstRV, ResourceVersionMatch: metav1.ResourceVersionMatchExact}, wantNames: 1, wantRV: firstRV},
		{name: "legacy exact with limit", opts: ListOptions{ResourceVersion: firstRV, Predicate: SelectionPredicate{Limit: 10}}, wantNames: 1, wantRV: firstRV},
		{name: "not older than", opts: ListOptions{ResourceVersion: firstRV, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}, wantNames: 3},
		{name: "not older than future", opts: ListOptions{ResourceVersion: "999999", ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}, wantErr: ErrTooLargeResourceVersion},
		{name: "exact future", opts: ListOptions{ResourceVersion: "999999", ResourceVersionMatch: metav1.ResourceVersionMatchExact}, wantErr: ErrTooLargeResourceVersion},
		{name: "exact zero", opts: ListOptions{ResourceVersion: "0", ResourceVersionMatch: metav1.ResourceVersionMatchExact}, wantErr: ErrInvalidResourceVersion},
		{name: "bad match", opts: ListOptions{ResourceVersion: "1", ResourceVersionMatch: "Sometimes"}, wantErr: ErrInvalidResourceVersion},
		{name: "bad continue", opts: ListOptions{Predicate: SelectionPredicate{Continue: "garbage"}}, wantErr: ErrInvalidContinue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Recursive = true
			list := &corev1.PodList{}
			err := s.GetList(ctx, "/registry/pods", tt.opts, list)
			if storagetest.ExpectError(t, err, tt.wantErr) {
				return
			}
			if len(list.Items) != tt.wantNames {
				t.Fatalf("got %v", podNames(list))
			}
			if tt.wantRV != "" && list.ResourceVersion != tt.wantRV {
				t.Fatalf("list rv = %s, want %s", list.ResourceVersion, tt.wantRV)
			}
		})
	}
}

func TestListCompacted(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	for i := 0; i < 5; i++ {
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", fmt.Sprintf("p%d", i), nil))
	}
	page := &corev1.PodList{}
	if err := s.GetList(ctx, "/registry/pods", ListOptions{Recursive: true, Predicate: SelectionPredicate{Limit: 2}}, page); err != nil {
		t.Fatal(err)
	}
	oldRV := page.ResourceVersion
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "p9", nil))
	cur := mustGetRV(t, s, ctx)
	if _, err := s.client.Compact(ctx, cur); err != nil {
		t.Fatal(err)
	}

	t.Run("exact", func(t *testing.T) {
		err := s.GetList(ctx, "/registry/pods", ListOptions{Recursive: true, ResourceVersion: oldRV,
			ResourceVersionMatch: metav1.ResourceVersionMatchExact}, &corev1.PodList{})
		if !errors.Is(err, ErrTooOldResourceVersion) {
			t.Fatalf("err = %v, want ErrTooOldResourceVersion", err)
		}
	})
	t.Run("continue", func(t *testing.T) {
		err := s.GetList(ctx, "/registry/pods", ListOptions{Recursive: true,
			Predicate: SelectionPredicate{Limit: 2, Continue: page.Continue}}, &corev1.PodList{})
		var se *Error
		if !errors.As(err, &se) || !errors.Is(err, ErrTooOldResourceVersion) {
			t.Fatalf("err = %v, want ErrTooOldResourceVersion", err)
		}
		if se.Continue == "" {
			t.Fatalf("no inconsistent continue token offered")
		}
		// The offered token continues at the newest revision.
		var rest []string
		opts := ListOptions{Recursive: true, Predicate: SelectionPredicate{Limit: 2, Continue: se.Continue}}
		for {
			list := &corev1.PodList{}
			if err := s.GetList(ctx, "/registry/pods", opts, list); err != nil {
				t.Fatal(err)
			}
			if list.ResourceVersion != strconv.FormatInt(cur, 10) {
				t.Fatalf("inconsistent continuation read at %s, want newest %d", list.ResourceVersion, cur)
			}
			rest = append(rest, podNames(list)...)
			if list.Continue == "" {
				break
			}
			opts.Predicate.Continue = list.Continue
		}
		want := []string{"ns/p2", "ns/p3", "ns/p4", "ns/p9"}
		sort.Strings(rest)
		if !reflect.DeepEqual(rest, want) {
			t.Fatalf("got %v, want %v", rest, want)
		}
	})
}

func TestListContinueWithResourceVersion(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	tok, _ := encodeContinue("/registry/pods/a\x00", "/registry/pods/", 3)
	err := s.GetList(ctx, "/registry/pods", ListOptions{Recursive: true, ResourceVersion: "5",
		Predicate: SelectionPredicate{Continue: tok, Limit: 1}}, &corev1.PodList{})
	if !errors.Is(err, ErrInvalidContinue) {
		t.Fatalf("err = %v, want ErrInvalidContinue", err)
	}
}
