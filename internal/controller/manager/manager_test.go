package manager

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/controller"
)

func TestEnabled(t *testing.T) {
	tests := []struct {
		selection []string
		name      string
		want      bool
	}{
		{[]string{"*"}, "namespace-controller", true},
		{[]string{"*", "-namespace-controller"}, "namespace-controller", false},
		{[]string{"-namespace-controller", "*"}, "namespace-controller", false},
		{[]string{"*", "-namespace-controller"}, "serviceaccount-controller", true},
		{[]string{"namespace-controller"}, "namespace-controller", true},
		{[]string{"namespace-controller"}, "serviceaccount-controller", false},
		{nil, "namespace-controller", false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.selection, ",")+"/"+tt.name, func(t *testing.T) {
			if got := enabled(tt.selection, tt.name); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	rc := &rest.Config{Host: "https://127.0.0.1:6443", TLSClientConfig: rest.TLSClientConfig{CAData: []byte("CA")}}
	cfg, err := Config{RESTConfig: rc}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LeaseNamespace != "kube-system" || cfg.LeaseName != "nauta-controller-manager" {
		t.Errorf("lease %s/%s", cfg.LeaseNamespace, cfg.LeaseName)
	}
	if cfg.LeaseDuration != 15*time.Second || cfg.RenewDeadline != 10*time.Second || cfg.RetryPeriod != 2*time.Second {
		t.Errorf("timings %v %v %v", cfg.LeaseDuration, cfg.RenewDeadline, cfg.RetryPeriod)
	}
	if cfg.Identity == "" || string(cfg.RootCA) != "CA" || len(cfg.Controllers) != 1 || cfg.Controllers[0] != "*" {
		t.Errorf("identity %q rootCA %q controllers %v", cfg.Identity, cfg.RootCA, cfg.Controllers)
	}
	child := cfg.restConfigFor("x")
	if child == rc || child.UserAgent != "nauta-controller-manager/x" || child.QPS != 50 || child.Burst != 100 {
		t.Errorf("client config %+v", child)
	}
	if rc.UserAgent != "" {
		t.Error("the caller's rest.Config was modified")
	}
}

func TestConfigErrors(t *testing.T) {
	rc := &rest.Config{Host: "https://127.0.0.1:6443"}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no rest config", Config{}, "RESTConfig"},
		{"unknown controller", Config{RESTConfig: rc, Controllers: []string{"*", "-nope"}}, `unknown controller "-nope"`},
		{"constructor for unknown controller", Config{RESTConfig: rc, Constructors: map[string]controller.Constructor{"nope": nil}}, `constructor for unknown controller "nope"`},
		{"lease shorter than renew", Config{RESTConfig: rc, LeaderElect: true, LeaseDuration: time.Second, RenewDeadline: 2 * time.Second}, "LeaseDuration"},
		{"renew too close to retry", Config{RESTConfig: rc, LeaderElect: true, LeaseDuration: 10 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 2 * time.Second}, "RenewDeadline"},
		{"missing CA file", Config{RESTConfig: &rest.Config{Host: "x", TLSClientConfig: rest.TLSClientConfig{CAFile: "/nonexistent/ca.crt"}}}, "root CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

// The registry's names are what Config.Controllers refers to, so they must
// match what the controllers call themselves.
func TestRegistryNames(t *testing.T) {
	rc := &rest.Config{Host: "https://127.0.0.1:1"} // never contacted
	client := kubernetes.NewForConfigOrDie(rc)
	cctx := controller.Context{
		Client:    client,
		Metadata:  metadata.NewForConfigOrDie(rc),
		Informers: informers.NewSharedInformerFactory(client, 0),
		RootCA:    []byte("CA"),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	seen := map[string]bool{}
	for _, r := range registry {
		c, err := r.new(cctx)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if c.Name() != r.name {
			t.Errorf("registered as %q, calls itself %q", r.name, c.Name())
		}
		if seen[r.name] {
			t.Errorf("%s registered twice", r.name)
		}
		seen[r.name] = true
		if r.workers < 1 {
			t.Errorf("%s: %d workers", r.name, r.workers)
		}
	}
}

func TestRootCAControllerDisabledWithoutCA(t *testing.T) {
	rc := &rest.Config{Host: "https://127.0.0.1:1"}
	client := kubernetes.NewForConfigOrDie(rc)
	cctx := controller.Context{Client: client, Informers: informers.NewSharedInformerFactory(client, 0), Logger: slog.Default()}
	for _, r := range registry {
		if r.name != "root-ca-certificate-publisher-controller" {
			continue
		}
		if _, err := r.new(cctx); !errors.Is(err, controller.ErrDisabled) {
			t.Fatalf("got %v, want ErrDisabled", err)
		}
		return
	}
	t.Fatal("root CA publisher not registered")
}

func TestQueueMetricsSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	m1, err := newQueueMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	// A second manager in the same process shares the collectors.
	m2, err := newQueueMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	q := controller.NewQueue("test_queue", m1)
	defer q.ShutDown()
	q.Add("a")
	q.Add("b")
	key, _ := q.Get()
	q.Done(key)
	m2.NewAddsMetric("test_queue").Inc()

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*dto.MetricFamily{}
	for _, f := range families {
		got[f.GetName()] = f
	}
	value := func(name string) float64 {
		f := got[name]
		if f == nil || len(f.GetMetric()) != 1 {
			t.Fatalf("%s: not exported once: %v", name, f)
		}
		m := f.GetMetric()[0]
		if l := m.GetLabel(); len(l) != 1 || l[0].GetName() != "name" || l[0].GetValue() != "test_queue" {
			t.Fatalf("%s labels %v", name, l)
		}
		switch {
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue()
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		default:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	if v := value("workqueue_depth"); v != 1 {
		t.Errorf("workqueue_depth = %v, want 1", v)
	}
	if v := value("workqueue_adds_total"); v != 3 {
		t.Errorf("workqueue_adds_total = %v, want 3", v)
	}
	if v := value("workqueue_queue_duration_seconds"); v != 1 {
		t.Errorf("workqueue_queue_duration_seconds count = %v, want 1", v)
	}
	if v := value("workqueue_work_duration_seconds"); v != 1 {
		t.Errorf("workqueue_work_duration_seconds count = %v, want 1", v)
	}
}

func TestNamespaceMissing(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"namespace not found", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "kube-system"), true},
		{"other namespace", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "other"), false},
		{"resource not served", apierrors.NewNotFound(schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}, ""), false},
		{"generic 404", apierrors.NewGenericServerResponse(404, "post", schema.GroupResource{}, "", "", 0, false), false},
		{"conflict", apierrors.NewConflict(schema.GroupResource{Resource: "namespaces"}, "kube-system", errors.New("x")), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := namespaceMissing(tt.err, "kube-system"); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
