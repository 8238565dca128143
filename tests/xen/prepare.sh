#!/bin/bash
# Lane 2, step 1: make sure the host has what the Xen-under-QEMU lane needs.
#  - Debian packages: the Xen 4.17 hypervisor and userland, QEMU, busybox-static.
#  - The Debian 6.1 kernel, downloaded as a .deb and *extracted* into the cache
#    (never installed on the host), with a busybox-generated modules.dep.
#  - The hypervisor gunzipped (QEMU's multiboot loader wants an ELF, not a .gz).
# Writes $CACHE/env (shell assignments) for mkinitramfs.sh / run.sh.
# Exit 0 ready, 77 "skipped: <reason>" when the packages cannot be had, 1 on other errors.
#
# Host impact of installing xen-hypervisor-*: its postinst runs update-grub only if
# /boot/grub exists; on these sandboxes there is none (no bootloader at all), so it
# only drops xen-4.17-amd64.{gz,efi,config} into /boot. Nothing boots from them.
set -euo pipefail

CACHE=${DOM0NET_LANE2_CACHE:-/var/cache/dom0net-lane2}
PKGS=(xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils qemu-system-x86
      qemu-system-xen busybox-static iptables cpio
      bridge-utils iproute2 vncsnapshot tigervnc-common)

skip() { echo "skipped: $*"; exit 77; }
note() { echo "prepare: $*" >&2; }

[ "$(id -u)" = 0 ] || skip "lane 2 needs root (apt-get, cache in $CACHE)"
command -v dpkg-query >/dev/null || skip "not a Debian system (no dpkg-query)"

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
		>"$CACHE/apt.log" 2>&1
}
mkdir -p "$CACHE"
# Several engineers (and CI) share the machine: one preparer at a time.
exec 9>"$CACHE/lock"
flock 9
if [ ${#missing[@]} -gt 0 ]; then
	note "installing ${missing[*]}"
	if ! apt_install "${missing[@]}"; then
		apt-get update -qq >"$CACHE/apt.log" 2>&1 || true
		apt_install "${missing[@]}" ||
			skip "cannot install ${missing[*]}: $(tail -n1 "$CACHE/apt.log")"
	fi
fi

# The kernel: reuse an extracted one; else find linux-image-amd64's 6.1 dependency.
kver_of() { ls "$1"/lib/modules 2>/dev/null | head -n1 || true; }
KDIR=$CACHE/kernel
KVER=$(kver_of "$KDIR")
if [ -z "$KVER" ] || [ ! -f "$KDIR/boot/vmlinuz-$KVER" ]; then
	kpkg() { apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-6\.1[^ ]*-amd64$/ {print $2; exit}'; }
	pkg=$(kpkg)
	if [ -z "$pkg" ]; then
		apt-get update -qq >"$CACHE/apt.log" 2>&1 || true
		pkg=$(kpkg)
	fi
	[ -n "$pkg" ] || skip "no linux-image-6.1.*-amd64 package known to apt"
	note "downloading $pkg"
	rm -f "$CACHE"/linux-image-*.deb
	# apt's _apt user cannot write into a root-only dir; download as root is fine here.
	(cd "$CACHE" && apt-get download -qq "$pkg" >"$CACHE/apt.log" 2>&1) ||
		skip "cannot download $pkg: $(tail -n1 "$CACHE/apt.log")"
	rm -rf "$KDIR.new"
	dpkg-deb -x "$CACHE"/"$pkg"_*.deb "$KDIR.new"
	KVER=$(kver_of "$KDIR.new")
	busybox depmod -b "$KDIR.new" "$KVER"
	rm -rf "$KDIR" && mv "$KDIR.new" "$KDIR"
	rm -f "$CACHE"/linux-image-*.deb
fi

XENGZ=$(ls /boot/xen-4.17*-amd64.gz 2>/dev/null | head -n1)
[ -n "$XENGZ" ] || skip "xen-hypervisor-4.17-amd64 installed but no /boot/xen-4.17*.gz"
XEN=$CACHE/xen.elf
if [ ! -f "$XEN" ] || [ "$XENGZ" -nt "$XEN" ]; then
	gzip -dc "$XENGZ" >"$XEN.tmp" && mv "$XEN.tmp" "$XEN"
fi

for b in qemu-system-x86_64 busybox cpio; do
	command -v "$b" >/dev/null || skip "$b not found after installing packages"
done

cat >"$CACHE/env" <<ENV
CACHE=$CACHE
KVER=$KVER
VMLINUZ=$KDIR/boot/vmlinuz-$KVER
MODROOT=$KDIR
XEN=$XEN
XENLIB=/usr/lib/xen-4.17
ENV
note "ready: kernel $KVER, hypervisor $XEN"
