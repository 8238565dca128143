#!/bin/bash
# `vifname`: netd renames the device to it (and the HVM emulated NIC to NAME-emu), and
# fails cleanly if the name is taken; detach finds the renamed device.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
vl_netd
vl_guest 3 0
vl_add --style libxl --wait-hotplug 5000 3 0 vifname=web0 >/dev/null || lab_fail "vifname add"
lab_assert "renamed and attached" vl_attached web0
lab_assert "old name gone" vl_not vl_link vif3.0
lab_assert "guest reaches the peer" lab_wait_for 3000 vl_ping 3 0 1
lab_assert "netctl shows web0" bash -c \
	"'$NETCTL' -s '$LAB_TMP/netd.sock' vifs | grep -qE '^3 +0 +web0 '"

# HVM: the emulated NIC becomes NAME-emu.
lab_in dom0 ip link add vif4.0 type veth peer name p4 || lab_fail "vif4.0"
lab_in dom0 ip link add vif4.0-emu type veth peer name e4 || lab_fail "vif4.0-emu"
vl_add --style libxl --wait-hotplug 5000 4 0 vifname=db0 type=vif_ioemu >/dev/null ||
	lab_fail "HVM vifname add"
lab_assert "db0 attached" vl_attached db0
lab_assert "db0-emu attached" lab_wait_for 2000 vl_attached db0-emu

# Taken: another device already has the name. Nothing is touched.
lab_in dom0 ip link add vif5.0 type veth peer name p5 || lab_fail "vif5.0"
out=$(vl_add --style libxl --wait-hotplug 5000 5 0 vifname=eth0 2>&1) &&
	lab_fail "vifname=eth0 attached: $out"
lab_assert_eq "cannot rename vif5.0 to eth0: the name is taken" \
	"$(vl_read "$(vl_be 5 0 hotplug-error)")" "hotplug-error"
lab_assert "vif5.0 untouched" vl_detached vif5.0
lab_assert "eth0 untouched" bash -c "ip -n '$LAB_DOM0' -o link show eth0 | grep -q 'master xenbr0'"

# Detach (xend order) finds web0 by its index.
vl_rm --style xend --timeout 5000 3 0 || lab_fail "remove 3/0"
lab_assert "web0 detached" vl_detached web0
vl_check_log
echo "ok"
