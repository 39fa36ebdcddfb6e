// Package containerd runs the node agent's own containerd: it writes a
// containerd 1.6 configuration (CRI plugin, runc with cgroupfs, CNI paths,
// registry mirrors) under the agent's data directory, starts the containerd
// binary on a private root, state directory and socket, waits until its CRI
// service answers, and restarts it with backoff when it dies.
//
// It must not talk CRI beyond the readiness check (that is package cri and
// the kubelet), and it must never touch a system containerd: every path it
// uses lives under Config.DataDir.
package containerd
