#!/bin/bash
# Refusals without change (BR_SKIPPED) and their override: NFS root (mounts, kernel
# command line), iSCSI session, NetworkManager; force = yes; the DHCP client warning.
# The facts are staged in a fake root (DOM0NET_SAFETY_ROOT prefixes /proc, /sys, /run).
. "$(dirname "$0")/convert_lib.sh"
cv_lab 2 addr
lab_in dom0 ip route add default via 10.0.0.1 dev eth0
R=$LAB_TMP/root
export DOM0NET_SAFETY_ROOT=$R
reset_root() { rm -rf "$R"; mkdir -p "$R/proc" "$R/sys/class" "$R/run"; echo "quiet" >"$R/proc/cmdline"; : >"$R/proc/mounts"; }

# expect_refused DESC PATTERN: eth0 is skipped with PATTERN, nothing changes.
expect_refused() {
	cv_state "$LAB_TMP/before"
	cv_drv convert "$CV_CONF" eth0
	grep -q "eth0: skipped: refused: $2" "$CV_OUT" || lab_fail "$1: $(cat "$CV_OUT")"
	cv_state "$LAB_TMP/now"
	cv_same "$LAB_TMP/before" "$LAB_TMP/now" "$1"
	echo "ok: $1 -> $(cat "$CV_OUT")"
}
convert_ok() {
	cv_drv convert "$CV_CONF" "$2"
	grep -q "$2: converted" "$CV_OUT" || lab_fail "$1: $(cat "$CV_OUT")"
	echo "ok: $1 -> $(cat "$CV_OUT")"
	cv_drv revert "$CV_CONF" "$2"
	grep -q "$2: converted" "$CV_OUT" || lab_fail "$1, revert: $(cat "$CV_OUT")"
}
cv_conf direct

reset_root
echo "10.0.0.1:/export / nfs rw,vers=3,proto=tcp,addr=10.0.0.1 0 0" >"$R/proc/mounts"
expect_refused "NFS root in /proc/mounts" "the root file system is on NFS (server 10.0.0.1) reached through eth0"
# eth1 has no default route and 10.0.0.1 is not on its subnet: it may be bridged.
convert_ok "NFS root, other NIC" eth1

reset_root
echo "root=/dev/nfs ip=10.0.0.2::10.0.0.1:255.255.255.0:dom0:eth0:off nfsroot=10.0.0.1:/x" >"$R/proc/cmdline"
expect_refused "NFS root on the kernel command line" "the root file system is on NFS and the kernel command line (ip=) boots from eth0"

reset_root
mkdir -p "$R/sys/class/iscsi_connection/connection1:0"
echo 10.0.0.1 >"$R/sys/class/iscsi_connection/connection1:0/persistent_address"
expect_refused "iSCSI session" "an iSCSI session (connection1:0, target 10.0.0.1"

reset_root
mkdir -p "$R/run/NetworkManager/devices"
echo $$ >"$R/run/NetworkManager/NetworkManager.pid"
expect_refused "NetworkManager" "NetworkManager (pid $$) manages eth0"
idx=$(lab_in dom0 cat /sys/class/net/eth0/ifindex)
printf '[device]\nmanaged=false\n' >"$R/run/NetworkManager/devices/$idx"
convert_ok "NetworkManager leaves eth0 unmanaged" eth0
rm "$R/run/NetworkManager/devices/$idx"

# force = yes overrides a refusal.
cv_conf direct
sed -i '/^\[nic eth0\]/a force = yes' "$CV_CONF"
convert_ok "NetworkManager, force = yes" eth0

# A DHCP client on the NIC: converted, with a warning saying what to do.
reset_root
cv_conf direct
mkdir -p "$R/proc/4242"
printf 'dhclient\0-4\0-v\0eth0\0' >"$R/proc/4242/cmdline"
cv_drv convert "$CV_CONF" eth1
grep -q "eth1: converted$" "$CV_OUT" || lab_fail "no warning expected for eth1: $(cat "$CV_OUT")"
cv_drv convert "$CV_CONF" eth0
grep -q "eth0: converted: warning: DHCP client dhclient (pid 4242) still runs on eth0; its lease address now lives on xenbr0" "$CV_OUT" ||
	lab_fail "DHCP warning: $(cat "$CV_OUT")"
echo "ok: DHCP client warning: $(cat "$CV_OUT")"
