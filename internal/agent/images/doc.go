// Package images builds the agent's local container images without a
// registry or docker: OCI image-layout tarballs written in Go (a pause image
// whose entrypoint is a minimal static ELF generated here, and a busybox
// image from the host's busybox-static), and imports them into containerd's
// k8s.io namespace with ctr.
//
// It must not pull or push images; pulling goes through CRI.
package images
