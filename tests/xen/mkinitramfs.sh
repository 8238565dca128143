#!/bin/bash
# Lane 2, step 2: build the dom0 and domU initramfs images (newc cpio, gzip).
#   mkinitramfs.sh OUTDIR [BUILDDIR]
# Needs $CACHE/env from prepare.sh. BUILDDIR holds netd/netd and netd/netctl (absent
# binaries are left out; the checks that need them then fail with a clear reason).
# Writes OUTDIR/dom0.cpio (uncompressed: unpacking gzip under TCG costs seconds),
# OUTDIR/domU.cpio.gz, and OUTDIR/dom0-root (the staged
# tree, handy for `chroot OUTDIR/dom0-root /bin/sh` checks before booting).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: mkinitramfs.sh OUTDIR [BUILDDIR]}
BUILD=${2:-}
CACHE=${DOM0NET_LANE2_CACHE:-/var/cache/dom0net-lane2}
# shellcheck source=/dev/null
. "$CACHE/env"
MODDIR=$MODROOT/lib/modules/$KVER

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# ---- helpers -------------------------------------------------------------------------
# Copy a file to the same path under root $R (dereferencing symlinks).
put() {
	local f=$1 dst=${2:-$1}
	mkdir -p "$R$(dirname "$dst")"
	rm -f "$R$dst" # may be a busybox applet link: never write through it
	cp -L --preserve=mode "$f" "$R$dst"
}
# The shared libraries (and loader) ldd resolves for an ELF file.
put_libs() {
	local lib
	ldd "$1" 2>/dev/null | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' |
		while read -r lib; do
			[ -e "$R$lib" ] || put "$lib"
		done
}
# Copy ELF binaries to the same paths, with their libraries.
put_elf() {
	local f
	for f in "$@"; do
		put "$f"
		put_libs "$f"
	done
}
# Kernel modules (by name) with their dependencies, from the busybox-made modules.dep.
put_modules() {
	local m path
	for m in "$@"; do
		path=$(grep -E "(^|/)${m//-/[-_]}\.ko:" "$MODDIR/modules.dep" | head -n1 | cut -d: -f1)
		[ -n "$path" ] || { echo "mkinitramfs: no module $m in $KVER" >&2; exit 1; }
		for f in $path $(grep -E "^$path:" "$MODDIR/modules.dep" | cut -d: -f2); do
			put "$MODDIR/$f" "/lib/modules/$KVER/$f"
		done
	done
}
busybox_root() {
	mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,etc,root,var/log}
	ln -s /run "$R/var/run"
	# The kernel opens /dev/console for init before anything is mounted.
	mknod -m 600 "$R/dev/console" c 5 1
	mknod -m 666 "$R/dev/null" c 1 3
	cp /bin/busybox "$R/bin/busybox"
	local a
	for a in $(busybox --list-full); do
		[ -e "$R/$a" ] || ln -s /bin/busybox "$R/$a"
	done
}
finish_modules() {
	cp "$MODDIR/modules.builtin" "$MODDIR/modules.order" "$R/lib/modules/$KVER/"
	busybox depmod -b "$R" "$KVER"
}
pack() {
	(cd "$R" && find . -print0 | cpio --null -o -H newc --quiet) | { if [ "${1%.gz}" = "$1" ]; then cat; else gzip -1; fi; } >"$1"
}

# ---- domU ------------------------------------------------------------------------------
R=$OUT/domU-root
rm -rf "$R"
busybox_root
mkdir -p "$R/lib/modules/$KVER"
put_modules xen-netfront
finish_modules
install -m 755 "$HERE/domU-init.sh" "$R/init"
pack "$OUT/domU.cpio.gz"

# ---- dom0 ------------------------------------------------------------------------------
R=$OUT/dom0-root
rm -rf "$R"
busybox_root
mkdir -p "$R"/lib64 "$R/lib/modules/$KVER" "$R"/var/{lib/xen,lib/xenstored,log/xen/console,lock} \
	"$R"/etc/dom0net "$R"/lane2
X=$XENLIB/bin
put_elf "$X/xl" "$X/xenstored" "$X/xen-init-dom0" "$X/xenconsoled" "$X/libxl-save-helper" \
	"$X/xenstore-control" /usr/bin/xenstore
for t in read write rm ls list exists watch chmod; do
	ln -sf xenstore "$R/usr/bin/xenstore-$t"
done
for b in xl xenstored xen-init-dom0 xenconsoled xenstore-control; do
	ln -sf "$X/$b" "$R/usr/sbin/$b"
done
cp -a /etc/xen "$R/etc/"
# VIF hotplug is netd's. run_hotplug_scripts=0 is what the docs say, but libxl 4.17
# ignores it for VIFs (it always runs the backend's `script`), so the default script is
# the shipped stand-in that only waits for netd's hotplug-status (packaging/vif-dom0net).
sed -i '/run_hotplug_scripts/d; /vif.default.script/d' "$R/etc/xen/xl.conf"
printf '%s\n' 'run_hotplug_scripts=0' 'vif.default.script="vif-dom0net"' >>"$R/etc/xen/xl.conf"
install -m 755 "$HERE/../../packaging/vif-dom0net" "$R/etc/xen/scripts/vif-dom0net"
# Shells and tools the checks (and the hotplug scripts) use; the real ip/bridge/iptables
# because busybox's lack bridge ports, details and the legacy tables; bridge-utils'
# brctl is the reference `netctl show` must match byte for byte.
# glibc dlopens libgcc_s for pthread_cancel (xl uses it).
put_elf /lib/x86_64-linux-gnu/libgcc_s.so.1
put_elf /bin/bash /usr/bin/flock /usr/sbin/ip /usr/sbin/bridge /usr/sbin/xtables-legacy-multi \
	/usr/sbin/brctl
for t in iptables-legacy iptables-legacy-save iptables-legacy-restore; do
	ln -sf xtables-legacy-multi "$R/usr/sbin/$t"
done
ln -sf iptables-legacy "$R/usr/sbin/iptables"
ln -sf iptables-legacy-save "$R/usr/sbin/iptables-save"
for f in /usr/lib/x86_64-linux-gnu/xtables/*.so; do put_elf "$f"; done
# The vfb backend libxl spawns for a PV guest's frame buffer, and a VNC client with a
# password file (for the console checks).
put_elf /usr/libexec/xen-qemu-system-i386 /usr/bin/vncsnapshot
mkdir -p "$R/usr/share/qemu" && cp -r /usr/share/qemu/keymaps "$R/usr/share/qemu/"
printf 'lane2pw\n' | vncpasswd -f >"$R/lane2/vncpw"
ln -sf /bin/bash "$R/usr/bin/bash"
put_modules xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback \
	llc stp bridge bonding 8021q veth e1000 tun \
	br_netfilter x_tables ip_tables iptable_filter xt_physdev xt_tcpudp xt_conntrack \
	xt_state xt_mac xt_multiport xt_comment
finish_modules

# dom0net itself.
for b in netd netctl; do
	if [ -n "$BUILD" ] && [ -x "$BUILD/netd/$b" ]; then
		put "$BUILD/netd/$b" "/usr/sbin/$b"
		put_libs "$BUILD/netd/$b"
	else
		echo "mkinitramfs: note: no $b in '${BUILD:-<no build dir>}', left out" >&2
	fi
done
# The unit's ExecStart is the command line /init starts netd with.
if [ -f "$SRC/packaging/dom0net.service" ]; then
	put "$SRC/packaging/dom0net.service" /lib/systemd/system/dom0net.service
else
	echo "mkinitramfs: note: no packaging/dom0net.service; /init uses /usr/sbin/netd" >&2
fi

# The guests' kernel and initramfs, and the checks.
cp "$VMLINUZ" "$R/lane2/vmlinuz"
cp "$OUT/domU.cpio.gz" "$R/lane2/domU.cpio.gz"
install -m 755 "$HERE/dom0-init.sh" "$R/init"
cp -r "$HERE/checks.d" "$R/lane2/"
[ "${LANE2_RUN_PENDING:-0}" = 1 ] || cp "$HERE/pending" "$R/lane2/pending"
# Development: LANE2_ONLY="10-xen 60-console" runs only those check files.
[ -z "${LANE2_ONLY:-}" ] || echo "$LANE2_ONLY" >"$R/lane2/only"
printf '/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' >"$R/etc/ld.so.conf"
ldconfig -r "$R" 2>/dev/null || true
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >>"$R/etc/passwd"
echo "nogroup:x:65534:" >>"$R/etc/group"
pack "$OUT/dom0.cpio"
echo "mkinitramfs: $(du -h "$OUT/dom0.cpio" | cut -f1) dom0, $(du -h "$OUT/domU.cpio.gz" | cut -f1) domU" >&2
