package storage

import (
	"bytes"
	"context"
	"errors"
	"github.com/nauta/nauta/internal/storage/storagetest"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestCreateGet(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)

	in := storagetest.NewPod("ns1", "a", map[string]string{"app": "web"})
	in.ResourceVersion = "42" // ignored: etcd decides
	in.Kind, in.APIVersion = "Pod", "v1"
	created := &corev1.Pod{}
	if err := s.Create(ctx, storagetest.PodKey("ns1", "a"), in, created); err != nil {
		t.Fatal(err)
	}
	if created.ResourceVersion == "" || created.ResourceVersion == "42" {
		t.Fatalf("create resourceVersion = %q, want the etcd revision", created.ResourceVersion)
	}
	if in.ResourceVersion != "42" {
		t.Fatalf("create changed the caller's object")
	}
	if created.Kind != "" || created.APIVersion != "" {
		t.Fatalf("stored objects come back without TypeMeta, got %q %q", created.APIVersion, created.Kind)
	}

	// The stored bytes are protobuf in the k8s envelope without resourceVersion.
	raw, err := s.client.Get(ctx, storagetest.PodKey("ns1", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw.Kvs[0].Value, []byte("k8s\x00")) {
		t.Fatalf("stored value is not protobuf: %q", raw.Kvs[0].Value[:10])
	}
	if bytes.Contains(raw.Kvs[0].Value, []byte("42")) {
		t.Fatalf("stored value carries a resourceVersion")
	}

	tests := []struct {
		name    string
		key     string
		opts    GetOptions
		wantErr error
		wantRV  string
	}{
		{name: "latest", key: storagetest.PodKey("ns1", "a"), wantRV: created.ResourceVersion},
		{name: "any", key: storagetest.PodKey("ns1", "a"), opts: GetOptions{ResourceVersion: "0"}, wantRV: created.ResourceVersion},
		{name: "at least created", key: storagetest.PodKey("ns1", "a"), opts: GetOptions{ResourceVersion: created.ResourceVersion}, wantRV: created.ResourceVersion},
		{name: "future", key: storagetest.PodKey("ns1", "a"), opts: GetOptions{ResourceVersion: "100000"}, wantErr: ErrTooLargeResourceVersion},
		{name: "invalid rv", key: storagetest.PodKey("ns1", "a"), opts: GetOptions{ResourceVersion: "abc"}, wantErr: ErrInvalidResourceVersion},
		{name: "missing", key: storagetest.PodKey("ns1", "b"), wantErr: ErrKeyNotFound},
		{name: "missing ignored", key: storagetest.PodKey("ns1", "b"), opts: GetOptions{IgnoreNotFound: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := storagetest.NewPod("junk", "junk", nil)
			err := s.Get(ctx, tt.key, tt.opts, out)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				var se *Error
				if !errors.As(err, &se) {
					t.Fatalf("err %T is not a *storage.Error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.ResourceVersion != tt.wantRV {
				t.Fatalf("resourceVersion = %q, want %q", out.ResourceVersion, tt.wantRV)
			}
			if tt.wantRV == "" && out.Name != "" {
				t.Fatalf("IgnoreNotFound left %q in out", out.Name)
			}
			if tt.wantRV != "" && (out.Name != "a" || out.Labels["app"] != "web" || len(out.Spec.Containers) != 1) {
				t.Fatalf("got %+v", out.ObjectMeta)
			}
		})
	}

	t.Run("exists", func(t *testing.T) {
		err := s.Create(ctx, storagetest.PodKey("ns1", "a"), storagetest.NewPod("ns1", "a", nil), &corev1.Pod{})
		if !errors.Is(err, ErrKeyExists) {
			t.Fatalf("err = %v, want ErrKeyExists", err)
		}
	})
}

func TestConfigMapAndJSONFallback(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	cm := &corev1.ConfigMap{}
	cm.Name, cm.Namespace = "cfg", "ns1"
	cm.Data = map[string]string{"k": "v"}
	out := &corev1.ConfigMap{}
	if err := s.Create(ctx, "/registry/configmaps/ns1/cfg", cm, out); err != nil {
		t.Fatal(err)
	}
	if out.Data["k"] != "v" {
		t.Fatalf("data = %v", out.Data)
	}

	// Values written as JSON (types without protobuf) decode too.
	js := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"js","namespace":"ns1"},"data":{"a":"b"}}`
	put, err := s.client.Put(ctx, "/registry/configmaps/ns1/js", js)
	if err != nil {
		t.Fatal(err)
	}
	got := &corev1.ConfigMap{}
	if err := s.Get(ctx, "/registry/configmaps/ns1/js", GetOptions{}, got); err != nil {
		t.Fatal(err)
	}
	if got.Data["a"] != "b" || got.ResourceVersion != strconv.FormatInt(put.Header.Revision, 10) {
		t.Fatalf("got %+v", got)
	}

	// Decoding into the wrong type fails clearly.
	if err := s.Get(ctx, "/registry/configmaps/ns1/js", GetOptions{}, &corev1.Secret{}); err == nil {
		t.Fatalf("decoding a ConfigMap into a Secret succeeded")
	}
}

func TestCurrentResourceVersion(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	before, err := s.CurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := storagetest.CreatePod(t, s, storagetest.NewPod("ns", "p", nil))
	after, err := s.CurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before || strconv.FormatUint(after, 10) != p.ResourceVersion {
		t.Fatalf("before %d after %d pod rv %s", before, after, p.ResourceVersion)
	}
}

func TestContinueTokenDecoding(t *testing.T) {
	good, err := encodeContinue("/registry/pods/ns/a\x00", "/registry/pods/", 7)
	if err != nil {
		t.Fatal(err)
	}
	key, rev, err := decodeContinue(good, "/registry/pods/")
	if err != nil || key != "/registry/pods/ns/a\x00" || rev != 7 {
		t.Fatalf("decode = %q %d %v", key, rev, err)
	}
	bad := []struct {
		name, token string
	}{
		{"not base64", "!!!"},
		{"not json", "bm90IGpzb24"},
		{"wrong version", b64(`{"v":"x","rv":1,"start":"a"}`)},
		{"no rv", b64(`{"v":"meta.k8s.io/v1","start":"a"}`)},
		{"no start", b64(`{"v":"meta.k8s.io/v1","rv":1}`)},
		{"path escape", b64(`{"v":"meta.k8s.io/v1","rv":1,"start":"../secrets/x"}`)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := decodeContinue(tt.token, "/registry/pods/"); !errors.Is(err, ErrInvalidContinue) {
				t.Fatalf("err = %v, want ErrInvalidContinue", err)
			}
		})
	}
}

func TestObjectType(t *testing.T) {
	for key, want := range map[string]string{
		"/registry/pods/ns/a":                        "pods",
		"/registry/apps/deployments/ns/a":            "apps/deployments",
		"/registry/networking.k8s.io/ingresses/ns/x": "networking.k8s.io/ingresses",
		"/registry/namespaces/default":               "namespaces",
	} {
		if got := objectType(key); got != want {
			t.Errorf("objectType(%q) = %q, want %q", key, got, want)
		}
	}
}

var _ runtime.Object = &corev1.Pod{}

func mustGetRV(t *testing.T, s *Store, ctx context.Context) int64 {
	t.Helper()
	rv, err := s.CurrentResourceVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return int64(rv)
}
