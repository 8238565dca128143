#!/bin/bash
# Installs every Debian 12 package dom0net needs to build and test (lane 1).
# Idempotent and quiet when everything is present. Lane 2 (Xen under QEMU) has its
# own tests/xen/prepare.sh.
set -euo pipefail

packages=(
	# build
	cmake make gcc pkg-config
	libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libmnl-dev
	libxtables-dev libiptc-dev libvncserver-dev libxen-dev
	libevent-dev libssl-dev libxmlrpc-core-c3-dev
	check libsubunit-dev
	# fuzzing and the sanitizer build's runtime
	clang libclang-rt-14-dev
	# lane-1 lab: real kernel peers and the real xenstored
	iproute2 bridge-utils iptables iputils-ping socat netcat-openbsd procps psmisc
	xen-utils-4.17 xen-utils-common xenstore-utils
	qemu-system-x86 vncsnapshot tigervnc-standalone-server tigervnc-tools # VNC gateway peers
	python3
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (run as root): ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The Xen packages ship services for a real dom0; nothing must start them here.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
