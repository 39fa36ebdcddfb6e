#!/usr/bin/env bash
# Installs the Debian packages Nauta builds, tests and runs with, and only
# those that are missing, so a machine that has them all is not touched.
#
#   etcd-server                  etcd 3.4, the external etcd of the tests
#   containerd runc              container runtime of the node agent
#   containernetworking-plugins  CNI plugins (land in /usr/lib/cni)
#   iptables nftables            service proxy and pod networking
#   conntrack                    the proxy deletes stale UDP flows with it
#   iproute2 util-linux          ip and nsenter (kubelet and proxy tests)
#   busybox-static               the one binary in test images
#   ca-certificates              TLS roots
#
# Debian starts etcd and containerd as services where systemd runs. Nauta
# does not use them: its embedded etcd listens on a unix socket in its data
# directory and the tests start their own servers on free ports.
set -euo pipefail

packages=(
  etcd-server
  containerd
  runc
  containernetworking-plugins
  iptables
  nftables
  busybox-static
  ca-certificates
  iproute2
  conntrack
  util-linux
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#packages[@]} packages installed"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing ${missing[*]}; run as root (or apt-get install them)" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
