package kubelet

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/nauta/nauta/internal/agent/kubeletapi"
)

// DefaultServerPort is the kubelet API port upstream uses.
const DefaultServerPort = 10250

// runServer serves the kubelet API (internal/agent/kubeletapi) the API
// server proxies to. It stops when ctx ends.
func (k *Kubelet) runServer(ctx context.Context) error {
	ca, err := os.ReadFile(k.cfg.ClientCAFile)
	if err != nil {
		return fmt.Errorf("kubelet: client CA: %w", err)
	}
	var metricsHandler http.Handler
	if g, ok := k.cfg.Registerer.(prometheus.Gatherer); ok {
		metricsHandler = promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	}
	srv, err := kubeletapi.New(kubeletapi.Config{
		Addr:            net.JoinHostPort(k.cfg.ServerAddress, strconv.Itoa(k.cfg.ServerPort)),
		NodeName:        k.cfg.NodeName,
		NodeIP:          k.cfg.NodeIP,
		ServingCertFile: k.cfg.TLSCertFile,
		ServingKeyFile:  k.cfg.TLSKeyFile,
		ClientCA:        ca,
		Runtime:         k.conn,
		PodLogsDir:      k.logsDir(),
		Pods:            k.podSnapshot,
		Metrics:         metricsHandler,
		Logger:          k.log,
	})
	if err != nil {
		return fmt.Errorf("kubelet: %w", err)
	}
	return srv.Run(ctx)
}

// podSnapshot is the node's pods in the informer cache (none before it
// synced).
func (k *Kubelet) podSnapshot() []*v1.Pod {
	k.mu.Lock()
	lister := k.podLister
	k.mu.Unlock()
	if lister == nil {
		return nil
	}
	pods, err := lister.List(labels.Everything())
	if err != nil {
		return nil
	}
	return pods
}
