// Package kubelet is Nauta's node agent. It registers this machine as a Node,
// keeps the Node's status and its Lease in kube-node-lease fresh, writes the
// CNI bridge configuration for the node's pod CIDR, and runs the pods bound to
// the node through a CRI runtime (containerd): sandboxes, image pulls, init,
// sidecar and app containers, probes, restarts with crash-loop back-off,
// graceful termination and pod status. It also starts the kubelet API the
// API server proxies to; that API is internal/agent/kubeletapi, fed with
// this kubelet's pods, CRI connection, log directory and metrics.
//
// Files by concern: config.go and kubelet.go (Config, New, Run), node*.go and
// lease.go (Node object), cni.go, pods.go (informer, workers, housekeeping),
// pod_worker.go and pod_sync.go (one goroutine per pod converging it),
// pod_sandbox.go, pod_dns.go (resolv.conf by dnsPolicy, host names),
// pod_hosts.go (the managed /etc/hosts), pod_cgroups.go (pod-level cgroups),
// container_config.go, env.go, volumes*.go and volume_*.go (volume set-up,
// the atomic writer that lets configMap/secret volumes follow updates, the
// per-object watches feeding it, emptyDir tmpfs and size accounting),
// eviction.go (emptyDir sizeLimit), images.go and image_credentials.go
// (pulls with imagePullSecrets), probes*.go (exec, HTTP, TCP, gRPC),
// kill.go, pod_status.go, server.go (starts kubeletapi), logrotate.go,
// events.go, metrics.go.
//
// It talks to the API server only through client-go and to the container
// runtime only through the CRI gRPC API. It does not start containerd, build
// images or program service proxies: those belong to internal/agent and the
// proxy. Containers it starts carry the upstream io.kubernetes.* labels so a
// restarted kubelet adopts them instead of restarting them.
package kubelet
